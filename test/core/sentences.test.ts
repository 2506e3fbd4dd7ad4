import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { endsSentence, splitSentences } from "../../src/core/sentences.ts";

interface Case {
  name: string;
  input: string;
  expected: string[];
}

const cases = JSON.parse(
  readFileSync(new URL("../fixtures/articles/sentence-cases.json", import.meta.url), "utf8"),
) as Case[];

describe("splitSentences", () => {
  it.each(cases)("GIVEN $name WHEN split THEN the sentences come out verbatim", ({ input, expected }) => {
    expect(splitSentences(input)).toEqual(expected);
  });

  it("GIVEN any paragraph WHEN split THEN joining the sentences gives back the collapsed text", () => {
    for (const { input } of cases) {
      if (/^\s*[-*•]/m.test(input)) continue; // list bullets are dropped on purpose
      const collapsed = input.replace(/\s+/g, " ").trim();
      if (!/[\p{L}\p{N}]/u.test(collapsed)) continue;
      expect(splitSentences(input).join(" ")).toBe(collapsed);
    }
  });

  it("GIVEN a long paragraph made of the cases WHEN split THEN it splits as each case does alone", () => {
    const prose = cases.filter(
      ({ input, expected }) =>
        expected.length > 0 && !/^\s*[-*•]/m.test(input) && /[.!?]["”)]?\s*$/.test(input),
    );
    const pieces = Array.from({ length: 40 }, () => prose).flat();
    const paragraph = pieces.map((c) => c.input.trim()).join(" ");
    expect(paragraph.length).toBeGreaterThan(10_000);
    expect(splitSentences(paragraph)).toEqual(pieces.flatMap((c) => c.expected));
  });

  it("GIVEN a 200,000-character paragraph WHEN split THEN it finishes quickly and loses no text", () => {
    const sentence = "The U.S. Treasury said on Feb. 26 that output rose 3.5 pct to $1.13bn. ";
    const paragraph = sentence.repeat(2800);
    const started = performance.now();
    const sentences = splitSentences(paragraph);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(sentences).toHaveLength(2800);
    expect(sentences.join(" ")).toBe(paragraph.trim());
  });
});

describe("endsSentence", () => {
  it.each([
    ["ends with a period", "He left.", true],
    ["ends with a quote after a period", 'He said "no."', true],
    ["ends with an ellipsis", "always...", true],
    ["ends with a word", "the leaders since the", false],
    ["ends with a comma inside a quote", '"humanitarian reasons,"', false],
  ])("GIVEN a line that %s WHEN checked THEN the answer is %s", (_name, line, expected) => {
    expect(endsSentence(line)).toBe(expected);
  });
});
