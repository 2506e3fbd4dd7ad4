/**
 * Entities: who and what the articles name, and which sentences refer to them.
 *
 * `buildEntityTable(articles)` extracts people, organisations, places and groups per article
 * (see `entities/extract.ts`), then merges them across articles: a full name by its key
 * (`Ahmed Al-Sharaa` = `Ahmed al Sharaa`), a surname used alone only when exactly one known
 * person carries it.
 */
import {
  type ArticleEntities,
  countWords,
  extractArticle,
  fold,
  type LocalPerson,
  plainKey,
  type RawMention,
  type WordStats,
  wordStats,
} from "./entities/extract.ts";
import { type EntityKind, type EntityRecord, EntityTable } from "./entities/table.ts";
import type { Article, Logger } from "./types.ts";
import { silentLogger } from "./types.ts";

export { fold, nameWords, personKey } from "./entities/extract.ts";
export type {
  Entity,
  EntityKind,
  EntityMention,
  EntityRole,
  EntityTableJSON,
  FindResult,
  MentionVia,
  Suggestion,
  Visible,
} from "./entities/table.ts";
export { EntityTable } from "./entities/table.ts";

export interface BuildEntityOptions {
  readonly logger?: Logger;
}

interface Builder {
  kind: EntityKind;
  key: string;
  surfaces: Map<string, number>;
  fullSurfaces: Map<string, number>;
  roles: [string, number, number][];
  mentions: { article: number; m: RawMention }[];
  /** mentions by surname alone: a sign of a person */
  singles: number;
}

const MAX_ALIASES = 20;
const NO_TERMS: string[] = [];

function thingMention(sentence: number): RawMention {
  return { sentence, lead: 0, start: 0, end: 0, via: "name", terms: NO_TERMS, quote: false };
}
const VIA_CODE = { name: 0, descriptor: 1, pronoun: 2 } as const;

function bump(map: Map<string, number>, key: string, n: number): void {
  map.set(key, (map.get(key) ?? 0) + n);
}

function canonical(b: Builder): string {
  const pool = b.fullSurfaces.size > 0 ? b.fullSurfaces : b.surfaces;
  let best = "";
  let bestN = -1;
  for (const [s, n] of pool) {
    if (n > bestN || (n === bestN && s.length > best.length)) {
      best = s;
      bestN = n;
    }
  }
  // "U.S" lost its final dot to the sentence splitter's tokenizer
  return /^(?:[A-Z]\.)+[A-Z]$/.test(best) ? `${best}.` : best;
}

/**
 * Builds the entity table of a set of articles. Pure and deterministic.
 *
 * @example
 * const table = buildEntityTable(articles);
 * table.find("putin"); // { match: { name: "Vladimir Putin", kind: "person", … } }
 */
export function buildEntityTable(
  articles: readonly Article[],
  options: BuildEntityOptions = {},
): EntityTable {
  const started = performance.now();
  const stats = wordStats(articles);
  const extracted: ArticleEntities[] = articles.map((a) => extractArticle(a, stats));
  return mergeEntities(articles, extracted, options.logger ?? silentLogger, started);
}

/**
 * Keeps each article's extraction so that a change to a few articles re-extracts only those
 * (the merge across articles is redone, which is cheap). Word statistics are updated as articles
 * come and go; articles kept from before are not re-read, so after many changes the table may
 * differ slightly from a fresh `buildEntityTable` of the same articles. Costs memory (the
 * per-article extractions stay in memory).
 *
 * @example
 * const indexer = new EntityIndexer(articles);
 * let table = indexer.table(articles);
 * indexer.update({ upsert: [fresh], remove: ["old-id"] });
 * table = indexer.table(newArticleList);
 */
export class EntityIndexer {
  readonly #stats: WordStats;
  readonly #extracted = new Map<string, { article: Article; entities: ArticleEntities }>();
  readonly #logger: Logger;

  constructor(articles: readonly Article[], options: BuildEntityOptions = {}) {
    this.#logger = options.logger ?? silentLogger;
    this.#stats = wordStats(articles);
    for (const a of articles)
      this.#extracted.set(a.id, { article: a, entities: extractArticle(a, this.#stats) });
  }

  /** Applies added, replaced and removed articles. */
  update(changes: { upsert?: readonly Article[]; remove?: readonly string[] }): void {
    const gone = [...(changes.remove ?? []), ...(changes.upsert ?? []).map((a) => a.id)];
    for (const id of gone) {
      const old = this.#extracted.get(id);
      if (old === undefined) continue;
      countWords(this.#stats, old.article, -1);
      this.#extracted.delete(id);
    }
    for (const a of changes.upsert ?? []) countWords(this.#stats, a, 1);
    for (const a of changes.upsert ?? [])
      this.#extracted.set(a.id, { article: a, entities: extractArticle(a, this.#stats) });
  }

  /** The table for `articles` (in that order; every one must have been given to the indexer). */
  table(articles: readonly Article[]): EntityTable {
    const started = performance.now();
    const extracted = articles.map((a) => {
      const e = this.#extracted.get(a.id);
      if (e === undefined) throw new Error(`entities: article ${a.id} was never given to the indexer`);
      return e.entities;
    });
    return mergeEntities(articles, extracted, this.#logger, started);
  }
}

function mergeEntities(
  articles: readonly Article[],
  extracted: readonly ArticleEntities[],
  logger: Logger,
  started: number,
): EntityTable {
  const extractMs = performance.now() - started;

  const builders = new Map<string, Builder>();
  const builderOf = (kind: EntityKind, key: string): Builder => {
    const id = `${kind}:${key}`;
    let b = builders.get(id);
    if (b === undefined) {
      b = { kind, key, surfaces: new Map(), fullSurfaces: new Map(), roles: [], mentions: [], singles: 0 };
      builders.set(id, b);
    }
    return b;
  };
  const absorb = (b: Builder, p: LocalPerson, article: number, full: boolean) => {
    for (const [s, n] of p.surfaces) {
      bump(b.surfaces, s, n);
      if (full && s.includes(" ")) bump(b.fullSurfaces, s, n);
    }
    for (const r of p.roles) b.roles.push([r.role, article, r.sentence]);
    for (const m of p.mentions) b.mentions.push({ article, m });
    b.singles += full
      ? p.mentions.filter((m) => m.via === "name" && m.terms.length === 1).length
      : p.mentions.length;
  };

  // Full names first: they define who exists.
  const surnames = new Map<string, Set<string>>();
  const fullArticles = new Map<string, number>();
  const singleArticles = new Map<string, number>();
  extracted.forEach((e, a) => {
    for (const p of e.persons) {
      if (p.single) continue;
      absorb(builderOf("person", p.key), p, a, true);
      const words = p.key.split(" ");
      const sur = words[words.length - 1]!;
      let set = surnames.get(sur);
      if (set === undefined) {
        set = new Set();
        surnames.set(sur, set);
      }
      set.add(p.key);
      fullArticles.set(p.key, (fullArticles.get(p.key) ?? 0) + 1);
    }
    for (const p of e.persons) if (p.single) singleArticles.set(p.key, (singleArticles.get(p.key) ?? 0) + 1);
  });
  // A surname alone joins the one person known by it; with none, it stands alone if the
  // article gives evidence it is a person; with several, it is left out (no guessing).
  let dropped = 0;
  extracted.forEach((e, a) => {
    for (const p of e.persons) {
      if (!p.single) continue;
      const owners = surnames.get(p.key);
      // …and only if that person is usually introduced by full name where the word appears alone:
      // "Olympic" is everywhere, "Sydney Olympic" once — that is not a person called Olympic.
      const owner = owners?.size === 1 ? [...owners][0]! : null;
      const plausible =
        owner !== null &&
        (p.evidence || (fullArticles.get(owner) ?? 0) * 4 >= (singleArticles.get(p.key) ?? 0));
      if (owner !== null && plausible) absorb(builderOf("person", owner), p, a, false);
      else if (owners === undefined && p.evidence) absorb(builderOf("person", p.key), p, a, false);
      else dropped++;
    }
    for (const t of e.things) {
      const b = builderOf(t.kind, t.key);
      for (const [s, n] of t.surfaces) bump(b.surfaces, s, n);
      for (const sentence of t.sentences) b.mentions.push({ article: a, m: thingMention(sentence) });
    }
  });

  // "Merrill Lynch", "Morgan Stanley": two first/last names that also start an organisation's
  // name ("Morgan Stanley Group"), never titled nor called by the surname alone, are the organisation.
  const orgKeys = [...builders.values()].filter((b) => b.kind === "organization").map((b) => b.key);
  orgKeys.sort();
  const extendsOrg = (key: string): boolean => {
    const p = `${key} `;
    let lo = 0;
    let hi = orgKeys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (orgKeys[mid]! < p) lo = mid + 1;
      else hi = mid;
    }
    return orgKeys[lo]?.startsWith(p) === true;
  };
  for (const [id, b] of [...builders]) {
    if (b.kind !== "person" || b.roles.length > 0 || b.singles > 0) continue;
    // Named in full five times or more, never by surname, never titled: not how news treats a person
    // ("Sydney Olympic", "Virginia Federal").
    if (b.mentions.length >= 5 && !extendsOrg(plainKey(canonical(b)))) {
      builders.delete(id);
      dropped++;
      continue;
    }
    if (!extendsOrg(plainKey(canonical(b)))) continue;
    builders.delete(id);
    const org = builderOf("organization", plainKey(canonical(b)));
    for (const [s, n] of b.surfaces) bump(org.surfaces, s, n);
    for (const m of b.mentions)
      org.mentions.push({ article: m.article, m: { ...m.m, quote: false, via: "name" } });
  }

  const records: EntityRecord[] = [];
  const usedIds = new Set<string>();
  const sortedIds = [...builders.keys()].sort();
  for (const bid of sortedIds) {
    const b = builders.get(bid)!;
    if (b.mentions.length === 0) continue;
    b.mentions.sort(
      (x, y) => x.article - y.article || x.m.sentence - y.m.sentence || VIA_CODE[x.m.via] - VIA_CODE[y.m.via],
    );
    const m: number[] = [];
    const t: Record<number, readonly string[]> = {};
    let last = "";
    for (const { article, m: mention } of b.mentions) {
      const k = `${article}:${mention.sentence}`;
      if (k === last) {
        // one mention per sentence: a quote flag from a later link still counts
        if (mention.quote) m[m.length - 1]! |= 4;
        continue;
      }
      last = k;
      if (mention.via !== "name") t[m.length / 3] = mention.terms;
      m.push(article, mention.sentence, VIA_CODE[mention.via] | (mention.quote ? 4 : 0));
    }
    const name = canonical(b);
    const seen = new Set([fold(name)]);
    const aliases = [...b.surfaces.entries()]
      .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
      .map(([s]) => s)
      .filter((s) => {
        const f = fold(s);
        if (seen.has(f)) return false;
        seen.add(f);
        return true;
      })
      .slice(0, MAX_ALIASES);
    let id = `${b.kind}:${b.key.replace(/\s+/g, "-")}`;
    for (let n = 2; usedIds.has(id); n++) id = `${b.kind}:${b.key.replace(/\s+/g, "-")}-${n}`;
    usedIds.add(id);
    records.push({ id, name, kind: b.kind, aliases, roles: b.roles, m: Int32Array.from(m), t });
  }
  const table = new EntityTable(
    articles.map((a) => a.id),
    records,
  );
  logger.debug(
    `entities: ${records.length} entities from ${articles.length} articles in ${Math.round(performance.now() - started)} ms (extraction ${Math.round(extractMs)} ms, ${dropped} ambiguous surnames left out)`,
  );
  return table;
}
