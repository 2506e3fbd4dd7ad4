import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as core from "../src/core/api.ts";

describe("the public core API", () => {
  it("GIVEN the core barrel WHEN its exports are listed THEN they are exactly the documented ones", () => {
    expect(Object.keys(core).sort()).toEqual(
      [
        "ArticleError",
        "EntityTable",
        "MAX_CHOICES",
        "MAX_QUERY_LENGTH",
        "NewsIndex",
        "Newsdesk",
        "articleIdFromPath",
        "ask",
        "buildEntityTable",
        "byDateDesc",
        "citationOf",
        "cueBoost",
        "dateValue",
        "defaultRanking",
        "foldText",
        "normalizeTerm",
        "parseArticle",
        "passageOf",
        "questionCues",
        "silentLogger",
        "splitSentences",
        "summarizeArticle",
        "summarizeTopic",
        "textTerms",
        "tokenize",
        "validateQuestion",
        "visibleTo",
        "who",
      ].sort(),
    );
  });

  it("GIVEN the Newsdesk class WHEN its methods are listed THEN every front-end question is there", () => {
    const methods = Object.getOwnPropertyNames(core.Newsdesk.prototype).filter((m) => m !== "constructor");
    expect(methods).toEqual(
      expect.arrayContaining([
        "ask",
        "who",
        "summary",
        "listArticles",
        "context",
        "suggestEntities",
        "suggestArticles",
        "findArticle",
        "toJSON",
      ]),
    );
  });

  it("GIVEN the pure core WHEN its sources are read THEN none touches discord.js, process.env or the file system", () => {
    const dir = "src/core";
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(`${d}/${e.name}`);
        else if (e.name.endsWith(".ts")) files.push(`${d}/${e.name}`);
      }
    };
    walk(dir);
    for (const f of files) {
      const src = readFileSync(f, "utf8");
      expect(src, f).not.toMatch(/from "discord\.js"|process\.env|from "node:fs"|from "fs"/);
    }
  });
});
