import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseArticle } from "../../src/core/articles.ts";
import { textTerms } from "../../src/core/normalize.ts";
import { summarizeArticle, summarizeTopic, textRank } from "../../src/core/summary.ts";
import type { Article, Passage } from "../../src/core/types.ts";

const load = (path: string): Article =>
  parseArticle({ path: path.split("/").pop()!, content: readFileSync(path, "utf8") });
const seed = load("knowledge/syria-russia-2025-10-16.txt");
const warsaw = load("test/fixtures/entities/articles/warsaw-summit.md");
const port = load("test/fixtures/entities/articles/port-strike.md");

/** A plain rendering like the front ends': header, then numbered sentences with citations. */
function render(title: string, results: readonly Passage[]): string {
  const lines = [`**${title}**`];
  results.forEach((r, i) => {
    lines.push(
      `${i + 1}. ${r.text} [${r.citation.title}, ${r.citation.date ?? "undated"}, ¶${r.citation.paragraph} s${r.citation.sentence}]`,
    );
  });
  return lines.join("\n");
}

describe("summarizeArticle", () => {
  it("GIVEN the seed THEN 3 to 5 of its own sentences, in article order, each cited", () => {
    const a = summarizeArticle(seed);
    expect(a).toMatchObject({ command: "summary", status: "ok", message: null });
    expect(a.article).toMatchObject({ id: seed.id, title: seed.title, date: seed.date, sentences: 12 });
    expect(a.results.length).toBeGreaterThanOrEqual(3);
    expect(a.results.length).toBeLessThanOrEqual(5);
    const texts = seed.sentences.map((s) => s.text);
    for (const r of a.results) {
      expect(texts).toContain(r.text);
      expect(r.citation.article).toBe(seed.id);
      expect(texts[r.citation.sentence - 1]).toBe(r.text);
    }
    const positions = a.results.map((r) => r.citation.sentence);
    expect(positions).toEqual([...positions].sort((x, y) => x - y));
  });

  it("GIVEN the seed THEN the summary covers the meeting (its first sentence)", () => {
    expect(summarizeArticle(seed).results[0]!.citation.sentence).toBe(1);
  });

  it("GIVEN the same article twice THEN the same summary (deterministic)", () => {
    expect(summarizeArticle(warsaw)).toEqual(summarizeArticle(warsaw));
  });

  it("GIVEN sentences too long for a Discord message THEN the rendered summary still fits 4,000 characters", () => {
    const long =
      "The committee discussed grain storage, border checks, rail capacity and river ports at length. ".repeat(
        12,
      );
    const big: Article = {
      ...warsaw,
      id: "big",
      sentences: Array.from({ length: 30 }, (_, i) => ({
        text:
          i % 2 === 0
            ? `${long}Item ${i}.`
            : `Officials in Warsaw said grain item ${i} was stored near the Vistula river.`,
        paragraph: i + 1,
        position: i + 1,
      })),
    };
    const a = summarizeArticle(big);
    expect(a.results.length).toBeGreaterThanOrEqual(3);
    expect(render(big.title, a.results).length).toBeLessThanOrEqual(4000);
  });

  it("GIVEN an article with two sentences THEN both, and with none THEN no-match", () => {
    const two: Article = { ...seed, id: "two", sentences: seed.sentences.slice(0, 2) };
    expect(summarizeArticle(two).results).toHaveLength(2);
    const none: Article = { ...seed, id: "none", sentences: [] };
    expect(summarizeArticle(none)).toMatchObject({ status: "no-match", results: [] });
  });
});

describe("summarizeTopic", () => {
  it("GIVEN matching sentences from several articles THEN a cited digest across them, oldest article first", () => {
    const a = summarizeTopic("reconstruction", [
      { article: seed, sentences: [8, 9] },
      { article: port },
      { article: warsaw, sentences: [0, 1, 2] },
    ]);
    expect(a).toMatchObject({ command: "summary", query: "reconstruction", status: "ok", article: null });
    expect(a.results.length).toBeGreaterThanOrEqual(3);
    expect(a.results.length).toBeLessThanOrEqual(5);
    const articles = a.results.map((r) => r.citation.article);
    expect(new Set(articles).size).toBeGreaterThan(1);
    // seed only offered sentences 9 and 10 (0-based 8, 9)
    for (const r of a.results.filter((x) => x.citation.article === seed.id))
      expect([9, 10]).toContain(r.citation.sentence);
    const order = [warsaw.id, port.id, seed.id];
    const ranks = articles.map((id) => order.indexOf(id));
    expect(ranks).toEqual([...ranks].sort((x, y) => x - y));
  });

  it("GIVEN no sources or an empty topic THEN no-match or invalid", () => {
    expect(summarizeTopic("reconstruction", [])).toMatchObject({ status: "no-match", results: [] });
    expect(summarizeTopic("  ", [{ article: seed }])).toMatchObject({ status: "invalid" });
  });
});

describe("textRank", () => {
  it("GIVEN a sentence sharing terms with all others THEN it ranks above an isolated one", () => {
    const s = [
      new Set(["grain", "deal", "border"]),
      new Set(["grain", "deal"]),
      new Set(["border", "grain"]),
      new Set(["weather"]),
    ];
    const r = textRank(s);
    expect(r[0]).toBeGreaterThan(r[3]!);
    expect(r.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
  });
});

const BBC = "../shared/corpora/bbc";
const haveBbc = existsSync(BBC);
if (!haveBbc) console.log(`summary corpus measurement: skipped, ${BBC} is absent`);

describe.skipIf(!haveBbc)("summary coverage on the BBC corpus (reported)", () => {
  it("GIVEN every BBC article THEN summaries cover more of the article's content than its lead sentences of the same length", () => {
    const files = readdirSync(BBC).filter((f) => f.endsWith(".md"));
    let trCover = 0;
    let leadCover = 0;
    let trWords = 0;
    let leadWords = 0;
    let matchedCover = 0;
    let n = 0;
    const coverage = (article: Article, positions: readonly number[]) => {
      const tf = new Map<string, number>();
      for (const s of article.sentences) for (const t of textTerms(s.text)) tf.set(t, (tf.get(t) ?? 0) + 1);
      const covered = new Set(positions.flatMap((p) => textTerms(article.sentences[p - 1]!.text)));
      let total = 0;
      let hit = 0;
      for (const [t, c] of tf) {
        total += c;
        if (covered.has(t)) hit += c;
      }
      return total === 0 ? 0 : hit / total;
    };
    const words = (article: Article, positions: readonly number[]) =>
      positions.reduce((w, p) => w + article.sentences[p - 1]!.text.split(/\s+/).length, 0);
    for (const f of files) {
      const article = parseArticle({ path: f, content: readFileSync(`${BBC}/${f}`, "utf8") });
      if (article.sentences.length < 6) continue;
      const chosen = summarizeArticle(article).results.map((r) => r.citation.sentence);
      const lead = article.sentences.slice(0, chosen.length).map((s) => s.position);
      trCover += coverage(article, chosen);
      leadCover += coverage(article, lead);
      trWords += words(article, chosen);
      leadWords += words(article, lead);
      // the lead again, but as many words as the TextRank pick (longer sentences cover more)
      const budget = words(article, chosen);
      const matched: number[] = [];
      for (const s of article.sentences) {
        if (words(article, matched) >= budget) break;
        matched.push(s.position);
      }
      matchedCover += coverage(article, matched);
      n++;
    }
    console.log(
      `summary on ${n} BBC articles: content-term coverage summary ${(trCover / n).toFixed(3)} vs first-k sentences ${(leadCover / n).toFixed(3)} (mean words ${Math.round(trWords / n)} vs ${Math.round(leadWords / n)}); lead with as many words ${(matchedCover / n).toFixed(3)}`,
    );
    expect(trCover).toBeGreaterThan(matchedCover);
  });
});
