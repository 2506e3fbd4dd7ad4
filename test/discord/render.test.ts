import { describe, expect, it } from "vitest";
import type { ArticleList, SummaryView, WhoView } from "../../commands/types.ts";
import type { Answer, Passage } from "../../src/core/types.ts";
import { escapeMarkdown, fitEmbeds, truncate } from "../../src/discord/limits.ts";
import {
  highlight,
  highlightByPattern,
  renderAnswer,
  renderArticles,
  renderContext,
  renderHelp,
  renderNotice,
  renderSummary,
  renderWho,
} from "../../src/discord/render.ts";
import { toWire } from "../../src/discord/responder.ts";
import { violations, wellFormed } from "./limits-check.ts";

/** Deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  "Putin",
  "reconstruction",
  "👨‍👩‍👧‍👦",
  "🇸🇾",
  "مرحبا بالعالم",
  "שלום עולם",
  "\u200b",
  "\u200d",
  "\u202e",
  "e\u0301",
  "**bold**",
  "__under__",
  "`code`",
  "```block```",
  "||spoiler||",
  "> quote",
  "# heading",
  "- item",
  "1. item",
  "[link](https://evil.example)",
  "@everyone",
  "@here",
  "<@123456789012345678>",
  "<t:1700000000>",
  "\\",
  "\n",
  "x".repeat(300),
  "supercalifragilisticexpialidocious".repeat(20),
  " ",
  "$1.13bn",
  "U.S.",
];

function oddText(r: () => number, length: number): string {
  let s = "";
  while (s.length < length) s += `${PIECES[Math.floor(r() * PIECES.length)]}${r() < 0.5 ? " " : ""}`;
  return s;
}

function passage(r: () => number, n: number, len: number): Passage {
  const text = oddText(r, len);
  return {
    text,
    score: 1,
    context: { before: null, after: null },
    terms: ["Putin", "reconstruction", "مرحبا", text.slice(0, 5)],
    citation: {
      article: `a/${"long-id-".repeat(Math.floor(r() * 20))}${n}`,
      title: oddText(r, Math.floor(r() * 600)),
      date: r() < 0.5 ? "Thursday, October 16, 2025" : null,
      source: r() < 0.7 ? oddText(r, Math.floor(r() * 100)) : null,
      url:
        r() < 0.5 ? "https://example.com/a_(b)" : r() < 0.5 ? `https://x.example/${"p".repeat(600)}` : null,
      paragraph: 1,
      sentence: n,
    },
  };
}

const SIZES = [0, 1, 50, 300, 1100, 2500, 5000];

describe("renderers under long and odd text", () => {
  it("GIVEN 200 random answers with emoji, RTL, zero-width, markdown and 5,000-character sentences WHEN rendered by every renderer THEN every Discord limit holds", () => {
    const r = rng(42);
    let checked = 0;
    for (let round = 0; round < 200; round++) {
      const len = SIZES[round % SIZES.length] ?? 10;
      const count = 1 + (round % 10);
      const passages = Array.from({ length: count }, (_, i) => passage(r, i + 1, len));
      const question = oddText(r, 1 + (round % 7) * 40);
      const answer: Answer = {
        command: "ask",
        query: question,
        status: round % 13 === 0 ? "no-match" : "ok",
        message: round % 13 === 0 ? oddText(r, len) : null,
        suggestions: round % 13 === 0 ? [oddText(r, 50), oddText(r, 500)] : [],
        results: round % 13 === 0 ? [] : passages,
      };
      const nav = {
        prev: `ask1:1:abc:0:q:${oddText(r, 200)}`,
        next: "ask1:2:abc:0:h:0123456789",
        share: "share1",
        context: (p: Passage) => `ctx1:${p.citation.sentence}:${p.citation.article}`,
      };
      const who: WhoView = {
        status: round % 11 === 0 ? "no-match" : "ok",
        message: round % 11 === 0 ? oddText(r, len) : null,
        suggestions: [oddText(r, 30)],
        entity:
          round % 11 === 0
            ? null
            : {
                name: oddText(r, 1 + (round % 5) * 100),
                kind: "person",
                aliases: [oddText(r, 200), oddText(r, 20)],
                roles: [{ role: oddText(r, 400) }],
                counts: { sentences: 12, articles: 3 },
                first: "2025-01-01",
                last: oddText(r, 30),
              },
        results: passages.map((p, i) => ({ ...p, quote: i % 2 === 0 })),
      };
      const summary: SummaryView = {
        status: "ok",
        message: null,
        article: {
          ...passages[0]!.citation,
          id: "x",
          author: null,
          section: null,
          dateline: null,
          tags: [],
          guild: null,
        },
        results: passages.slice(0, 5),
      };
      const list: ArticleList = {
        total: 1234,
        page: 2,
        pages: 124,
        results: passages.map((p) => ({
          id: p.citation.article,
          title: p.citation.title || oddText(r, len),
          date: p.citation.date,
          source: p.citation.source,
          url: p.citation.url,
          author: null,
          section: null,
          dateline: null,
          tags: [],
          guild: null,
          sentences: 7,
        })),
      };
      const bodies = [
        renderAnswer(answer, { page: round % 3, pageSize: count, nav }),
        renderWho(who, { page: 0, pageSize: count, query: question, nav }),
        renderSummary(summary),
        renderArticles(list, { filter: oddText(r, 90), nav }),
        renderContext(passages, 1),
        renderHelp({
          articles: 5,
          newest: { title: oddText(r, len), date: null },
          people: [oddText(r, 150), oddText(r, 300)],
          exampleQuestion: oddText(r, 60),
        }),
        renderNotice(oddText(r, len)),
      ];
      for (const body of bodies) {
        expect(violations(body), `round ${round}`).toEqual([]);
        expect(violations(toWire(body))).toEqual([]);
        checked++;
      }
    }
    expect(checked).toBe(1400);
  });

  it("GIVEN an over-full list of embeds WHEN fitted THEN at most 10 remain within 6,000 characters", () => {
    const embeds = Array.from({ length: 14 }, (_, i) => ({
      title: "t".repeat(400),
      description: `${i} ${"word ".repeat(1500)}`,
      footer: { text: "f".repeat(3000) },
      fields: Array.from({ length: 30 }, () => ({ name: "n".repeat(300), value: "v".repeat(2000) })),
    }));
    expect(violations({ embeds: fitEmbeds(embeds) })).toEqual([]);
  });
});

describe("truncate", () => {
  it("GIVEN text longer than the limit THEN it is cut on a word boundary with an ellipsis", () => {
    expect(truncate("The quick brown fox jumps", 16)).toBe("The quick brown…");
    expect(truncate("short", 10)).toBe("short");
  });

  it("GIVEN an emoji family at the cut THEN the grapheme is kept whole or dropped, never split", () => {
    const family = "👨‍👩‍👧‍👦";
    for (let max = 1; max < 30; max++) {
      const out = truncate(`ab${family}${family}cd`, max);
      expect(out.length).toBeLessThanOrEqual(max);
      expect(wellFormed(out)).toBe(true);
      expect(
        out
          .replace(/…$/, "")
          .replace(/[abcd]/g, "")
          .split(family)
          .join(""),
      ).toBe("");
    }
  });

  it("GIVEN one 5,000-character word THEN it is cut hard (no boundary) within the limit", () => {
    const out = truncate("x".repeat(5000), 100);
    expect(out).toBe(`${"x".repeat(99)}…`);
  });
});

describe("escaping", () => {
  it("GIVEN markdown, links, mentions and @everyone in article text THEN they are shown literally", () => {
    const out = escapeMarkdown("**b** _i_ `c` ||s|| [x](https://e.x) <@1> @everyone\n# h\n> q\n- l\n1. n");
    expect(out).not.toMatch(/(?<!\\)\*\*/);
    expect(out).not.toContain("[x](");
    expect(out).not.toMatch(/(?<!\\)<@/);
    expect(out).not.toContain("@everyone");
    expect(out).toContain("\\# h");
    expect(out).toContain("\\> q");
    expect(out).toContain("\\- l");
    expect(out).toContain("\\1. n");
  });

  it("GIVEN matched terms THEN they are bold, whole words only, and the rest escaped", () => {
    expect(highlight("Putin met Putinesque *fans*", ["Putin"])).toBe("**Putin** met Putinesque \\*fans\\*");
    expect(highlight("Al-Sharaa's visit", ["Al-Sharaa"])).toBe("**Al-Sharaa**'s visit");
    expect(highlight("New Yorker in new york", ["new york", "new"])).toBe("**New** Yorker in **new york**");
    expect(highlight("Éric met ÉRIC and éric2", ["éric"])).toBe("**Éric** met **ÉRIC** and éric2");
    // "İ" lower-cases to two code units: the look-around fallback keeps positions right.
    expect(highlight("İstanbul and Ankara", ["ankara", "istanbul"])).toBe("İstanbul and **Ankara**");
  });

  it("GIVEN random texts and terms THEN highlighting equals whole-word matching with Unicode look-arounds", () => {
    // The reference: whole-word matching with Unicode look-arounds, what highlight did before.
    const reference = (text: string, terms: string[]) => {
      const words = [...new Set(terms.map((t) => t.trim()).filter((t) => t.length > 0))].sort(
        (a, b) => b.length - a.length,
      );
      return words.length === 0 ? escapeMarkdown(text) : highlightByPattern(text, words);
    };
    const pieces = [
      "putin",
      "Putin",
      "PUTIN",
      "al",
      "-",
      "sharaa",
      "'s",
      " ",
      " ",
      ".",
      "é",
      "É",
      "2",
      "🇸🇾",
      "👨‍👩‍👧",
      "*",
      "[",
      "x",
      "new",
      "york",
      "新闻",
    ];
    let seed = 7;
    const pick = () => {
      seed = (seed * 16807) % 2147483647;
      return pieces[seed % pieces.length]!;
    };
    for (let round = 0; round < 500; round++) {
      const text = Array.from({ length: 30 }, pick).join("");
      const terms = Array.from({ length: 1 + (round % 4) }, () => pick() + (round % 2 ? pick() : ""));
      expect(highlight(text, terms), JSON.stringify({ text, terms })).toBe(reference(text, terms));
    }
  });

  it("GIVEN any message THEN the wire form parses no mentions", () => {
    expect(toWire({ content: "@everyone" }).allowed_mentions).toEqual({ parse: [] });
    expect(toWire({}, true)).toMatchObject({ content: "\u200b", flags: 64 });
  });
});
