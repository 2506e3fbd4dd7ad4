import { readFileSync } from "node:fs";
import frontMatter from "front-matter";
import { describe, expect, it } from "vitest";
import { parseArticle } from "../../src/core/articles.ts";
import { IngestError } from "../../src/ingest/errors.ts";
import { extractArticle, fromPlainText, fromUpload, toMarkdownFile } from "../../src/ingest/extract.ts";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/ingest/${name}`, import.meta.url));
const html = (name: string) => fixture(name).toString("utf8");
const fm = frontMatter as unknown as (text: string) => { attributes: Record<string, unknown>; body: string };

describe("extractArticle", () => {
  it("GIVEN a news page with full metadata WHEN extracted THEN title, date, source, canonical url, author and the paragraphs are taken", () => {
    const article = extractArticle(
      html("news-full.html"),
      "https://courier.example/local/harbour-bridge-reopens?utm_source=x#top",
    );
    expect(article.title).toBe("Harbour bridge reopens after two years of repairs");
    expect(article.date).toBe("2025-10-16T08:30:00+02:00");
    expect(article.source).toBe("The Coastal Courier");
    expect(article.url).toBe("https://courier.example/local/harbour-bridge-reopens");
    expect(article.author).toBe("Mira Okafor");
    expect(article.paragraphs[0]).toMatch(/^The harbour bridge reopened to traffic on Wednesday morning/);
    expect(article.paragraphs).toContain(
      '"We promised the bridge would be back before winter, and it is," Vogt told reporters at the ribbon-cutting ceremony.',
    );
    expect(article.paragraphs).toHaveLength(5);
    const all = article.paragraphs.join("\n");
    for (const noise of [
      "Subscribe",
      "newsletter",
      "Ferry timetable",
      "All rights reserved",
      "Traffic relief",
      "ignore me",
      "Local",
    ]) {
      expect(all).not.toContain(noise);
    }
  });

  it("GIVEN a page without metadata WHEN extracted THEN the <title>, <time datetime> and host name are used", () => {
    const article = extractArticle(html("news-bare.html"), "https://www.city.example/news/library");
    expect(article).toMatchObject({
      title: "Library extends opening hours",
      date: "2025-09-02T10:00:00Z",
      source: "city.example",
      url: "https://www.city.example/news/library",
      author: null,
    });
    expect(article.paragraphs).toHaveLength(3);
    expect(article.paragraphs.join(" ")).not.toContain("2 September 2025");
  });

  it("GIVEN metadata only in JSON-LD (in an @graph, next to a broken block) WHEN extracted THEN date, authors and publisher come from it", () => {
    const article = extractArticle(html("news-jsonld.html"), "https://farm.example/harvest");
    expect(article.title).toBe("Orchard growers expect record apple harvest");
    expect(article.date).toBe("2025-08-30");
    expect(article.author).toBe("Tomás Ruiz, Ada Lindqvist");
    expect(article.source).toBe("Valley Farm News");
  });

  it("GIVEN a paywalled page WHEN extracted THEN the visible paragraphs are kept and the subscription prompts dropped", () => {
    const article = extractArticle(html("paywall.html"), "https://ledger.example/depot");
    expect(article.paragraphs).toEqual([
      "The city council voted 31 to 12 on Monday to sell the old tram depot on Mill Street to a housing cooperative for 6.2 million euros.",
      "The cooperative plans to build 240 flats on the site, a third of them at rents capped below the market rate for twenty years.",
    ]);
    expect(article.date).toBe("2025-11-03");
  });

  it("GIVEN a page with no article WHEN extracted THEN an IngestError says no article text was found", () => {
    expect(() => extractArticle(html("not-an-article.html"), "https://x.example/login")).toThrow(
      /extract: https:\/\/x\.example\/login: no article text found/,
    );
  });

  it("GIVEN a relative canonical link and no page url WHEN extracted THEN the url is null rather than guessed", () => {
    const article = extractArticle(html("news-full.html"), null);
    expect(article.url).toBe("https://courier.example/local/harbour-bridge-reopens");
    const bare = extractArticle(html("news-bare.html"), null);
    expect(bare.url).toBeNull();
    expect(bare.source).toBeNull();
  });
});

describe("toMarkdownFile", () => {
  it("GIVEN an extracted article WHEN rendered THEN the front matter round-trips and the knowledge parser reads every paragraph", () => {
    const article = extractArticle(html("news-full.html"), "https://courier.example/x");
    const file = toMarkdownFile(article);
    const parsed = fm(file);
    expect(parsed.attributes).toEqual({
      title: article.title,
      date: article.date,
      source: article.source,
      url: article.url,
      author: article.author,
    });
    expect(parsed.body.trim().split("\n\n")).toEqual(article.paragraphs);
    const loaded = parseArticle({ path: "guilds/1/2025-10-16-harbour.md", content: file });
    expect(loaded.title).toBe(article.title);
    expect(loaded.date).toBe(article.date);
    expect(loaded.url).toBe(article.url);
    expect(loaded.guild).toBe("1");
    expect(new Set(loaded.sentences.map((s) => s.paragraph)).size).toBe(article.paragraphs.length);
  });

  it("GIVEN values with YAML-hostile characters WHEN rendered THEN they come back unchanged", () => {
    const nasty = {
      title: 'Breaking: "quotes", #hash, colon: yes --- & *star [x] {y} @at `tick`',
      date: "2025-10-16",
      source: "yes",
      url: "https://x.example/?a=1&b=2#c",
      author: "null",
      paragraphs: ["One sentence here.", "---", "  Another\tone  "],
    };
    const parsed = fm(toMarkdownFile(nasty));
    expect(parsed.attributes).toEqual({
      title: nasty.title,
      date: "2025-10-16",
      source: "yes",
      url: nasty.url,
      author: "null",
    });
    expect(parsed.body.trim()).toBe("One sentence here.\n\nAnother one");
  });

  it("GIVEN absent metadata WHEN rendered THEN those keys are left out", () => {
    const file = toMarkdownFile({
      title: "T",
      date: null,
      source: null,
      url: null,
      author: null,
      paragraphs: ["P."],
    });
    expect(file).toBe('---\ntitle: "T"\n---\n\nP.\n');
  });
});

describe("uploads and pasted text", () => {
  it("GIVEN pasted text with hard wraps WHEN taken THEN blank lines separate paragraphs and wraps are joined", () => {
    const article = fromPlainText(
      "  Storm  warning ",
      "First line\nwraps here.\r\n\r\nSecond paragraph.\n\n\n",
    );
    expect(article.title).toBe("Storm warning");
    expect(article.paragraphs).toEqual(["First line wraps here.", "Second paragraph."]);
    expect(() => fromPlainText(" ", "text")).toThrow(IngestError);
    expect(() => fromPlainText("Title", " \n ")).toThrow(/has no text/);
  });

  it("GIVEN a .md upload with front matter WHEN taken THEN its fields and paragraphs are kept", () => {
    const md =
      '---\ntitle: "Port strike ends"\ndate: 2025-10-01\nsource: Dock Daily\nurl: https://dock.example/strike\n---\n\n# Ignored heading? no\n\nDockers returned to work.\n\nThe deal raises pay by [4 percent](https://x).\n';
    const article = fromUpload("strike.md", Buffer.from(md));
    expect(article).toMatchObject({
      title: "Port strike ends",
      date: "2025-10-01",
      source: "Dock Daily",
      url: "https://dock.example/strike",
    });
    expect(article.paragraphs).toEqual(["Dockers returned to work.", "The deal raises pay by 4 percent."]);
  });

  it("GIVEN a .md upload without front matter WHEN taken THEN the leading heading is the title", () => {
    const article = fromUpload("x.md", "# Port strike ends\n\nDockers returned to work on Monday.\n");
    expect(article.title).toBe("Port strike ends");
    expect(article.paragraphs).toEqual(["Dockers returned to work on Monday."]);
  });

  it("GIVEN a .txt upload WHEN taken THEN a short first line is the title, else the file name", () => {
    expect(fromUpload("a.txt", "Port strike ends\n\nDockers returned to work.\n").title).toBe(
      "Port strike ends",
    );
    const untitled = fromUpload("port_strike-ends.txt", "Dockers returned to work.\nThe deal was signed.\n");
    expect(untitled.title).toBe("port strike ends");
    expect(untitled.paragraphs).toEqual(["Dockers returned to work. The deal was signed."]);
  });

  it("GIVEN a windows-1252 .html upload WHEN taken THEN its meta charset decodes it", () => {
    const article = fromUpload("cafe.html", fixture("cp1252.html"));
    expect(article.title).toBe("Café owners protest “unfair” terrace fees");
    expect(article.paragraphs[0]).toContain("rise to €120 per table");
    expect(article.paragraphs[1]).toContain("naïve hope");
    expect(article.paragraphs[1]).toContain("them – and");
  });

  it("GIVEN another extension or binary content WHEN uploaded THEN it is refused with the file name", () => {
    expect(() => fromUpload("photo.png", Buffer.from([1, 2, 3]))).toThrow(
      "refused: photo.png: only .md, .txt and .html files are read",
    );
    expect(() => fromUpload("x.txt", Buffer.from("a\u0000b"))).toThrow(/x\.txt: binary content/);
    expect(() => fromUpload("broken.md", "---\ntitle: [unclosed\n---\nText.\n")).toThrow(
      /broken\.md: broken front matter/,
    );
  });
});
