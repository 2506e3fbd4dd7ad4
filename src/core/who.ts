/**
 * `who <name>`: a person (or organisation, place, group) followed through the news — canonical
 * name, roles with citations, counts, first and last mention, and every sentence that refers to
 * them, verbatim and cited, in date order.
 */
import type { Entity, EntityKind, EntityMention, EntityTable, MentionVia, Visible } from "./entities.ts";
import { fold, nameWords } from "./entities.ts";
import { citationOf, passageOf } from "./passage.ts";
import type { Article, Citation, Passage } from "./types.ts";

/** Longest name accepted, in characters. */
export const MAX_NAME_LENGTH = 100;

export interface WhoOptions {
  /** How many sentences to return (default 10). */
  readonly limit?: number;
  /** How many sentences to skip (paging). */
  readonly offset?: number;
  /** Which articles may be quoted (per-server knowledge). */
  readonly visible?: Visible;
}

export interface WhoEntity {
  readonly name: string;
  readonly kind: EntityKind;
  readonly aliases: readonly string[];
  readonly roles: readonly { readonly role: string; readonly citation: Citation }[];
  readonly counts: { readonly sentences: number; readonly articles: number };
  /** Date of the earliest dated article that mentions them, as the article gives it. */
  readonly first: string | null;
  readonly last: string | null;
}

export type WhoPassage = Passage & { readonly quote: boolean; readonly via: MentionVia };

export interface WhoAnswer {
  readonly command: "who";
  readonly query: string;
  readonly status: "ok" | "no-match" | "ambiguous" | "invalid";
  readonly message: string | null;
  readonly entity: WhoEntity | null;
  /** Names to choose from when the query is ambiguous. */
  readonly candidates: readonly string[];
  /** Closest known names when nothing matched. */
  readonly suggestions: readonly string[];
  readonly results: readonly WhoPassage[];
}

const MAX_ROLES = 10;

function answer(query: string, fields: Partial<WhoAnswer> & Pick<WhoAnswer, "status">): WhoAnswer {
  const { status, ...rest } = fields;
  return {
    command: "who",
    query,
    status,
    message: null,
    entity: null,
    candidates: [],
    suggestions: [],
    results: [],
    ...rest,
  };
}

function sentenceIndex(article: Article, position: number): number {
  const guess = position - 1;
  if (article.sentences[guess]?.position === position) return guess;
  return article.sentences.findIndex((s) => s.position === position);
}

const dateCache = new WeakMap<Article, number>();

/** Milliseconds of the article's date, or NaN when it has none or it cannot be read. */
function timeOf(article: Article): number {
  let t = dateCache.get(article);
  if (t === undefined) {
    t = article.date === null ? Number.NaN : Date.parse(article.date.replace(/^[A-Za-z]+day,\s*/, ""));
    dateCache.set(article, t);
  }
  return t;
}

/** Dated articles first (oldest first), then undated ones, by id. */
export function compareArticles(a: Article, b: Article): number {
  const ta = timeOf(a);
  const tb = timeOf(b);
  const da = !Number.isNaN(ta);
  const db = !Number.isNaN(tb);
  if (da && db && ta !== tb) return ta - tb;
  if (da !== db) return da ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

const WORD = /[\p{L}\p{N}](?:[\p{L}\p{M}\p{N}]|[-'’.](?=[\p{L}\p{N}]))*/gu;

/** The words of `text` that are (part of) one of the entity's names, as written there. */
function nameTerms(text: string, entity: Entity): string[] {
  const words = new Set<string>();
  for (const n of [entity.name, ...entity.aliases])
    for (const w of nameWords(n)) if (w.length > 2) words.add(w);
  const out: string[] = [];
  for (const m of text.matchAll(WORD)) {
    const raw = m[0].replace(/['’]s$/, "");
    const parts = nameWords(raw);
    if (parts.some((p) => words.has(p)) && /^\p{Lu}|^\p{Ll}{1,3}[-'’]\p{Lu}/u.test(raw) && !out.includes(raw))
      out.push(raw);
  }
  return out;
}

function validate(query: string): string | null {
  const q = query.trim();
  if (q.length === 0) return "Give a name to look up, for example: who putin.";
  if (q.length > MAX_NAME_LENGTH)
    return `That name is too long (${q.length} characters; at most ${MAX_NAME_LENGTH}).`;
  if (!/[\p{L}\p{N}]/u.test(q)) return "A name needs at least one letter or digit.";
  return null;
}

/**
 * Looks a name up in the entity table and returns what the articles say about them.
 *
 * @example
 * who(table, articlesById, "puttin").entity?.name // "Vladimir Putin"
 */
export function who(
  table: EntityTable,
  articles: ReadonlyMap<string, Article>,
  name: string,
  options: WhoOptions = {},
): WhoAnswer {
  const query = name.trim();
  const invalid = validate(name);
  if (invalid !== null) return answer(query, { status: "invalid", message: invalid });
  const limit = Math.max(1, Math.min(options.limit ?? 10, 100));
  const offset = Math.max(0, options.offset ?? 0);
  const visible: Visible = (id) => articles.has(id) && (options.visible === undefined || options.visible(id));

  const found = table.find(query, { visible });
  if ("unknown" in found) {
    const hint = found.suggestions.length > 0 ? ` Did you mean ${found.suggestions.join(", ")}?` : "";
    return answer(query, {
      status: "no-match",
      message: `No one called "${query}" appears in the news I have.${hint}`,
      suggestions: found.suggestions,
    });
  }
  if ("ambiguous" in found) {
    const names = found.ambiguous.map((e) => e.name);
    return answer(query, {
      status: "ambiguous",
      message: `"${query}" could be ${names.length} different entries; pick one: ${names.join(", ")}.`,
      candidates: names,
    });
  }

  const entity = found.match;
  const mentions = entity.mentions.filter((m) => visible(m.article));
  const byArticle = new Map<string, EntityMention[]>();
  for (const m of mentions) {
    const list = byArticle.get(m.article);
    if (list === undefined) byArticle.set(m.article, [m]);
    else list.push(m);
  }
  const ordered = [...byArticle.keys()].map((id) => articles.get(id)!).sort(compareArticles);

  const sentences: { article: Article; index: number; mention: EntityMention }[] = [];
  for (const article of ordered) {
    const list = byArticle
      .get(article.id)!
      .slice()
      .sort((a, b) => a.sentence - b.sentence);
    for (const mention of list) {
      const index = sentenceIndex(article, mention.sentence);
      if (index >= 0) sentences.push({ article, index, mention });
    }
  }

  const dated = ordered.filter((a) => !Number.isNaN(timeOf(a)));
  const roles: { role: string; citation: Citation }[] = [];
  const seenRoles = new Set<string>();
  const roleOrder = new Map(ordered.map((a, i) => [a.id, i]));
  const sortedRoles = entity.roles
    .filter((r) => roleOrder.has(r.article))
    .sort((a, b) => roleOrder.get(a.article)! - roleOrder.get(b.article)! || a.sentence - b.sentence);
  for (const r of sortedRoles) {
    const key = fold(r.role).replace(/['’]s\b/g, "");
    if (seenRoles.has(key)) continue;
    const article = articles.get(r.article)!;
    const index = sentenceIndex(article, r.sentence);
    if (index < 0) continue;
    seenRoles.add(key);
    roles.push({ role: r.role, citation: citationOf(article, index) });
    if (roles.length === MAX_ROLES) break;
  }

  const results: WhoPassage[] = sentences.slice(offset, offset + limit).map(({ article, index, mention }) => {
    const text = article.sentences[index]!.text;
    const terms =
      mention.via === "name" || mention.terms === undefined ? nameTerms(text, entity) : [...mention.terms];
    return { ...passageOf(article, index, 1, terms), quote: mention.quote, via: mention.via };
  });

  return answer(query, {
    status: "ok",
    entity: {
      name: entity.name,
      kind: entity.kind,
      aliases: entity.aliases,
      roles,
      counts: { sentences: sentences.length, articles: ordered.length },
      first: dated[0]?.date ?? null,
      last: dated[dated.length - 1]?.date ?? null,
    },
    results,
  });
}
