/**
 * Renderers: core answers → Discord messages (embeds + buttons), within every Discord limit, with article
 * and user text escaped. Pure; shared by the gateway and the HTTP interactions endpoint.
 *
 * @example
 * const body = renderAnswer(desk.ask("reconstruction"), { page: 0, hasMore: true, nav: { next: "ask1:1:…" } });
 */
import {
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIComponentInMessageActionRow,
  type APIEmbed,
  ButtonStyle,
  ComponentType,
} from "discord.js";
import type { ArticleList, MessageBody, SummaryView, WhoView } from "../../commands/types.ts";
import type { Answer, Citation, Passage } from "../core/types.ts";
import { ELLIPSIS, embedLength, escapeMarkdown, fitEmbeds, LIMITS, truncate } from "./limits.ts";

export const COLOR = { answer: 0x2b6cb0, who: 0x6b46c1, summary: 0x2f855a, list: 0x4a5568, notice: 0xc05621 };

const WORD_CHAR = /^[\p{L}\p{N}]/u;

/** Whether the code point ending just before `i` (`before`) or starting at `i` is a letter or digit. */
function wordCharAt(text: string, i: number, before: boolean): boolean {
  if (before ? i <= 0 : i >= text.length) return false;
  const code = text.charCodeAt(before ? i - 1 : i);
  if (code < 128)
    return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
  const at = before ? (i >= 2 && code >= 0xdc00 && code <= 0xdfff ? i - 2 : i - 1) : i;
  return WORD_CHAR.test(String.fromCodePoint(text.codePointAt(at)!));
}

/** Whether position `i` falls between the two halves of a surrogate pair. */
function splitsPair(text: string, i: number): boolean {
  if (i <= 0 || i >= text.length) return false;
  const before = text.charCodeAt(i - 1);
  const at = text.charCodeAt(i);
  return before >= 0xd800 && before <= 0xdbff && at >= 0xdc00 && at <= 0xdfff;
}

/**
 * `highlight` with a Unicode look-around RegExp (one per set of words: about 1 ms to compile), for the
 * rare text whose lower case changes its length. Exported so tests can hold the fast path to it.
 */
export function highlightByPattern(text: string, words: readonly string[]): string {
  const escaped = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(${escaped})(?![\\p{L}\\p{N}])`, "giu");
  let out = "";
  let last = 0;
  for (const m of text.matchAll(pattern)) {
    out += `${escapeMarkdown(text.slice(last, m.index))}**${escapeMarkdown(m[0])}**`;
    last = m.index + m[0].length;
  }
  return out + escapeMarkdown(text.slice(last));
}

/**
 * Bolds each occurrence of `terms` (whole words, case-insensitive; the longest term first where several
 * start at one place) and escapes everything else. Compares lower-cased text at each word start rather
 * than building a look-around RegExp per question: compiling one costs about 1 ms for every new set of
 * terms, which under load was a quarter of an HTTP `/ask`.
 */
export function highlight(text: string, terms: readonly string[]): string {
  const words = [...new Set(terms.map((t) => t.trim()).filter((t) => t.length > 0))].sort(
    (a, b) => b.length - a.length,
  );
  if (words.length === 0) return escapeMarkdown(text);
  const lower = text.toLowerCase();
  const folded = words.map((w) => w.toLowerCase());
  if (lower.length !== text.length || folded.some((f, k) => f.length !== words[k]!.length)) {
    return highlightByPattern(text, words);
  }
  let out = "";
  let last = 0;
  let i = 0;
  while (i < text.length) {
    let length = 0;
    if (!wordCharAt(text, i, true) && !splitsPair(text, i)) {
      for (const f of folded) {
        const end = i + f.length;
        if (lower.startsWith(f, i) && !wordCharAt(text, end, false) && !splitsPair(text, end)) {
          length = f.length;
          break;
        }
      }
    }
    if (length === 0) {
      i++;
      continue;
    }
    out += `${escapeMarkdown(text.slice(last, i))}**${escapeMarkdown(text.slice(i, i + length))}**`;
    i += length;
    last = i;
  }
  return out + escapeMarkdown(text.slice(last));
}

/** `fn(text)` of the longest prefix of `text` (cut on a word boundary, with "…") whose rendering fits `max`. */
export function fitRendered(text: string, max: number, fn: (t: string) => string): string {
  let raw = text;
  for (let i = 0; i < 20; i++) {
    const out = fn(raw);
    if (out.length <= max) return out;
    const next = truncate(text, Math.max(0, Math.min(raw.length - 1, raw.length - (out.length - max))));
    if (next.length === 0 || next === ELLIPSIS) break;
    raw = next;
  }
  return truncate(fn(truncate(text, Math.floor(max / 3))), max);
}

/** `title · source · date`, omitting what the article does not give. */
export function sourceLine(c: Pick<Citation, "title" | "source" | "date">): string {
  return [c.title, c.source, c.date].filter((x): x is string => !!x && x.trim().length > 0).join(" · ");
}

/** `[[1]](url)` when there is a usable url, else `[1]`. */
export function citationMark(n: number, url: string | null): string {
  return url && /^https?:\/\/\S+$/i.test(url) && url.length <= 512 ? `[\\[${n}\\]](${url})` : `\\[${n}\\]`;
}

function button(
  customId: string,
  label: string,
  style = ButtonStyle.Secondary,
  disabled = false,
): APIButtonComponent {
  return {
    type: ComponentType.Button,
    custom_id: customId,
    label: truncate(label, LIMITS.buttonLabel),
    style,
    disabled,
  } as APIButtonComponent;
}

type Row = APIActionRowComponent<APIComponentInMessageActionRow>;

/** A row of up to 5 buttons; a button whose id is over 100 characters would be rejected, so it is left out. */
function row(buttons: APIButtonComponent[]): Row {
  const valid = buttons.filter((b) => !("custom_id" in b) || b.custom_id.length <= LIMITS.customId);
  return { type: ComponentType.ActionRow, components: valid.slice(0, 5) };
}

export interface Nav {
  prev?: string | null;
  next?: string | null;
  share?: string | null;
  /** Custom id of the Context button for a passage, or null when none fits. */
  context?: (passage: Passage, n: number) => string | null;
}

function navRows(nav: Nav, passages: readonly Passage[], first: number): Row[] {
  const rows: Row[] = [];
  if (nav.context) {
    const ctx: APIButtonComponent[] = [];
    passages.forEach((p, i) => {
      const id = nav.context?.(p, first + i);
      if (id) ctx.push(button(id, `Context [${first + i}]`));
    });
    if (ctx.length > 0) rows.push(row(ctx));
  }
  const paging: APIButtonComponent[] = [];
  if (nav.prev) paging.push(button(nav.prev, "◀ Previous"));
  if (nav.next) paging.push(button(nav.next, "More ▶", ButtonStyle.Primary));
  if (nav.share) paging.push(button(nav.share, "Share", ButtonStyle.Success));
  if (paging.length > 0) rows.push(row(paging));
  return rows.filter((r) => r.components.length > 0);
}

/** A short notice (errors, refusals), escaped, within the content limit. */
export function renderNotice(text: string): MessageBody {
  return { content: truncate(text, LIMITS.content) };
}

/** One embed per passage: the sentence verbatim with matched terms bold, `[n]` citation, source line footer. */
export function passageEmbeds(passages: readonly Passage[], first: number, header?: string): APIEmbed[] {
  const headerLen = header ? Math.min(header.length, LIMITS.author) : 0;
  const footers = passages.map((p, i) => truncate(`[${first + i}] ${sourceLine(p.citation)}`, 300));
  const footerLen = footers.reduce((n, f) => n + f.length, 0);
  const perEmbed = Math.min(
    LIMITS.description,
    Math.floor((LIMITS.embedTotal - headerLen - footerLen - 20) / Math.max(1, passages.length)),
  );
  return passages.map((p, i) => {
    const n = first + i;
    const mark = ` ${citationMark(n, p.citation.url)}`;
    const description = fitRendered(p.text, perEmbed - mark.length, (t) => highlight(t, p.terms)) + mark;
    const embed: APIEmbed = { color: COLOR.answer, description, footer: { text: footers[i] ?? "" } };
    if (i === 0 && header) embed.author = { name: truncate(header, LIMITS.author) };
    return embed;
  });
}

/** Prefix of the first embed's author line that carries the question (read back by paging buttons). */
export const QUESTION_PREFIX = "❓ ";

export function renderAnswer(
  answer: Answer,
  options: { page: number; pageSize: number; nav?: Nav; title?: string },
): MessageBody {
  const header = `${options.title ?? QUESTION_PREFIX}${answer.query}`;
  if (answer.status !== "ok" || answer.results.length === 0) {
    const lines = [answer.message ?? "No good match in the articles I know."];
    if (answer.suggestions.length > 0)
      lines.push(`Did you mean: ${answer.suggestions.slice(0, 5).join(", ")}?`);
    const embed: APIEmbed = {
      color: COLOR.notice,
      author: { name: truncate(header, LIMITS.author) },
      description: fitRendered(lines.join("\n"), LIMITS.description, escapeMarkdown),
    };
    const rows = options.nav
      ? navRows({ prev: options.nav.prev ?? null, share: options.nav.share ?? null }, [], 1)
      : [];
    return { embeds: [embed], ...(rows.length > 0 ? { components: rows } : {}) };
  }
  const first = options.page * options.pageSize + 1;
  const embeds = fitEmbeds(passageEmbeds(answer.results, first, header));
  const rows = options.nav ? navRows(options.nav, answer.results, first) : [];
  return { embeds, ...(rows.length > 0 ? { components: rows } : {}) };
}

/** Numbered list lines for sentences in one embed, each with its citation mark, and the sources footer. */
function sentenceList(
  passages: readonly (Passage & { quote?: boolean })[],
  budget: number,
  options: { first?: number; bold?: boolean } = {},
): { text: string; footer: string } {
  const first = options.first ?? 1;
  // Number citations per distinct article so the footer lists each source once.
  const sources = new Map<string, { n: number; c: Citation }>();
  for (const p of passages) {
    if (!sources.has(p.citation.article))
      sources.set(p.citation.article, { n: sources.size + 1, c: p.citation });
  }
  const per = Math.floor(budget / Math.max(1, passages.length));
  const lines = passages.map((p, i) => {
    const src = sources.get(p.citation.article)!;
    const mark = ` ${citationMark(src.n, p.citation.url)}`;
    const prefix = `**${first + i}.** ${p.quote ? "🗨 " : ""}`;
    const body = fitRendered(p.text, per - mark.length - prefix.length - 1, (t) =>
      options.bold ? `**${escapeMarkdown(t)}**` : highlight(t, p.terms),
    );
    return `${prefix}${body}${mark}`;
  });
  const footer = [...sources.values()].map(({ n, c }) => `[${n}] ${sourceLine(c)}`).join("\n");
  return { text: lines.join("\n"), footer: truncate(footer, 1500) };
}

export function renderWho(
  who: WhoView,
  options: { page: number; pageSize: number; nav?: Nav; query: string },
) {
  const e = who.entity;
  if (!e || who.status !== "ok") {
    const lines = [who.message ?? `I don't know anyone called “${options.query}”.`];
    const names = who.candidates?.length ? who.candidates : (who.suggestions ?? []);
    if (names.length > 0) lines.push(`Did you mean: ${names.slice(0, 10).join(", ")}?`);
    return {
      embeds: fitEmbeds([
        {
          color: COLOR.notice,
          description: fitRendered(lines.join("\n"), LIMITS.description, escapeMarkdown),
        },
      ]),
    } satisfies MessageBody;
  }
  const facts: string[] = [];
  const kind = e.kind ? `${e.kind[0]?.toUpperCase()}${e.kind.slice(1)}` : "Entity";
  const counts = e.counts
    ? `${e.counts.sentences} sentence${e.counts.sentences === 1 ? "" : "s"} in ${e.counts.articles} article${e.counts.articles === 1 ? "" : "s"}`
    : null;
  const span = e.first || e.last ? `first ${e.first ?? "?"}, last ${e.last ?? "?"}` : null;
  facts.push(escapeMarkdown([kind, counts, span].filter(Boolean).join(" · ")));
  if (e.aliases && e.aliases.length > 0)
    facts.push(`Also: ${escapeMarkdown(e.aliases.slice(0, 8).join(", "))}`);
  if (e.roles && e.roles.length > 0) {
    facts.push(`Roles: ${escapeMarkdown(truncate(e.roles.map((r) => r.role).join("; "), 300))}`);
  }
  const head = truncate(facts.join("\n"), 800);
  const first = options.page * options.pageSize + 1;
  const list = sentenceList(who.results, LIMITS.embedTotal - head.length - 1700, { first });
  const description = truncate(`${head}\n\n${list.text}`, LIMITS.description);
  const embed: APIEmbed = {
    color: COLOR.who,
    title: truncate(escapeMarkdown(e.name), LIMITS.title),
    description,
    ...(list.footer ? { footer: { text: list.footer } } : {}),
  };
  const rows = options.nav ? navRows(options.nav, who.results, first) : [];
  return {
    embeds: fitEmbeds([embed]),
    ...(rows.length > 0 ? { components: rows } : {}),
  } satisfies MessageBody;
}

/** A pinnable digest: header (title linking to the article, source · date), 3–5 cited sentences. */
export function renderSummary(summary: SummaryView): MessageBody {
  if (summary.status !== "ok" || summary.results.length === 0) {
    return renderNotice(escapeMarkdown(summary.message ?? "Nothing to summarise."));
  }
  const a = summary.article;
  const title = a ? a.title : `Summary: ${summary.query ?? ""}`;
  const list = sentenceList(summary.results, 3600);
  const footer = a ? [a.source, a.date].filter(Boolean).join(" · ") : list.footer;
  const embed: APIEmbed = {
    color: COLOR.summary,
    title: truncate(escapeMarkdown(title), LIMITS.title),
    description: truncate(list.text, LIMITS.description),
    ...(footer ? { footer: { text: truncate(footer, LIMITS.footer) } } : {}),
  };
  if (a?.url && /^https?:\/\/\S+$/i.test(a.url) && a.url.length <= 512) embed.url = a.url;
  return { embeds: fitEmbeds([embed]) };
}

export function renderArticles(
  list: ArticleList,
  options: { filter: string | null; nav?: Nav },
): MessageBody {
  const heading = options.filter
    ? `Articles matching “${truncate(options.filter, 100)}” (${list.total})`
    : `Articles (${list.total})`;
  if (list.results.length === 0) {
    return {
      embeds: [{ color: COLOR.list, title: escapeMarkdown(heading), description: "No articles found." }],
    };
  }
  const per = Math.floor(3800 / list.results.length);
  const lines = list.results.map((a) => {
    const meta = [a.source, a.date, `${a.sentences} sentence${a.sentences === 1 ? "" : "s"}`].filter(Boolean);
    const metaText = ` — ${escapeMarkdown(meta.join(" · "))}`;
    const title = fitRendered(a.title, per - metaText.length - 540, escapeMarkdown);
    const linked =
      a.url && /^https?:\/\/\S+$/i.test(a.url) && a.url.length <= 512 ? `[${title}](${a.url})` : title;
    return `• **${linked}**${metaText}`;
  });
  const embed: APIEmbed = {
    color: COLOR.list,
    title: truncate(escapeMarkdown(heading), LIMITS.title),
    description: truncate(lines.join("\n"), LIMITS.description),
    footer: { text: `Page ${list.page} of ${Math.max(1, list.pages)}` },
  };
  const rows = options.nav ? navRows(options.nav, [], 1) : [];
  return { embeds: fitEmbeds([embed]), ...(rows.length > 0 ? { components: rows } : {}) };
}

/** The sentences around a cited one, the cited sentence in bold. */
export function renderContext(passages: readonly Passage[], target: number): MessageBody {
  const first = passages[0];
  if (!first) return renderNotice("That passage is no longer in my knowledge.");
  const budget = Math.floor(3800 / passages.length);
  const lines = passages.map((p) => {
    const fit = fitRendered(p.text, budget - 4, escapeMarkdown);
    return p.citation.sentence === target ? `**${fit}**` : fit;
  });
  const embed: APIEmbed = {
    color: COLOR.answer,
    title: truncate(escapeMarkdown(first.citation.title), LIMITS.title),
    description: truncate(lines.join("\n\n"), LIMITS.description),
    footer: { text: truncate(`${sourceLine(first.citation)} · sentence ${target}`, LIMITS.footer) },
  };
  if (
    first.citation.url &&
    /^https?:\/\/\S+$/i.test(first.citation.url) &&
    first.citation.url.length <= 512
  ) {
    embed.url = first.citation.url;
  }
  return { embeds: fitEmbeds([embed]) };
}

export interface HelpFacts {
  articles: number;
  newest: { title: string; date: string | null } | null;
  people: readonly string[];
  exampleQuestion: string | null;
}

export function renderHelp(facts: HelpFacts): MessageBody {
  const q = facts.exampleQuestion ? escapeMarkdown(facts.exampleQuestion) : "what happened";
  const person = facts.people[0] ? escapeMarkdown(facts.people[0]) : "a name";
  const lines = [
    `I answer questions about the news by quoting the ${facts.articles} article${facts.articles === 1 ? "" : "s"} I know, word for word, each with its source. I never write answers of my own.`,
    "",
    `**/ask** \`question\` — the best-matching sentences. Try: /ask question: ${q}`,
    `**/who** \`name\` — a person (or place, group) through the news. Try: /who name: ${person}`,
    "**/summary** `[article]` `[pin]` — a short digest of an article; moderators can pin it.",
    "**/articles** `[filter]` — what I know.",
    "**Find sources** (right-click a message → Apps) — passages that support or relate to it.",
    "Moderators: **/ingest** `url` · `file` (or a pasted text) adds an article for this server, **/forget** removes one, **/feed** `add` · `list` · `remove` follows a site's RSS/Atom feed.",
    "",
    "Add `private: true` to /ask to see the answer alone, then **Share** it if you like.",
  ];
  if (facts.newest) {
    lines.push(
      "",
      `Newest article: ${escapeMarkdown(truncate(facts.newest.title, 200))}${facts.newest.date ? ` (${escapeMarkdown(facts.newest.date)})` : ""}`,
    );
  }
  if (facts.people.length > 1)
    lines.push(`People in the news: ${escapeMarkdown(facts.people.slice(0, 6).join(", "))}`);
  return {
    embeds: fitEmbeds([
      { color: COLOR.list, title: "Newsdesk — help", description: truncate(lines.join("\n"), 4000) },
    ]),
  };
}

/** Sum of embed lengths, for tests and logs. */
export function messageLength(body: MessageBody): number {
  return (body.content?.length ?? 0) + (body.embeds ?? []).reduce((n, e) => n + embedLength(e), 0);
}
