import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ask } from "../../src/core/answer.ts";
import { parseArticle } from "../../src/core/articles.ts";
import { NewsIndex } from "../../src/core/index.ts";
import { cueBoost, questionContent, questionCues } from "../../src/core/rank.ts";

const blanked = (q: string) => questionContent(q).replace(/\s+/g, " ").trim();

describe("question-form words", () => {
  it("GIVEN an imperative 'Name one of…' WHEN reduced to its content THEN 'Name' is dropped but 'one of the causes' stays", () => {
    expect(blanked("Name one of the causes of immunodeficiency.")).toBe(
      "one of the causes of immunodeficiency.",
    );
    expect(questionContent("Name one of the causes.")).toHaveLength("Name one of the causes.".length);
  });

  it("GIVEN 'What is the name of…', 'What type of…' and 'another term for' WHEN reduced THEN the form word goes", () => {
    expect(blanked("What was the name of the Norman castle?")).toBe("What was the of the Norman castle?");
    expect(blanked("What type of heating element is used?")).toBe("What of heating element is used?");
    expect(blanked("What is another term for rotors?")).toBe("What is another for rotors?");
    expect(blanked("What is an example of a virus?")).toBe("What is an of a virus?");
  });

  it("GIVEN the same words used about the subject WHEN reduced THEN they stay", () => {
    for (const q of [
      "Who did the council name as its new chair?",
      "When does the term of the president end?",
      "What did the conference name after Tesla?",
      "Of what form is the hypothesis?",
    ]) {
      expect(questionContent(q)).toBe(q);
    }
  });

  it("GIVEN a sentence that shares only the form word 'name' WHEN asked 'Name one of the causes of immunodeficiency' THEN the sentence about immunodeficiency comes first", () => {
    const article = parseArticle({
      path: "immunity.md",
      content: readFileSync("test/fixtures/ranking/immunity.md", "utf8"),
    });
    const index = NewsIndex.build([article]);
    expect(index.queryTerms("Name one of the causes of immunodeficiency.")).not.toContain("name");
    const [first] = ask(index, "Name one of the causes of immunodeficiency.").results;
    expect(first?.text).toMatch(/^Immunodeficiency can result/);
  });
});

describe("question cues", () => {
  it("GIVEN a why-question WHEN its cues are read THEN it asks for a reason, and a sentence giving one is boosted", () => {
    const question = "Why did the shipyard close?";
    expect(questionCues(question)).toEqual(["reason"]);
    expect(cueBoost(["reason"], "The shipyard closed because orders dried up.", question)).toBeGreaterThan(0);
    expect(cueBoost(["reason"], "The shipyard closed in March.", question)).toBe(0);
  });

  it("GIVEN who, when, where and how-many questions WHEN their cues are read THEN each asks for its kind", () => {
    expect(questionCues("Who opened the dock?")).toEqual(["person"]);
    expect(questionCues("When did the dock open?")).toEqual(["date"]);
    expect(questionCues("Where is the dock?")).toEqual(["place"]);
    expect(questionCues("How many ferries were built?")).toEqual(["number"]);
    expect(questionCues("What does the yard build?")).toEqual([]);
  });
});
