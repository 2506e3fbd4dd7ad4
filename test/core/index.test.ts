import type MiniSearch from "minisearch";
import { beforeAll, describe, expect, it } from "vitest";
import { defaultRanking, NewsIndex } from "../../src/core/index.ts";
import type { Article } from "../../src/core/types.ts";
import { article, loadBaseArticles } from "./articles-helper.ts";

let base: Article[];
beforeAll(async () => {
  base = await loadBaseArticles();
});

const QUESTIONS = [
  "strike",
  "Where did Assad flee?",
  "bread prices harvest",
  "ferry refunds strike",
  "Putin Moscow talks",
  "What did the union say about the strike?",
];

/** White-box access to stage 1: the cached per-term path and the MiniSearch index it must agree with. */
interface Internals {
  miniSearch: MiniSearch;
  stageOne(
    terms: readonly string[],
    r: typeof defaultRanking,
    visible?: (a: Article) => boolean,
  ): { id: number; score: number }[];
}
const internals = (index: NewsIndex) => index as unknown as Internals;

const hitsOf = (index: NewsIndex, q: string) =>
  index.search(q).hits.map((h) => `${index.slotArticle(h.article).id}#${h.sentence} ${h.score.toFixed(9)}`);

describe("stage 1: candidate articles from cached per-term MiniSearch results", () => {
  it("GIVEN known words WHEN stage 1 runs THEN it ranks articles exactly as one MiniSearch OR query", () => {
    const index = NewsIndex.build(base);
    const { miniSearch, stageOne } = internals(index);
    for (const q of QUESTIONS) {
      const terms = index.queryTerms(q);
      const reference = miniSearch
        .search(terms.join(" "), { boost: { title: 2 }, bm25: defaultRanking.articleBm25 })
        .slice(0, defaultRanking.candidates);
      const mine = stageOne.call(index, terms, defaultRanking);
      expect(reference.length, q).toBeGreaterThan(0);
      expect(mine.map((h) => h.id)).toEqual(reference.map((r) => r.id));
      for (const [i, h] of mine.entries()) expect(h.score).toBeCloseTo(reference[i]!.score, 9);
    }
  });

  it("GIVEN a misspelt word WHEN stage 1 runs THEN it ranks articles as one fuzzy MiniSearch OR query", () => {
    const index = NewsIndex.build(base);
    const { miniSearch, stageOne } = internals(index);
    // Two misspelt words that both match one article test how the fuzzy part's score is split.
    for (const q of ["Where did Asad flee?", "ferry refnds strike", "Puttin Moskow talks"]) {
      const terms = index.queryTerms(q);
      expect(
        terms.some((t) => index.surfaceOf(t) === undefined),
        q,
      ).toBe(true);
      const reference = miniSearch
        .search(terms.join(" "), {
          boost: { title: 2 },
          bm25: defaultRanking.articleBm25,
          fuzzy: (t) => (index.surfaceOf(t) !== undefined || t.length < 4 ? false : t.length >= 8 ? 2 : 1),
          maxFuzzy: 2,
        })
        .slice(0, defaultRanking.candidates);
      const mine = stageOne.call(index, terms, defaultRanking);
      expect(reference.length, q).toBeGreaterThan(0);
      expect(mine.map((h) => h.id)).toEqual(reference.map((r) => r.id));
      for (const [i, h] of mine.entries()) expect(h.score).toBeCloseTo(reference[i]!.score, 9);
    }
  });

  it("GIVEN a warm term cache WHEN the same questions come in another order THEN hits equal a cold index's", () => {
    const warm = NewsIndex.build(base);
    for (const q of [...QUESTIONS].reverse()) warm.search(q);
    for (const q of QUESTIONS) expect(hitsOf(warm, q), q).toEqual(hitsOf(NewsIndex.build(base), q));
  });

  it("GIVEN cached terms WHEN articles are added and removed THEN scores follow the new corpus, not the cache", () => {
    const index = NewsIndex.build(base);
    for (const q of QUESTIONS) index.search(q); // caches "strike", "union", …
    const extra = article("extra/dock-strike.md", "Dock strike", [
      "The dockers' union called a strike at every port on Monday.",
      "The strike stopped ferries, and the union said it would last a week.",
    ]);
    index.add(extra);
    const fresh = NewsIndex.build([...base, extra]);
    for (const q of QUESTIONS) expect(hitsOf(index, q), q).toEqual(hitsOf(fresh, q));
    expect(hitsOf(index, "union strike")[0]).toMatch(/^extra\/dock-strike\.md#/);

    index.remove(extra.id);
    const without = NewsIndex.build(base);
    for (const q of QUESTIONS) {
      expect(
        hitsOf(index, q).map((h) => h.split(" ")[0]),
        q,
      ).toEqual(hitsOf(without, q).map((h) => h.split(" ")[0]));
    }
  });

  it("GIVEN a visibility filter WHEN stage 1 runs THEN hidden articles never become candidates", () => {
    const mine = article("guild/strike.md", "Strike", ["Our own strike news: the strike ends today."], {
      guild: "g1",
    });
    const index = NewsIndex.build([...base, mine]);
    const everyone = index.search("strike").hits.map((h) => index.slotArticle(h.article).id);
    expect(everyone).toContain(mine.id);
    const outside = index.search("strike", { visible: (a) => a.guild === null });
    expect(outside.hits.length).toBeGreaterThan(0);
    expect(outside.hits.map((h) => index.slotArticle(h.article).id)).not.toContain(mine.id);
  });
});

describe("term cache warm-up", () => {
  it("GIVEN common words WHEN warmed THEN the most frequent are cached first, and answers do not change", () => {
    const index = NewsIndex.build(base);
    const cold = QUESTIONS.map((q) => hitsOf(index, q));
    const fresh = NewsIndex.build(base);
    const warmed = [...fresh.warmTerms(2)];
    expect(warmed.length).toBeGreaterThan(3);
    expect(fresh.termCacheSize.terms).toBe(warmed.length);
    const df = (t: string) =>
      fresh.articles.filter((a) => a.sentences.some((s) => fresh.queryTerms(s.text).includes(t))).length;
    const dfs = warmed.map(df);
    expect(dfs.every((d) => d >= 2)).toBe(true);
    expect([...dfs].sort((x, y) => y - x)).toEqual(dfs);
    expect(QUESTIONS.map((q) => hitsOf(fresh, q))).toEqual(cold);
  });
  it("GIVEN a small term cache WHEN questions bring more postings than it holds THEN the least recently used terms go and answers do not change", () => {
    const index = NewsIndex.build(base);
    const cold = QUESTIONS.map((q) => hitsOf(index, q));
    const small = NewsIndex.build(base);
    small.termCacheCapacity = 6;
    for (let round = 0; round < 3; round++) {
      expect(QUESTIONS.map((q) => hitsOf(small, q))).toEqual(cold);
      // Over capacity only by the newest term, which is never dropped on arrival.
      const { postings } = small.termCacheSize;
      expect(postings).toBeLessThanOrEqual(6 + base.length);
    }
    // Eviction drops the least recently used: a warmed term used again stays, one not used goes.
    const fresh = NewsIndex.build(base);
    const warmed = [...fresh.warmTerms(2)]; // most frequent first, so warmed[0] is the oldest entry
    expect(warmed.length).toBeGreaterThan(3);
    fresh.termCacheCapacity = fresh.termCacheSize.postings; // full
    hitsOf(fresh, warmed[0]!);
    expect(fresh.isTermCached(warmed[0]!)).toBe(true);
    const rare = fresh
      .queryTerms(base.map((a) => a.sentences.map((x) => x.text).join(" ")).join(" "))
      .find((t) => !fresh.isTermCached(t));
    expect(rare).toBeDefined();
    hitsOf(fresh, rare!);
    expect(fresh.isTermCached(rare!)).toBe(true);
    expect(fresh.isTermCached(warmed[0]!)).toBe(true);
    expect(fresh.isTermCached(warmed[1]!)).toBe(false);
    expect(fresh.termCacheSize.postings).toBeLessThanOrEqual(fresh.termCacheCapacity);
  });
});
