import { describe, expect, it } from "vitest";
import { foldText, normalizeTerm, textTerms, tokenize } from "../../src/core/normalize.ts";

describe("normalizeTerm", () => {
  it("GIVEN more distinct words than its cache holds WHEN normalised again THEN the terms are the same as the first time", () => {
    const words = ["Reconstruction", "Al-Sharaa's", "1.13bn", "Ferries", "the"];
    const first = words.map((w) => [...normalizeTerm(w)]);
    for (let i = 0; i < 250_000; i++) normalizeTerm(`filler${i}s`);
    expect(words.map((w) => [...normalizeTerm(w)])).toEqual(first);
    expect(first).toEqual([["reconstruct"], ["al", "sharaa", "alsharaa"], ["1.13bn"], ["ferri"], []]);
    expect(normalizeTerm("filler7s")).toEqual(["filler7"]);
  });

  it("GIVEN different case, diacritics and curly quotes WHEN normalised THEN they meet", () => {
    expect(normalizeTerm("Café")).toEqual(normalizeTerm("cafe"));
    expect(normalizeTerm("Sharaa’s")).toEqual(normalizeTerm("sharaa"));
    expect(foldText("Zürich’s")).toBe("zurich's");
  });

  it("GIVEN a hyphenated name WHEN normalised THEN its parts and the joined form are all terms", () => {
    const terms = normalizeTerm("Al-Sharaa's");
    expect(terms).toEqual(expect.arrayContaining(["al", "sharaa", "alsharaa"]));
    expect(normalizeTerm("alsharaa")).toEqual(["alsharaa"]);
    expect(textTerms("al sharaa")).toEqual(["al", "sharaa"]);
  });

  it("GIVEN inflected words WHEN normalised THEN they share a stem, irregular verbs included", () => {
    expect(normalizeTerm("reconstruction")).toEqual(normalizeTerm("reconstruct"));
    expect(normalizeTerm("fled")).toEqual(normalizeTerm("flee"));
    expect(normalizeTerm("oldest")).toEqual(normalizeTerm("old"));
    expect(normalizeTerm("talks")).toEqual(normalizeTerm("talk"));
  });

  it("GIVEN stop words and single letters WHEN normalised THEN they give no term", () => {
    for (const w of ["the", "and", "Where", "did", "a"]) expect(normalizeTerm(w)).toEqual([]);
  });

  it("GIVEN numbers and money WHEN tokenised THEN they stay whole", () => {
    expect(tokenize("$1.13bn in 2024").map((t) => t.word)).toEqual(["1.13bn", "in", "2024"]);
    expect(normalizeTerm("2024")).toEqual(["2024"]);
  });

  it("GIVEN text WHEN tokenised THEN offsets point at the words", () => {
    const text = "Putin met Al-Sharaa.";
    for (const t of tokenize(text)) expect(text.slice(t.start, t.end)).toBe(t.word);
  });
});
