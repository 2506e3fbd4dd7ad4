/**
 * Plain terminal rendering of answers: numbered citations, matched terms emphasised.
 * Pure: returns strings; the caller decides where they go.
 */
import type { ArticleList } from "../core/desk.ts";
import type { SummaryAnswer } from "../core/summary.ts";
import type { Answer, ArticleMeta, Citation, Passage } from "../core/types.ts";
import type { WhoAnswer } from "../core/who.ts";

export interface TextStyle {
  /** Wraps a matched word (default `*word*`; ANSI bold on a terminal). */
  readonly emphasis: (word: string) => string;
  /** Dims secondary text such as citations (default: unchanged). */
  readonly dim: (text: string) => string;
}

export const plainStyle: TextStyle = { emphasis: (w) => `*${w}*`, dim: (t) => t };
export const ansiStyle: TextStyle = {
  emphasis: (w) => `\u001b[1m${w}\u001b[22m`,
  dim: (t) => `\u001b[2m${t}\u001b[22m`,
};

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** `text` with each of `terms` emphasised where it stands as a whole word. */
export function emphasise(text: string, terms: readonly string[], style: TextStyle): string {
  if (terms.length === 0) return text;
  const pattern = new RegExp(
    `(?<![\\p{L}\\p{N}])(?:${[...terms]
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp)
      .join("|")})(?![\\p{L}\\p{N}])`,
    "gu",
  );
  return text.replace(pattern, (w) => style.emphasis(w));
}

/** "Title · Source · Date · ¶2 s5 · url" */
export function citationLine(c: Citation): string {
  return [c.title, c.source, c.date, `paragraph ${c.paragraph}, sentence ${c.sentence}`, c.url]
    .filter((p): p is string => p !== null && p !== "")
    .join(" · ");
}

/** One numbered passage, with its citation on the next line. */
export function renderPassage(n: number, p: Passage, style: TextStyle = plainStyle): string {
  return `[${n}] ${emphasise(p.text, p.terms, style)}\n    ${style.dim(`— ${citationLine(p.citation)}`)}`;
}

/** An Answer as terminal text. */
export function renderAnswer(answer: Answer, style: TextStyle = plainStyle, offset = 0): string {
  if (answer.status !== "ok") {
    const lines = [answer.message ?? "No answer."];
    if (answer.suggestions.length > 0) lines.push(`Did you mean: ${answer.suggestions.join(", ")}?`);
    return lines.join("\n");
  }
  if (answer.results.length === 0) return "No more results.";
  return answer.results.map((p, i) => renderPassage(offset + i + 1, p, style)).join("\n\n");
}

function metaLine(a: ArticleMeta & { sentences: number }): string {
  return [a.date ?? "undated", a.source, `${a.sentences} sentences`, a.id].filter(Boolean).join(" · ");
}

/** The article listing as terminal text. */
export function renderArticleList(list: ArticleList, style: TextStyle = plainStyle): string {
  if (list.total === 0) return list.query ? `No article matches "${list.query}".` : "No articles are loaded.";
  const head = `${list.total} article${list.total === 1 ? "" : "s"}${list.query ? ` matching "${list.query}"` : ""} (page ${list.page} of ${list.pages}, newest first)`;
  const rows = list.results.map((a, i) => {
    const n = (list.page - 1) * list.pageSize + i + 1;
    return `${n}. ${a.title}\n   ${style.dim(metaLine(a))}`;
  });
  return [head, ...rows].join("\n");
}

/** A `who` answer: the profile, then the sentences about them, each cited; quotes marked. */
export function renderWho(answer: WhoAnswer, style: TextStyle = plainStyle): string {
  if (answer.status === "ambiguous") {
    return `${answer.message ?? "Several match that name."}\n${answer.candidates.map((c) => `  - ${c}`).join("\n")}`;
  }
  if (answer.status !== "ok" || !answer.entity) {
    const lines = [answer.message ?? "Nobody by that name."];
    if (answer.suggestions.length > 0 && !lines[0]!.includes("Did you mean")) {
      lines.push(`Did you mean: ${answer.suggestions.join(", ")}?`);
    }
    return lines.join("\n");
  }
  const e = answer.entity;
  const head = [`${e.name} (${e.kind})`];
  if (e.aliases.length > 0) head.push(`also: ${e.aliases.join(", ")}`);
  if (e.roles.length > 0)
    head.push(
      `roles: ${e.roles
        .map((r) => r.role)
        .filter((r, i, all) => all.indexOf(r) === i)
        .join("; ")}`,
    );
  const span = e.first && e.last ? (e.first === e.last ? `, ${e.first}` : `, ${e.first} to ${e.last}`) : "";
  head.push(
    `${e.counts.sentences} sentence${e.counts.sentences === 1 ? "" : "s"} in ${e.counts.articles} article${e.counts.articles === 1 ? "" : "s"}${span}`,
  );
  const body = answer.results.map((p, i) => {
    const passage = renderPassage(i + 1, p, style);
    return p.quote ? passage.replace(/^\[(\d+)\] /, "[$1] (quote) ") : passage;
  });
  return [head.join("\n"), ...body].join("\n\n");
}

/** A summary: a header with the title, date and source, then the sentences in article order. */
export function renderSummary(summary: SummaryAnswer, style: TextStyle = plainStyle): string {
  if (summary.status !== "ok") return summary.message ?? "Nothing to summarise.";
  const a = summary.article;
  const head = a
    ? `Summary: ${a.title}\n${style.dim([a.date, a.source, a.url].filter(Boolean).join(" · "))}`
    : `Summary of "${summary.query}" across the news`;
  return [head, ...summary.results.map((p, i) => renderPassage(i + 1, p, style))].join("\n\n");
}
