import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseArticle } from "../../src/core/articles.ts";
import { buildEntityTable } from "../../src/core/entities.ts";
import type { Article } from "../../src/core/types.ts";
import { who } from "../../src/core/who.ts";

interface Labels {
  articles: Record<string, string>;
  people: {
    query: string;
    name: string;
    sentences: Record<string, string[]>;
    quotes: Record<string, string[]>;
  }[];
}

const labels = JSON.parse(readFileSync("test/fixtures/entities/labels.json", "utf8")) as Labels;
const load = (path: string): Article =>
  parseArticle({ path: path.split("/").pop()!, content: readFileSync(path, "utf8") });
const byKey = new Map(Object.entries(labels.articles).map(([key, path]) => [key, load(path)]));
const articles = [...byKey.values()];
const byId = new Map(articles.map((a) => [a.id, a]));
const table = buildEntityTable(articles);
const seed = byKey.get("seed")!;

const texts = (query: string, limit = 50) => who(table, byId, query, { limit }).results.map((r) => r.text);

describe("who on the seed", () => {
  it("GIVEN 'who putin' THEN the meeting, backing, insisting and 'Russian leader' sentences, and not Druze or Novak", () => {
    const got = texts("putin");
    expect(got).toHaveLength(4);
    expect(got[0]).toMatch(/^Syria’s President, Ahmed Al-Sharaa, traveled to Moscow/);
    expect(got[1]).toMatch(/^Putin had long backed/);
    expect(got[2]).toMatch(/Putin insisted/);
    expect(got[3]).toMatch(/^The Russian leader called/);
    expect(got.join(" ")).not.toMatch(/Druze|Novak/);
  });

  it("GIVEN 'who novak' THEN both Novak sentences, the quote marked", () => {
    const a = who(table, byId, "novak");
    expect(a.status).toBe("ok");
    expect(a.results.map((r) => [r.citation.sentence, r.quote])).toEqual([
      [9, false],
      [10, true],
    ]);
    expect(a.entity).toMatchObject({
      name: "Alexander Novak",
      kind: "person",
      counts: { sentences: 2, articles: 1 },
      first: "Thursday, October 16, 2025",
      last: "Thursday, October 16, 2025",
    });
    expect(a.entity?.roles[0]).toMatchObject({
      role: "Russia's Deputy Prime Minister",
      citation: { sentence: 9 },
    });
  });

  it("GIVEN a result THEN it is the sentence verbatim with its citation, neighbours and the name words", () => {
    const r = who(table, byId, "sharaa").results[0]!;
    expect(seed.sentences.map((s) => s.text)).toContain(r.text);
    expect(r.citation).toMatchObject({ article: seed.id, paragraph: 1, sentence: 1, title: seed.title });
    expect(r.context.before).toBeNull();
    expect(r.context.after).toBe(seed.sentences[1]!.text);
    expect(r.terms).toEqual(["Ahmed", "Al-Sharaa"]);
    expect(r.via).toBe("name");
  });

  it("GIVEN a descriptor link THEN its terms are the descriptor words", () => {
    const r = who(table, byId, "assad").results.find((x) => x.via === "descriptor");
    expect(r?.terms).toEqual(["former", "Syrian", "leader"]);
  });

  it("GIVEN Druze (a group) THEN its mentions come back labelled by kind", () => {
    const a = who(table, byId, "druze");
    expect(a.entity?.kind).toBe("group");
    expect(a.results).toHaveLength(2);
  });
});

describe("who answers", () => {
  it("GIVEN an empty, punctuation-only or overlong name THEN status invalid with a message", () => {
    for (const q of ["", "   ", "?!", "x".repeat(101)]) {
      const a = who(table, byId, q);
      expect(a.status, JSON.stringify(q)).toBe("invalid");
      expect(a.message).toBeTruthy();
    }
  });

  it("GIVEN an unknown name THEN no-match with suggestions", () => {
    const a = who(table, byId, "Novakovic");
    expect(a).toMatchObject({ command: "who", status: "no-match", entity: null, results: [] });
    expect(a.suggestions).toContain("Alexander Novak");
    expect(a.message).toMatch(/Novakovic/);
  });

  it("GIVEN a shared surname THEN ambiguous with the candidates", () => {
    const a = who(table, byId, "okafor");
    expect(a.status).toBe("ambiguous");
    expect([...a.candidates].sort()).toEqual(["Daniel Okafor", "Sarah Okafor"]);
  });

  it("GIVEN several articles THEN results follow date order and pages do not overlap", () => {
    const extra: Article = {
      ...seed,
      id: "older-putin",
      date: "2024-01-05",
      sentences: [{ text: "Vladimir Putin spoke in Moscow on Friday.", paragraph: 1, position: 1 }],
    };
    const undated: Article = { ...extra, id: "aaa-undated", date: null };
    const all = [...articles, extra, undated];
    const map = new Map(all.map((a) => [a.id, a]));
    const t = buildEntityTable(all);
    const a = who(t, map, "putin", { limit: 50 });
    expect(a.results.map((r) => r.citation.article)).toEqual([
      "older-putin",
      seed.id,
      seed.id,
      seed.id,
      seed.id,
      "aaa-undated",
    ]);
    expect(a.entity?.first).toBe("2024-01-05");
    expect(a.entity?.last).toBe(seed.date);
    const p1 = who(t, map, "putin", { limit: 2 }).results.map((r) => r.text);
    const p2 = who(t, map, "putin", { limit: 2, offset: 2 }).results.map((r) => r.text);
    expect(p1).toHaveLength(2);
    expect(p2).toHaveLength(2);
    expect(p1.some((x) => p2.includes(x))).toBe(false);
  });

  it("GIVEN a visibility predicate THEN hidden articles are neither counted nor quoted", () => {
    const a = who(table, byId, "putin", { visible: (id) => id !== seed.id });
    expect(a.status).toBe("no-match");
  });
});

describe("who precision and recall on the labelled set", () => {
  it("GIVEN the hand-labelled articles THEN precision ≥ 0.95 and recall ≥ 0.9 (quotes reported too)", () => {
    const key = (article: string, sentence: number) => `${article}#${sentence}`;
    const find = (articleKey: string, prefix: string): string => {
      const a = byKey.get(articleKey)!;
      const s = a.sentences.find((x) => x.text.startsWith(prefix));
      if (s === undefined) throw new Error(`labels: ${articleKey}: no sentence starts with ${prefix}`);
      return key(a.id, s.position);
    };
    let tp = 0;
    let fp = 0;
    let fn = 0;
    let qtp = 0;
    let qfp = 0;
    let qfn = 0;
    const misses: string[] = [];
    for (const person of labels.people) {
      const a = who(table, byId, person.query, { limit: 100 });
      expect(a.entity?.name, person.query).toBe(person.name);
      const got = new Set(a.results.map((r) => key(r.citation.article, r.citation.sentence)));
      const gotQuotes = new Set(
        a.results.filter((r) => r.quote).map((r) => key(r.citation.article, r.citation.sentence)),
      );
      const want = new Set(
        Object.entries(person.sentences).flatMap(([k, list]) => list.map((p) => find(k, p))),
      );
      const wantQuotes = new Set(
        Object.entries(person.quotes).flatMap(([k, list]) => list.map((p) => find(k, p))),
      );
      for (const g of got)
        if (want.has(g)) tp++;
        else {
          fp++;
          misses.push(`extra ${person.name} ${g}`);
        }
      for (const w of want)
        if (!got.has(w)) {
          fn++;
          misses.push(`missed ${person.name} ${w}`);
        }
      for (const g of gotQuotes)
        if (wantQuotes.has(g)) qtp++;
        else qfp++;
      for (const w of wantQuotes) if (!gotQuotes.has(w)) qfn++;
    }
    const precision = tp / (tp + fp);
    const recall = tp / (tp + fn);
    const qp = qtp / (qtp + qfp);
    const qr = qtp / (qtp + qfn);
    console.log(
      `who on ${labels.people.length} labelled people: precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)} (${tp} right, ${fp} wrong, ${fn} missed); quotes precision ${qp.toFixed(3)}, recall ${qr.toFixed(3)}${misses.length ? `\n  ${misses.join("\n  ")}` : ""}`,
    );
    expect(precision).toBeGreaterThanOrEqual(0.95);
    expect(recall).toBeGreaterThanOrEqual(0.9);
  });
});
