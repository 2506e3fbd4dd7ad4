/**
 * Sentence plausibility check over real corpora.
 *
 *   npx tsx bench/sentences-check.ts [dir...] [--examples N] [--compare]
 *
 * Loads each folder (default: ../shared/corpora/bbc and ../shared/corpora/reuters), splits every article and
 * reports articles, sentences, and sentences that are implausibly long (> 400 characters or > 80 words) or
 * short (< 3 words), with a few examples of each, plus the load time. With `--compare`, it first runs the
 * splitter fixture cases (test/fixtures/articles/sentence-cases.json) through the candidate libraries
 * (plain Intl.Segmenter, sentence-splitter, compromise) and Newsdesk's splitter, and prints how many each gets right.
 */

import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { splitSentences } from "../src/core/sentences.ts";
import type { Sentence } from "../src/core/types.ts";
import { loadKnowledge } from "../src/knowledge.ts";

const DEFAULT_DIRS = ["bbc", "reuters"].map((c) =>
  fileURLToPath(new URL(`../../shared/corpora/${c}`, import.meta.url)),
);
const MAX_CHARS = 400;
const MAX_WORDS = 80;
const MIN_WORDS = 3;

interface Flagged {
  article: string;
  sentence: Sentence;
}

function words(text: string): number {
  return text.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
}

function pick<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  const step = items.length / n;
  return Array.from({ length: n }, (_, i) => items[Math.floor(i * step)]!);
}

function show(label: string, items: Flagged[], total: number, n: number): void {
  const pct = total === 0 ? 0 : (100 * items.length) / total;
  console.log(`  ${label}: ${items.length} (${pct.toFixed(2)}%)`);
  for (const f of pick(items, n)) {
    const t = f.sentence.text;
    const shown = t.length > 220 ? `${t.slice(0, 200)} … [${t.length} chars]` : t;
    console.log(`    - ${f.article} #${f.sentence.position}: ${shown}`);
  }
}

interface SplitCase {
  name: string;
  input: string;
  expected: string[];
}

async function compare(): Promise<void> {
  const { default: nlp } = await import("compromise");
  const { split } = await import("sentence-splitter");
  const cases = JSON.parse(
    readFileSync(new URL("../test/fixtures/articles/sentence-cases.json", import.meta.url), "utf8"),
  ) as SplitCase[];
  const segmenter = new Intl.Segmenter("en", { granularity: "sentence" });
  const collapse = (t: string): string => t.replace(/\s+/g, " ").trim();
  const splitters: Record<string, (t: string) => string[]> = {
    "Intl.Segmenter": (t) =>
      [...segmenter.segment(collapse(t))].map((s) => s.segment.trim()).filter((s) => s !== ""),
    "sentence-splitter": (t) =>
      split(collapse(t))
        .filter((n) => n.type === "Sentence")
        .map((n) => n.raw.trim()),
    compromise: (t) => (nlp(collapse(t)).sentences().out("array") as string[]).map((s) => s.trim()),
    newsdesk: splitSentences,
  };
  console.log(`splitter fixture cases (${cases.length}):`);
  for (const [name, fn] of Object.entries(splitters)) {
    const failed = cases.filter((c) => JSON.stringify(fn(c.input)) !== JSON.stringify(c.expected));
    console.log(`  ${name}: ${cases.length - failed.length}/${cases.length} right`);
    for (const c of failed) console.log(`    - ${c.name}`);
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let examples = 5;
  const dirs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--examples") examples = Number(args[++i] ?? "5");
    else if (a === "--compare") await compare();
    else dirs.push(resolve(a));
  }
  if (dirs.length === 0) dirs.push(...DEFAULT_DIRS);

  let allArticles = 0;
  let allSentences = 0;
  let allMs = 0;
  for (const dir of dirs) {
    if (!existsSync(dir)) {
      console.log(`${dir}: not found, skipped`);
      continue;
    }
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const loaded = await loadKnowledge(dir);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    allMs += ms;
    const long: Flagged[] = [];
    const short: Flagged[] = [];
    let sentences = 0;
    for (const article of loaded.articles) {
      for (const sentence of article.sentences) {
        sentences++;
        const w = words(sentence.text);
        if (sentence.text.length > MAX_CHARS || w > MAX_WORDS) long.push({ article: article.id, sentence });
        else if (w < MIN_WORDS) short.push({ article: article.id, sentence });
      }
    }
    allArticles += loaded.articles.length;
    allSentences += sentences;
    const duplicates = loaded.warnings.filter((w) => w.reason.startsWith("duplicate of")).length;
    console.log(`${dir}`);
    console.log(
      `  articles: ${loaded.articles.length}, sentences: ${sentences}, warnings: ${loaded.warnings.length} (${duplicates} duplicates), load: ${ms.toFixed(0)} ms (CPU ${cpuMs.toFixed(0)} ms)`,
    );
    show(`long (> ${MAX_CHARS} chars or > ${MAX_WORDS} words)`, long, sentences, examples);
    show(`short (< ${MIN_WORDS} words)`, short, sentences, examples);
    for (const w of loaded.warnings.filter((x) => !x.reason.startsWith("duplicate of")).slice(0, examples)) {
      console.log(`  warning: ${w.file}: ${w.reason}`);
    }
  }
  console.log(`total: ${allArticles} articles, ${allSentences} sentences, load ${allMs.toFixed(0)} ms`);
}

await main();
