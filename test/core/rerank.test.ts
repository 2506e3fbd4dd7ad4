import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { ask, candidates } from "../../src/core/answer.ts";
import { parseArticle } from "../../src/core/articles.ts";
import { NewsIndex } from "../../src/core/index.ts";
import { lemmaOf } from "../../src/core/normalize.ts";
import { FEATURES, RERANK_DEPTH, rerank, rerankFeatures } from "../../src/core/rerank.ts";
import { RERANK_WEIGHTS } from "../../src/core/rerank-weights.ts";

const fixture = (name: string) =>
  parseArticle({ path: name, content: readFileSync(`test/fixtures/ranking/${name}`, "utf8") });

let index: NewsIndex;
beforeAll(() => {
  index = NewsIndex.build([fixture("shipyard.md"), fixture("immunity.md")]);
});

const feature = (row: readonly number[] | undefined, name: (typeof FEATURES)[number]) =>
  row?.[FEATURES.indexOf(name)];

const candidatesFor = (question: string) => {
  const outcome = index.search(question);
  return { outcome, list: candidates(index, question, outcome, {}, RERANK_DEPTH) };
};

const textOf = (c: { article: number; sentence: number }) =>
  index.slotArticle(c.article).sentences[c.sentence]!.text;

describe("re-ranker features", () => {
  it("GIVEN the committed weights WHEN counted THEN there is one per feature", () => {
    expect(RERANK_WEIGHTS).toHaveLength(FEATURES.length);
    expect(RERANK_WEIGHTS.every(Number.isFinite)).toBe(true);
  });

  it("GIVEN a sentence that opens with 'The company' after one naming it WHEN featurised THEN the question words of the previous sentence count as pointed back at", () => {
    const question = "What does Marlow Shipyards build?";
    const { outcome, list } = candidatesFor(question);
    const rows = rerankFeatures(index, question, outcome.queryTerms, list);
    const builds = list.findIndex((c) => textOf(c).startsWith("The company builds"));
    const sponsors = list.findIndex((c) => textOf(c).startsWith("Marlow Shipyards also sponsors"));
    expect(builds).toBeGreaterThanOrEqual(0);
    expect(sponsors).toBeGreaterThanOrEqual(0);
    expect(feature(rows[builds], "prevShare")).toBeGreaterThan(0.5);
    expect(feature(rows[builds], "prevShareBack")).toBe(feature(rows[builds], "prevShare"));
    // The sponsor sentence has the names itself and does not point back.
    expect(feature(rows[sponsors], "prevShareBack")).toBe(0);
    expect(feature(rows[sponsors], "ownCoverage")).toBeGreaterThan(feature(rows[builds], "ownCoverage")!);
  });

  it("GIVEN 'builds' in the sentence and 'build' in the question WHEN featurised THEN it is an exact match up to inflection", () => {
    expect(lemmaOf("builds")).toBe(lemmaOf("build"));
    expect(lemmaOf("Ferries")).toBe("ferry");
    expect(lemmaOf("generally")).not.toBe(lemmaOf("general"));
    const question = "Who builds ferries?";
    const { outcome, list } = candidatesFor(question);
    const rows = rerankFeatures(index, question, outcome.queryTerms, list);
    expect(textOf(list[0]!)).toMatch(/^The company builds/);
    expect(feature(rows[0], "exact")).toBeCloseTo(1);
    expect(feature(rows[0], "bigrams")).toBe(1);
  });
});

describe("rerank", () => {
  it("GIVEN weights that favour first sentences WHEN reranked THEN they lead, every candidate stays, and scores never rise down the list", () => {
    const question = "Marlow Shipyards rowing club regatta";
    const { outcome, list } = candidatesFor(question);
    expect(list.length).toBeGreaterThan(2);
    expect(list[0]!.sentence).not.toBe(0); // so the weights below must reorder
    const weights = FEATURES.map((f) => (f === "first" ? 10 : f === "relScore" ? 1 : 0));
    const out = rerank(index, question, outcome.queryTerms, list, weights);
    expect(out[0]!.sentence).toBe(0);
    expect(out[0]!.score).toBe(list[0]!.score);
    expect(out.map((c) => `${c.article}:${c.sentence}`).sort()).toEqual(
      list.map((c) => `${c.article}:${c.sentence}`).sort(),
    );
    for (let i = 1; i < out.length; i++) expect(out[i]!.score).toBeLessThanOrEqual(out[i - 1]!.score);
  });

  it("GIVEN an anaphoric answer WHEN asked with and without the re-ranker THEN both put the sentence that answers first", () => {
    for (const rerankOn of [true, false]) {
      const [first] = ask(index, "What does Marlow Shipyards build?", {
        ranking: { rerank: rerankOn },
      }).results;
      expect(first?.text).toMatch(/^The company builds ferries/);
    }
  });

  it("GIVEN a page beyond the first WHEN asked THEN pages follow the re-ranked order without repeats", () => {
    const question = "Marlow Shipyards rowing club regatta";
    const all = ask(index, question, { limit: 4 }).results.map((r) => r.text);
    const paged = [
      ...ask(index, question, { limit: 2 }).results,
      ...ask(index, question, { limit: 2, offset: 2 }).results,
    ].map((r) => r.text);
    expect(paged).toEqual(all);
  });
});
