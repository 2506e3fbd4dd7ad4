/**
 * Load, index, cache and query figures for a knowledge folder, next to plain MiniSearch on the same
 * sentences in the same run (default options, and stemmed with stop words removed).
 *
 *   npm run bench -- --knowledge ../shared/corpora/bbc --knowledge ../shared/corpora/reuters [--json]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import MiniSearch from "minisearch";
import { openKnowledge } from "../src/cache.ts";
import type { Newsdesk } from "../src/core/desk.ts";
import { normalizeTerm, tokenize } from "../src/core/normalize.ts";
import type { Article } from "../src/core/types.ts";

/** A fixed, mixed query set: topics, names, questions, typos, common words. */
export const QUERIES = [
  "oil prices",
  "interest rates",
  "What did the Bundesbank say about interest rates?",
  "coffee exports Brazil",
  "Who won the election?",
  "When will the merger be completed?",
  "How many jobs were cut?",
  "Where is the new plant?",
  "Tony Blair",
  "Microsoft",
  "football",
  "mobile phones",
  "film awards",
  "unemployment figures",
  "trade deficit with Japan",
  "dollar against the yen",
  "sugar production",
  "wheat crop forecast",
  "strike by workers",
  "takeover bid",
  "chancellor budget tax",
  "Chelsea manager",
  "music downloads",
  "gold price",
  "share price fell sharply",
  "quarterly profit rose",
  "dividend",
  "OPEC output quotas",
  "shipping Gulf attack",
  "bank lending",
  "growth forecast for the economy",
  "government said on Tuesday",
  "microsfot",
  "elecshun results",
  "The company said it expects earnings to improve this year",
  "reconstruction",
  "Where did Assad flee?",
  "putin",
  "stock market crash",
  "copper",
];

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** Runs `fn` over the query set `rounds` times after a warm-up; p50/p99 in milliseconds. */
function latency(fn: (q: string) => unknown, rounds = 5): { p50: number; p99: number } {
  return latencyOver(QUERIES, fn, rounds);
}

function latencyOver(inputs: readonly string[], fn: (q: string) => unknown, rounds: number, warmUp = true) {
  if (warmUp) for (const q of inputs) fn(q);
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const q of inputs) {
      const t = performance.now();
      fn(q);
      times.push(performance.now() - t);
    }
  }
  times.sort((a, b) => a - b);
  return { p50: round(percentile(times, 50), 3), p99: round(percentile(times, 99), 3) };
}

function heapMB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return round(process.memoryUsage().heapUsed / 1024 / 1024, 1);
}

function plainMiniSearch(desk: Newsdesk, stemmed: boolean): MiniSearch {
  const ms = new MiniSearch<{ id: number; text: string }>({
    fields: ["text"],
    ...(stemmed ? { processTerm: (t: string) => [...normalizeTerm(t)] } : {}),
  });
  let id = 0;
  const docs: { id: number; text: string }[] = [];
  for (const a of desk.articles) for (const s of a.sentences) docs.push({ id: id++, text: s.text });
  ms.addAll(docs);
  return ms;
}

/**
 * Retrieval quality at corpus scale, where no labelled questions exist: known-item search. A fixed-seed
 * sample of sentences (with at least 6 distinct content words); each query is 3 of them, picked at random.
 * Found at rank k when the k-th result is that sentence (or the same text elsewhere: wire copy repeats).
 */
export function knownItems(
  articles: readonly Article[],
  count = 400,
  seed = 12345,
): { query: string; text: string }[] {
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  const items: { query: string; text: string }[] = [];
  for (let tries = 0; items.length < count && tries < count * 50; tries++) {
    const article = articles[Math.floor(random() * articles.length)];
    const sentence = article?.sentences[Math.floor(random() * article.sentences.length)];
    if (!sentence) continue;
    const words = [
      ...new Set(
        tokenize(sentence.text)
          .map((t) => t.word)
          .filter((w) => w.length > 3 && !/^\d/.test(w) && normalizeTerm(w).length > 0),
      ),
    ];
    if (words.length < 6) continue;
    const picked: string[] = [];
    while (picked.length < 3) {
      const w = words[Math.floor(random() * words.length)]!;
      if (!picked.includes(w)) picked.push(w);
    }
    items.push({ query: picked.join(" "), text: sentence.text });
  }
  return items;
}

/** Share of known items found first and in the top 5 by `search` (which returns sentence texts, best first). */
function knownItemRecall(
  items: readonly { query: string; text: string }[],
  search: (q: string) => string[],
): { s1: number; s5: number } {
  let s1 = 0;
  let s5 = 0;
  for (const item of items) {
    const i = search(item.query).slice(0, 5).indexOf(item.text);
    if (i === 0) s1++;
    if (i >= 0) s5++;
  }
  return { s1: round(s1 / items.length, 3), s5: round(s5 / items.length, 3) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      knowledge: { type: "string", multiple: true },
      json: { type: "boolean", default: false },
      rounds: { type: "string", default: "5" },
    },
  });
  const dirs = values.knowledge ?? ["knowledge"];
  const rounds = Number(values.rounds);
  const log = (msg: string) => {
    if (!values.json) console.error(msg);
  };
  const cacheDir = mkdtempSync(join(tmpdir(), "newsdesk-bench-"));
  try {
    log(`loading ${dirs.join(", ")} …`);
    // The cold desk is dropped before the heap is measured.
    const cold = await (async () => {
      const { desk, timings } = await openKnowledge(dirs, { cacheDir });
      return { articles: desk.articles.length, sentences: desk.sentenceCount, timings };
    })();
    const { articles, sentences } = cold;
    log(
      `${articles} articles, ${sentences} sentences; load ${round(cold.timings.loadMs)} ms, build ${round(cold.timings.buildMs)} ms`,
    );

    const warm = await openKnowledge(dirs, { cacheDir });
    if (!warm.cached) throw new Error("bench: the second start did not use the cache");
    const desk = warm.desk;
    const heap = heapMB();
    log(`cached start ${round(warm.timings.totalMs)} ms, heap ${heap} MB`);

    // The first pass runs with an empty stage-1 term cache (every term scored by MiniSearch); the timed
    // rounds after it show the steady state, where common words come from the cache.
    const askCold = latencyOver(QUERIES, (q) => desk.ask(q), 1, false);
    const askLatency = latency((q) => desk.ask(q), rounds);
    log(
      `ask p50 ${askLatency.p50} ms, p99 ${askLatency.p99} ms (first pass, empty term cache: p50 ${askCold.p50}, p99 ${askCold.p99} ms)`,
    );

    const names = desk
      .suggestEntities("")
      .map((e) => e.name)
      .slice(0, 20);
    const whoNames = [...names, ...names.map((n) => n.toLowerCase().slice(0, -1)), "puttin", "nobody at all"];
    const whoLatency = latencyOver(whoNames, (q) => desk.who(q), rounds);
    log(`who p50 ${whoLatency.p50} ms, p99 ${whoLatency.p99} ms (${whoNames.length} names)`);
    const prefixes = [
      "",
      "a",
      "b",
      "m",
      "p",
      "s",
      "th",
      "jo",
      "ge",
      "ba",
      "pu",
      "mi",
      "ch",
      "re",
      "un",
      "wo",
      "ja",
      "fr",
      "de",
      "sa",
    ];
    const suggestLatency = latencyOver(prefixes, (p) => desk.suggestEntities(p), rounds);
    log(`suggestEntities p50 ${suggestLatency.p50} ms, p99 ${suggestLatency.p99} ms`);
    const articleSuggest = latencyOver(prefixes, (p) => desk.suggestArticles(p), rounds);
    log(`suggestArticles p50 ${articleSuggest.p50} ms, p99 ${articleSuggest.p99} ms`);

    const plain = plainMiniSearch(desk, false);
    const plainLatency = latency((q) => plain.search(q), rounds);
    log(`plain MiniSearch p50 ${plainLatency.p50} ms, p99 ${plainLatency.p99} ms`);
    const stemmed = plainMiniSearch(desk, true);
    const stemmedLatency = latency((q) => stemmed.search(q), rounds);
    log(`stemmed MiniSearch p50 ${stemmedLatency.p50} ms, p99 ${stemmedLatency.p99} ms`);

    const texts = desk.articles.flatMap((a) => a.sentences.map((s) => s.text));
    const items = knownItems(desk.articles);
    const knownItem = {
      items: items.length,
      newsdesk: knownItemRecall(items, (q) => desk.ask(q, { limit: 5 }).results.map((r) => r.text)),
      minisearch: knownItemRecall(items, (q) =>
        plain
          .search(q)
          .slice(0, 5)
          .map((r) => texts[r.id as number]!),
      ),
      minisearchStemmed: knownItemRecall(items, (q) =>
        stemmed
          .search(q)
          .slice(0, 5)
          .map((r) => texts[r.id as number]!),
      ),
    };
    log(
      `known-item search (${items.length} sentences, 3 of their words): Newsdesk S@1 ${knownItem.newsdesk.s1}, S@5 ${knownItem.newsdesk.s5}; ` +
        `plain MiniSearch ${knownItem.minisearch.s1} / ${knownItem.minisearch.s5}; stemmed ${knownItem.minisearchStemmed.s1} / ${knownItem.minisearchStemmed.s5}`,
    );

    const result = {
      knowledge: dirs,
      articles,
      sentences,
      queries: QUERIES.length * rounds,
      loadMs: round(cold.timings.loadMs),
      buildMs: round(cold.timings.buildMs),
      cachedStartMs: round(warm.timings.totalMs),
      heapMB: heap,
      ask: askLatency,
      askFirstPass: askCold,
      who: whoLatency,
      suggestEntities: suggestLatency,
      suggestArticles: articleSuggest,
      minisearch: plainLatency,
      minisearchStemmed: stemmedLatency,
      knownItem,
    };
    if (values.json) {
      console.log(JSON.stringify(result));
    } else {
      console.log(
        [
          `| measure | value |`,
          `|---|---|`,
          `| articles / sentences | ${articles} / ${sentences} |`,
          `| load + split | ${result.loadMs} ms |`,
          `| index build | ${result.buildMs} ms |`,
          `| cached start | ${result.cachedStartMs} ms |`,
          `| heap after load | ${heap} MB |`,
          `| ask p50 / p99 | ${askLatency.p50} / ${askLatency.p99} ms |`,
          `| ask, first pass (empty term cache) p50 / p99 | ${askCold.p50} / ${askCold.p99} ms |`,
          `| who p50 / p99 | ${whoLatency.p50} / ${whoLatency.p99} ms |`,
          `| suggestEntities p50 / p99 | ${suggestLatency.p50} / ${suggestLatency.p99} ms |`,
          `| suggestArticles p50 / p99 | ${articleSuggest.p50} / ${articleSuggest.p99} ms |`,
          `| plain MiniSearch p50 / p99 | ${plainLatency.p50} / ${plainLatency.p99} ms |`,
          `| MiniSearch stemmed, no stop words p50 / p99 | ${stemmedLatency.p50} / ${stemmedLatency.p99} ms |`,
          `| known-item S@1 / S@5: Newsdesk | ${knownItem.newsdesk.s1} / ${knownItem.newsdesk.s5} |`,
          `| known-item S@1 / S@5: plain MiniSearch | ${knownItem.minisearch.s1} / ${knownItem.minisearch.s5} |`,
          `| known-item S@1 / S@5: MiniSearch stemmed | ${knownItem.minisearchStemmed.s1} / ${knownItem.minisearchStemmed.s5} |`,
        ].join("\n"),
      );
    }
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
