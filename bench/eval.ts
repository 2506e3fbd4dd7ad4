/**
 * Sentence-retrieval quality on a SQuAD-format file: each paragraph is an article, each question is
 * asked against all of them, and a question is found at rank k when the k-th sentence contains (part
 * of) its answer span. Prints R@1, R@3, R@5 and MRR@10 for Newsdesk and, in the same run, for plain
 * MiniSearch (default options) over the same sentences.
 *
 *   npm run eval -- --squad ../shared/eval/xquad.en.json [--json] [--limit N]
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import MiniSearch from "minisearch";
import { ask } from "../src/core/answer.ts";
import { NewsIndex, type RankingOptions } from "../src/core/index.ts";
import { splitSentences } from "../src/core/sentences.ts";
import type { Article, Sentence } from "../src/core/types.ts";

interface SquadFile {
  data: {
    title: string;
    paragraphs: {
      context: string;
      qas: { question: string; answers: { answer_start: number; text: string }[] }[];
    }[];
  }[];
}

export interface Metrics {
  r1: number;
  r3: number;
  r5: number;
  mrr10: number;
}

export interface Question {
  text: string;
  article: string;
  spans: [number, number][];
}

export interface EvalSet {
  articles: Article[];
  /** Character range of each sentence in its paragraph, by article id. */
  ranges: Map<string, [number, number][]>;
  questions: Question[];
}

/** Builds articles (one per paragraph) and questions from a SQuAD file. */
export function loadSquad(path: string): EvalSet {
  const squad = JSON.parse(readFileSync(path, "utf8")) as SquadFile;
  const articles: Article[] = [];
  const ranges = new Map<string, [number, number][]>();
  const questions: Question[] = [];
  for (const doc of squad.data) {
    doc.paragraphs.forEach((p, pi) => {
      const id = `${doc.title}/${pi + 1}`;
      const texts = splitSentences(p.context);
      const sentences: Sentence[] = [];
      const spans: [number, number][] = [];
      let from = 0;
      texts.forEach((text, i) => {
        sentences.push({ text, paragraph: 1, position: i + 1 });
        const head = text.slice(0, Math.min(20, text.length));
        let at = p.context.indexOf(head, from);
        if (at < 0) at = from;
        const end =
          i + 1 < texts.length
            ? Math.max(at + 1, findNext(p.context, texts[i + 1]!, at + 1))
            : p.context.length;
        spans.push([at, end]);
        from = end;
      });
      ranges.set(id, spans);
      articles.push({
        id,
        title: doc.title.replace(/_/g, " "),
        date: null,
        source: null,
        url: null,
        author: null,
        section: null,
        dateline: null,
        tags: [],
        guild: null,
        sentences,
      });
      for (const qa of p.qas) {
        questions.push({
          text: qa.question,
          article: id,
          spans: qa.answers.map((a) => [a.answer_start, a.answer_start + a.text.length]),
        });
      }
    });
  }
  return { articles, ranges, questions };
}

function findNext(context: string, next: string, from: number): number {
  const at = context.indexOf(next.slice(0, Math.min(20, next.length)), from);
  return at < 0 ? context.length : at;
}

export function isAnswer(set: EvalSet, q: Question, article: string, sentence: number): boolean {
  if (article !== q.article) return false;
  const range = set.ranges.get(article)?.[sentence];
  if (!range) return false;
  return q.spans.some(([s, e]) => s < range[1] && e > range[0]);
}

export function score(ranks: (number | null)[]): Metrics {
  const n = ranks.length;
  const at = (k: number) => ranks.filter((r) => r !== null && r <= k).length / n;
  const mrr = ranks.reduce<number>((sum, r) => sum + (r !== null && r <= 10 ? 1 / r : 0), 0) / n;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return { r1: round(at(1)), r3: round(at(3)), r5: round(at(5)), mrr10: round(mrr) };
}

/** Newsdesk's ranks (1-based, null when not in the top 10) for every question. */
export function newsdeskRanks(set: EvalSet, ranking?: Partial<RankingOptions>): (number | null)[] {
  const index = NewsIndex.build(set.articles);
  return set.questions.map((q) => {
    const answer = ask(index, q.text, { limit: 10, ...(ranking ? { ranking } : {}) });
    const i = answer.results.findIndex((p) => isAnswer(set, q, p.citation.article, p.citation.sentence - 1));
    return i < 0 ? null : i + 1;
  });
}

/** Plain MiniSearch, default options, one document per sentence. */
export function miniSearchRanks(set: EvalSet): (number | null)[] {
  const ms = new MiniSearch<{ id: number; text: string }>({ fields: ["text"] });
  const where: [string, number][] = [];
  const docs: { id: number; text: string }[] = [];
  for (const a of set.articles) {
    a.sentences.forEach((s, i) => {
      docs.push({ id: where.length, text: s.text });
      where.push([a.id, i]);
    });
  }
  ms.addAll(docs);
  return set.questions.map((q) => {
    const results = ms.search(q.text).slice(0, 10);
    const i = results.findIndex((r) => {
      const [article, sentence] = where[r.id as number]!;
      return isAnswer(set, q, article, sentence);
    });
    return i < 0 ? null : i + 1;
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { squad: { type: "string" }, json: { type: "boolean", default: false } },
  });
  if (!values.squad) {
    console.error("eval: --squad <file> is required (e.g. ../shared/eval/xquad.en.json)");
    process.exit(2);
  }
  const set = loadSquad(values.squad);
  const newsdesk = score(newsdeskRanks(set));
  const minisearch = score(miniSearchRanks(set));
  const result = { questions: set.questions.length, newsdesk, minisearch };
  if (values.json) {
    console.log(JSON.stringify(result));
    return;
  }
  console.log(`${set.questions.length} questions, ${set.articles.length} paragraphs`);
  console.log("            R@1    R@3    R@5    MRR@10");
  for (const [name, m] of [
    ["newsdesk", newsdesk],
    ["minisearch", minisearch],
  ] as const) {
    console.log(
      `${name.padEnd(10)}  ${m.r1.toFixed(3)}  ${m.r3.toFixed(3)}  ${m.r5.toFixed(3)}  ${m.mrr10.toFixed(3)}`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
