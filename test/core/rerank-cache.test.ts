import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type AskOptions, candidates, matchedWords } from "../../src/core/answer.ts";
import { parseArticle } from "../../src/core/articles.ts";
import { defaultRanking, type Hit, NewsIndex, type SearchOutcome } from "../../src/core/index.ts";
import { lemmaOf, tokenize } from "../../src/core/normalize.ts";
import { cueBoost, cueBoostLowered, questionCues } from "../../src/core/rank.ts";
import { type Candidate, FEATURES, RERANK_DEPTH, rerankFeatures } from "../../src/core/rerank.ts";

const fixtureText = (name: string) => readFileSync(`test/fixtures/ranking/${name}`, "utf8");
const article = (name: string, content = fixtureText(name)) => parseArticle({ path: name, content });

const feature = (row: readonly number[] | undefined, name: (typeof FEATURES)[number]) =>
  row?.[FEATURES.indexOf(name)];

/** The features of the candidate whose text starts with `start`. */
function featuresOf(index: NewsIndex, question: string, start: string): readonly number[] {
  const outcome = index.search(question);
  const list = candidates(index, question, outcome, {}, RERANK_DEPTH);
  const rows = rerankFeatures(index, question, outcome.queryTerms, list);
  const at = list.findIndex((c) =>
    index.slotArticle(c.article).sentences[c.sentence]!.text.startsWith(start),
  );
  expect(at).toBeGreaterThanOrEqual(0);
  return rows[at]!;
}

describe("re-ranker features after a change", () => {
  it("GIVEN an article replaced in the index with a changed sentence WHEN asked again THEN its features come from the new text", () => {
    const index = NewsIndex.build([article("shipyard.md"), article("immunity.md")]);
    const question = "Who builds ferries?";
    const before = featuresOf(index, question, "The company builds");
    expect(feature(before, "anaphoric")).toBe(1); // "The company" points back
    expect(feature(before, "exact")).toBeCloseTo(1);

    // Same article id, same sentence number: now it names the yard and says "constructs".
    const changed = fixtureText("shipyard.md").replace(
      "The company builds ferries",
      "Marlow constructs ferries",
    );
    index.replace(article("shipyard.md", changed));
    const after = featuresOf(index, question, "Marlow constructs ferries");
    expect(feature(after, "anaphoric")).toBe(0);
    expect(feature(after, "exact")).toBeLessThan(1);
  });
});

describe("matched words", () => {
  it("GIVEN a sentence with repeated, inflected and hyphenated matches WHEN its matched words are asked twice THEN each written form comes once, in order, both times", () => {
    const text = "Ferries and ferry crews met the Al-Sharaa ferries at Dover.";
    const matched = new Set(["ferri", "sharaa"]);
    const words = ["Ferries", "ferry", "Al-Sharaa", "ferries"];
    expect(matchedWords(text, matched)).toEqual(words);
    expect(matchedWords(text, matched)).toEqual(words);
    expect(matchedWords(text, new Set(["dover"]))).toEqual(["Dover"]);
  });
});

describe("index term ids", () => {
  it("GIVEN an indexed article WHEN its term ids are read THEN they name the same terms as sentenceTerms", () => {
    const index = NewsIndex.build([article("shipyard.md"), article("immunity.md")]);
    const { terms, offsets } = index.slotTermIds(0);
    const sentences = index.slotArticle(0).sentences;
    expect(offsets).toHaveLength(sentences.length + 1);
    sentences.forEach((_, s) => {
      const words = index.sentenceTerms(0, s);
      expect([...terms.subarray(offsets[s]!, offsets[s + 1]!)]).toEqual(words.map((w) => index.termIdOf(w)));
    });
    expect(index.termIdOf("no-such-term")).toBe(-1);
    expect(() => index.slotTermIds(99)).toThrow(/index: no article in slot 99/);
  });
});

describe("lemma ids of the written words", () => {
  /** Each sentence's words as lemma strings, read back through the index's ids. */
  const lemmasOf = (index: NewsIndex, slot: number): string[][] => {
    const { lemmas, offsets } = index.slotLemmas(slot);
    return index.slotArticle(slot).sentences.map((_, s) =>
      [...lemmas.subarray(offsets[s]!, offsets[s + 1]!)].map((id) => {
        const lemma = tokenize(index.slotArticle(slot).sentences[s]!.text)
          .map((t) => lemmaOf(t.word))
          .find((l) => index.lemmaIdOf(l) === id);
        return lemma ?? `?${id}`;
      }),
    );
  };
  const expected = (index: NewsIndex, slot: number): string[][] =>
    index.slotArticle(slot).sentences.map((s) => tokenize(s.text).map((t) => lemmaOf(t.word)));

  it("GIVEN an index built, changed and restored from its cache WHEN the words' lemma ids are read THEN they are lemmaOf of every written word, stop words included", () => {
    const index = NewsIndex.build([article("shipyard.md"), article("immunity.md")]);
    expect(lemmasOf(index, 0)).toEqual(expected(index, 0));
    expect(lemmasOf(index, 0).flat()).toContain("ferry"); // "ferries" as written
    expect(lemmasOf(index, 0).flat()).toContain("the");
    expect(index.lemmaIdOf("ferry")).toBeGreaterThanOrEqual(0);
    expect(index.lemmaIdOf("no-such-word")).toBe(-1);

    const changed = fixtureText("shipyard.md").replace(
      "The company builds ferries",
      "Marlow constructs barges",
    );
    index.replace(article("shipyard.md", changed));
    // A replaced article takes a new slot (2); slot 0 is empty now.
    expect(index.slotArticle(2).sentences.some((x) => x.text.includes("Marlow constructs barges"))).toBe(
      true,
    );
    expect(lemmasOf(index, 2)).toEqual(expected(index, 2));
    expect(lemmasOf(index, 2).flat()).toContain("barge");

    const restored = NewsIndex.fromJSON(JSON.parse(JSON.stringify(index.toJSON())), index.articles);
    for (const slot of [1, 2]) expect(lemmasOf(restored, slot)).toEqual(expected(index, slot));
    expect(() => index.slotLemmas(99)).toThrow(/index: no article in slot 99/);
  });

  it("GIVEN a cache whose word counts do not fit the articles WHEN restored THEN it is refused", () => {
    const index = NewsIndex.build([article("shipyard.md"), article("immunity.md")]);
    const json = JSON.parse(JSON.stringify(index.toJSON()));
    const counts = new Uint32Array(Buffer.from(json.wordCounts, "base64").buffer.slice(0));
    counts[0]! += 1;
    const bad = { ...json, wordCounts: Buffer.from(counts.buffer).toString("base64") };
    expect(() => NewsIndex.fromJSON(bad, index.articles)).toThrow(/cache does not match the knowledge/);
    expect(() => NewsIndex.fromJSON({ ...json, lemmas: undefined }, index.articles)).toThrow(
      /cache does not match the knowledge/,
    );
  });
});

/** candidates() as first written: every considered hit boosted, all sorted, then distinct texts. */
function plainCandidates(
  index: NewsIndex,
  query: string,
  outcome: SearchOutcome,
  options: AskOptions,
  wanted: number,
): Candidate[] {
  const minCoverage = options.ranking?.minCoverage ?? defaultRanking.minCoverage;
  const cueWeight = options.ranking?.cueWeight ?? defaultRanking.cueWeight;
  const cues = questionCues(query);
  const eligible = outcome.hits.filter((h) => h.coverage >= minCoverage);
  const rank = (floor: number) => {
    const considered = eligible.filter((h) => h.score >= floor);
    const ranked = considered
      .map((h) => {
        const cue = cueBoost(
          cues,
          index.slotArticle(h.article).sentences[h.sentence]!.text,
          query,
          cueWeight,
        );
        return { ...h, cue, score: h.score * (1 + cue) };
      })
      .sort((x, y) => y.score - x.score || x.article - y.article || x.sentence - y.sentence);
    const seen = new Set<string>();
    const unique: Candidate[] = [];
    for (const h of ranked) {
      const text = index.slotArticle(h.article).sentences[h.sentence]!.text;
      if (seen.has(text)) continue;
      seen.add(text);
      unique.push(h);
      if (unique.length >= wanted) break;
    }
    return { unique, complete: unique.length >= wanted || considered.length === eligible.length };
  };
  const kth = eligible[wanted - 1];
  const first = rank(cues.length > 0 && kth ? kth.score / (1 + cueWeight * cues.length) : -Infinity);
  return first.complete ? first.unique : rank(-Infinity).unique;
}

describe("candidates", () => {
  const index = NewsIndex.build([article("shipyard.md"), article("immunity.md")]);
  const questions = [
    "Who builds ferries?",
    "When did the regatta draw crowds?",
    "Where did Marlow Shipyards open a dry dock?",
    "Marlow Shipyards rowing club regatta",
    "What does the immune system do?",
    "Why do people get sick?",
  ];

  it("GIVEN questions with and without cues WHEN candidates are picked THEN they equal boosting and sorting every hit", () => {
    for (const question of questions) {
      const outcome = index.search(question);
      for (const wanted of [1, 3, RERANK_DEPTH]) {
        expect(candidates(index, question, outcome, {}, wanted)).toEqual(
          plainCandidates(index, question, outcome, {}, wanted),
        );
      }
    }
  });

  it("GIVEN hits that do not stand in ranking order WHEN candidates are picked THEN they are still sorted as when every hit is boosted and sorted", () => {
    let reordered = 0;
    for (const question of questions) {
      const outcome = index.search(question);
      const shuffled: SearchOutcome = { ...outcome, hits: [...outcome.hits].reverse() as Hit[] };
      const list = candidates(index, question, shuffled, {}, RERANK_DEPTH);
      expect(list).toEqual(plainCandidates(index, question, shuffled, {}, RERANK_DEPTH));
      if (list.length > 1 && list[0]!.score > list[list.length - 1]!.score) reordered++;
    }
    expect(reordered).toBeGreaterThan(0);
  });

  it("GIVEN a sentence with several dates WHEN its cue boost is asked twice THEN the shared patterns give the same boost each time", () => {
    const sentence = "In June 2024 and again on Monday the regatta was held.";
    const question = "When was the regatta in June?";
    const once = cueBoost(["date"], sentence, question);
    expect(once).toBeCloseTo(0.15);
    expect(cueBoost(["date"], sentence, question)).toBe(once);
    expect(cueBoostLowered(["date"], sentence, question.toLowerCase())).toBe(once);
    expect(cueBoost(["date"], "Nothing dated here.", question)).toBe(0);
  });
});
