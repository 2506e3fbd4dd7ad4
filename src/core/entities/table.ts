/**
 * The entity table: every person, organisation, place and group the articles name, with the
 * sentences that refer to them. Compact inside (mentions in typed arrays), JSON-serialisable,
 * with a typo-tolerant `find` and a prefix `suggest` for autocomplete.
 */
import { type EntityKind, fold, type MentionVia, nameWords, personKey } from "./extract.ts";

export type { EntityKind, MentionVia } from "./extract.ts";

export interface EntityMention {
  readonly article: string;
  /** 1-based sentence position within the article. */
  readonly sentence: number;
  readonly via: MentionVia;
  /** The sentence quotes this entity (a quote attributed to them). */
  readonly quote: boolean;
  /** Words of the sentence that refer to the entity (for descriptor and pronoun links). */
  readonly terms?: readonly string[];
}

export interface EntityRole {
  readonly role: string;
  readonly article: string;
  readonly sentence: number;
}

export interface Entity {
  readonly id: string;
  readonly name: string;
  readonly kind: EntityKind;
  readonly aliases: readonly string[];
  readonly roles: readonly EntityRole[];
  readonly mentions: readonly EntityMention[];
}

export type FindResult =
  | { readonly match: Entity }
  | { readonly ambiguous: readonly Entity[] }
  | { readonly unknown: true; readonly suggestions: readonly string[] };

export interface Suggestion {
  /** Label for an autocomplete choice (≤ 100 characters). */
  readonly name: string;
  readonly kind: EntityKind;
  /** Sentences that mention the entity (visible ones only when `visible` is given). */
  readonly count: number;
}

export type Visible = (articleId: string) => boolean;

/** One entity as stored: mentions flattened as [article index, sentence, flags]. */
export interface EntityRecord {
  readonly id: string;
  readonly name: string;
  readonly kind: EntityKind;
  readonly aliases: readonly string[];
  /** [role, article index, sentence] */
  readonly roles: readonly (readonly [string, number, number])[];
  /** article index, sentence, flags (via: 0 name, 1 descriptor, 2 pronoun; +4 quote), repeated */
  readonly m: Int32Array;
  /** terms of descriptor/pronoun mentions, by mention number */
  readonly t: Readonly<Record<number, readonly string[]>>;
}

export interface EntityTableJSON {
  readonly version: 1;
  readonly articles: readonly string[];
  readonly entities: readonly {
    id: string;
    name: string;
    kind: EntityKind;
    aliases: readonly string[];
    roles: readonly (readonly [string, number, number])[];
    m: number[];
    t: Readonly<Record<number, readonly string[]>>;
  }[];
}

const VIAS: readonly MentionVia[] = ["name", "descriptor", "pronoun"];
const KINDS: readonly EntityKind[] = ["person", "organization", "place", "group"];
const LABEL_MAX = 100;
const SHORT_PREFIX = 2;
const ENTITY_CACHE = 256;

/** The forms a query is compared in: folded words, and the same without particles/initials. */
export function queryKeys(query: string): string[] {
  const words = nameWords(query);
  const keys = new Set<string>();
  if (words.length === 0) return [];
  keys.add(words.join(" "));
  keys.add(words.join(""));
  const pk = personKey(query);
  if (pk.length > 0) keys.add(pk);
  if (words[0] === "the" && words.length > 1) keys.add(words.slice(1).join(" "));
  return [...keys];
}

let rowA = new Int32Array(64);
let rowB = new Int32Array(64);
let rowC = new Int32Array(64);

/** Levenshtein distance with adjacent transpositions, or `max + 1` when it exceeds `max`. */
export function boundedDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  if (a === b) return 0;
  const n = b.length;
  if (rowA.length <= n) {
    rowA = new Int32Array(n + 1);
    rowB = new Int32Array(n + 1);
    rowC = new Int32Array(n + 1);
  }
  let prev2 = rowA;
  let prev = rowB;
  let cur = rowC;
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= n; j++) {
      const cb = b.charCodeAt(j - 1);
      let v = prev[j - 1]! + (ca === cb ? 0 : 1);
      const del = prev[j]! + 1;
      if (del < v) v = del;
      const ins = cur[j - 1]! + 1;
      if (ins < v) v = ins;
      if (i > 1 && j > 1 && ca === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === cb) {
        const tr = prev2[j - 2]! + 1;
        if (tr < v) v = tr;
      }
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    const t = prev2;
    prev2 = prev;
    prev = cur;
    cur = t;
  }
  return prev[n]! <= max ? prev[n]! : max + 1;
}

/** Cheap pre-filter for typo search: typos rarely hit both of the first two letters. */
function samePrefixish(a: string, b: string): boolean {
  return a.charCodeAt(0) === b.charCodeAt(0) || a.charCodeAt(1) === b.charCodeAt(1);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function allowedTypos(length: number): number {
  if (length <= 3) return 0;
  if (length <= 5) return 1;
  return 2;
}

function label(name: string): string {
  return name.length <= LABEL_MAX ? name : `${name.slice(0, LABEL_MAX - 1)}…`;
}

interface SearchIndex {
  /** folded alias key → entity numbers */
  readonly aliasIndex: Map<string, number[]>;
  /** folded alias keys, sorted, for prefix search */
  readonly sortedKeys: string[];
  /** folded keys grouped by length, for typo search */
  readonly byLength: Map<number, string[]>;
  /** entity numbers by count, descending */
  readonly byCount: number[];
  /** for prefixes of 1–2 characters: entity numbers by count, descending */
  readonly shortPrefixes: Map<string, Int32Array>;
}

export class EntityTable {
  readonly #articles: readonly string[];
  readonly #articleIndex: Map<string, number>;
  readonly #records: readonly EntityRecord[];
  readonly #byId: Map<string, number>;
  /** sentences mentioning each entity */
  readonly #counts: Int32Array;
  /** distinct article indexes per entity with their mention counts: [article, count, …] */
  readonly #perArticle: Int32Array[];
  /** search structures, built on first use (or by `warm()`) so that restoring from cache stays fast */
  #searchIndex: SearchIndex | null = null;
  /** recently materialised entities (immutable, so safe to share) */
  readonly #cache = new Map<number, Entity>();

  constructor(articles: readonly string[], records: readonly EntityRecord[]) {
    this.#articles = articles;
    this.#articleIndex = new Map(articles.map((a, i) => [a, i]));
    this.#records = records;
    this.#byId = new Map(records.map((r, i) => [r.id, i]));
    this.#counts = new Int32Array(records.length);
    this.#perArticle = [];
    records.forEach((r, i) => {
      this.#counts[i] = r.m.length / 3;
      // mentions are sorted by article: count runs
      let runs = 0;
      for (let k = 0; k < r.m.length; k += 3) if (k === 0 || r.m[k] !== r.m[k - 3]) runs++;
      const flat = new Int32Array(runs * 2);
      let n = -2;
      for (let k = 0; k < r.m.length; k += 3) {
        if (k === 0 || r.m[k] !== r.m[k - 3]) {
          n += 2;
          flat[n] = r.m[k]!;
        }
        flat[n + 1]!++;
      }
      this.#perArticle.push(flat);
    });
  }

  /** Builds the search structures now; otherwise the first `find`/`suggest` builds them. */
  warm(): void {
    this.#search();
  }

  #search(): SearchIndex {
    if (this.#searchIndex !== null) return this.#searchIndex;
    const records = this.#records;
    const aliasIndex = new Map<string, number[]>();
    const byLength = new Map<number, string[]>();
    const shortPrefixes = new Map<string, Int32Array>();
    records.forEach((r, i) => {
      const keys = new Set<string>();
      for (const alias of [r.name, ...r.aliases]) for (const key of queryKeys(alias)) keys.add(key);
      if (r.kind === "person") {
        const words = personKey(r.name).split(" ");
        if (words.length > 1) keys.add(words[words.length - 1]!);
      }
      for (const key of keys) {
        const list = aliasIndex.get(key);
        if (list === undefined) aliasIndex.set(key, [i]);
        else if (!list.includes(i)) list.push(i);
      }
    });
    const sortedKeys = [...aliasIndex.keys()].sort();
    for (const key of sortedKeys) {
      const bucket = byLength.get(key.length);
      if (bucket === undefined) byLength.set(key.length, [key]);
      else bucket.push(key);
    }
    const byCount = records.map((_, i) => i).sort((a, b) => this.#compareByCount(a, b));
    const rank = new Int32Array(records.length);
    byCount.forEach((i, r) => {
      rank[i] = r;
    });
    const short = new Map<string, Set<number>>();
    for (const [key, ids] of aliasIndex) {
      for (let len = 1; len <= Math.min(SHORT_PREFIX, key.length); len++) {
        const p = key.slice(0, len);
        let set = short.get(p);
        if (set === undefined) {
          set = new Set();
          short.set(p, set);
        }
        for (const i of ids) set.add(i);
      }
    }
    for (const [p, set] of short)
      shortPrefixes.set(
        p,
        Int32Array.from(set).sort((a, b) => rank[a]! - rank[b]!),
      );
    this.#searchIndex = { aliasIndex, sortedKeys, byLength, byCount, shortPrefixes };
    return this.#searchIndex;
  }

  get #aliasIndex(): Map<string, number[]> {
    return this.#search().aliasIndex;
  }

  get #sortedKeys(): string[] {
    return this.#search().sortedKeys;
  }

  get #byLength(): Map<number, string[]> {
    return this.#search().byLength;
  }

  get #byCount(): number[] {
    return this.#search().byCount;
  }

  get #shortPrefixes(): Map<string, Int32Array> {
    return this.#search().shortPrefixes;
  }

  #compareByCount(a: number, b: number): number {
    return (
      this.#counts[b]! - this.#counts[a]! ||
      compareText(this.#records[a]!.name, this.#records[b]!.name) ||
      a - b
    );
  }

  /** How many entities the table holds. */
  get size(): number {
    return this.#records.length;
  }

  /** Ids of the articles the table was built from. */
  get articleIds(): readonly string[] {
    return this.#articles;
  }

  /** All entities (materialised; for tests and small tables). */
  entities(): Entity[] {
    return this.#records.map((_, i) => this.#entity(i));
  }

  /** The entity with this id, or undefined. */
  get(id: string): Entity | undefined {
    const i = this.#byId.get(id);
    return i === undefined ? undefined : this.#entity(i);
  }

  #entity(i: number): Entity {
    const cached = this.#cache.get(i);
    if (cached !== undefined) return cached;
    const e = this.#materialise(i);
    if (this.#cache.size >= ENTITY_CACHE) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(i, e);
    return e;
  }

  #materialise(i: number): Entity {
    const r = this.#records[i]!;
    const mentions: EntityMention[] = [];
    for (let k = 0, n = 0; k < r.m.length; k += 3, n++) {
      const flags = r.m[k + 2]!;
      const terms = r.t[n];
      mentions.push({
        article: this.#articles[r.m[k]!]!,
        sentence: r.m[k + 1]!,
        via: VIAS[flags & 3]!,
        quote: (flags & 4) !== 0,
        ...(terms === undefined ? {} : { terms }),
      });
    }
    return {
      id: r.id,
      name: r.name,
      kind: r.kind,
      aliases: r.aliases,
      roles: r.roles.map(([role, a, sentence]) => ({ role, article: this.#articles[a]!, sentence })),
      mentions,
    };
  }

  /** Mentions of one entity in visible articles, without building the whole Entity. */
  mentionsOf(id: string, visible?: Visible): EntityMention[] {
    const e = this.get(id);
    if (e === undefined) return [];
    return visible === undefined ? [...e.mentions] : e.mentions.filter((m) => visible(m.article));
  }

  #visibleCount(i: number, visible: Visible | undefined): number {
    if (visible === undefined) return this.#counts[i]!;
    const per = this.#perArticle[i]!;
    let n = 0;
    for (let k = 0; k < per.length; k += 2) if (visible(this.#articles[per[k]!]!)) n += per[k + 1]!;
    return n;
  }

  #isVisible(i: number, visible: Visible | undefined): boolean {
    if (visible === undefined) return true;
    const per = this.#perArticle[i]!;
    for (let k = 0; k < per.length; k += 2) if (visible(this.#articles[per[k]!]!)) return true;
    return false;
  }

  /**
   * Finds an entity by any of its names, case- and accent-insensitively, tolerating typos.
   *
   * @example
   * table.find("puttin") // { match: { name: "Vladimir Putin", kind: "person", … } }
   * table.find("smith")  // { ambiguous: [ …two Smiths… ] }
   * table.find("zzz")    // { unknown: true, suggestions: [] }
   */
  find(query: string, options: { visible?: Visible } = {}): FindResult {
    const { visible } = options;
    const keys = queryKeys(query);
    if (keys.length === 0) return { unknown: true, suggestions: [] };
    const folded = nameWords(query).join(" ");

    // 1. A canonical name, exactly.
    const exactName = (this.#aliasIndex.get(folded) ?? []).filter(
      (i) => nameWords(this.#records[i]!.name).join(" ") === folded && this.#isVisible(i, visible),
    );
    if (exactName.length === 1) return { match: this.#entity(exactName[0]!) };

    // 2. Any alias, exactly.
    const hits = new Set<number>();
    for (const key of keys)
      for (const i of this.#aliasIndex.get(key) ?? []) if (this.#isVisible(i, visible)) hits.add(i);
    if (hits.size > 0) return this.#resolve([...hits]);

    // 3. An alias within a small edit distance.
    const key = keys[0]!;
    const max = allowedTypos(key.replace(/ /g, "").length);
    if (max > 0) {
      let best = max + 1;
      let found: number[] = [];
      for (let len = key.length - max; len <= key.length + max; len++) {
        for (const cand of this.#byLength.get(len) ?? []) {
          if (!samePrefixish(key, cand)) continue;
          const d = boundedDistance(key, cand, Math.min(best, max));
          if (d > max || d > best) continue;
          const ids = (this.#aliasIndex.get(cand) ?? []).filter((i) => this.#isVisible(i, visible));
          if (ids.length === 0) continue;
          if (d < best) {
            best = d;
            found = [];
          }
          for (const i of ids) if (!found.includes(i)) found.push(i);
        }
      }
      if (found.length > 0) return this.#resolve(found);
    }
    return { unknown: true, suggestions: this.#closest(key, visible) };
  }

  #resolve(ids: number[]): FindResult {
    if (ids.length === 1) return { match: this.#entity(ids[0]!) };
    ids.sort((a, b) => this.#compareByCount(a, b));
    // A person and the place/organisation named after them is not ambiguity worth asking about
    // when one dwarfs the other; but two people are always listed.
    return { ambiguous: ids.slice(0, 25).map((i) => this.#entity(i)) };
  }

  #closest(key: string, visible: Visible | undefined): string[] {
    const scored: { i: number; d: number }[] = [];
    const max = Math.max(2, Math.min(4, Math.floor(key.length / 2)));
    for (let len = key.length - max; len <= key.length + max; len++) {
      for (const cand of this.#byLength.get(len) ?? []) {
        if (!samePrefixish(key, cand)) continue;
        const d = boundedDistance(key, cand, max);
        if (d > max) continue;
        for (const i of this.#aliasIndex.get(cand) ?? [])
          if (this.#isVisible(i, visible)) scored.push({ i, d });
      }
    }
    // Prefix matches help too ("vlad" → Vladimir Putin).
    for (const { i } of this.#suggest(key, 5, visible, undefined)) scored.push({ i, d: max });
    scored.sort((a, b) => a.d - b.d || this.#compareByCount(a.i, b.i));
    const names: string[] = [];
    for (const { i } of scored) {
      const name = this.#records[i]!.name;
      if (!names.includes(name)) names.push(name);
      if (names.length === 5) break;
    }
    return names;
  }

  /**
   * Names starting with `prefix` (any alias, any word start of a name), most mentioned first:
   * the data an autocomplete needs.
   *
   * @example table.suggest("pu") // [{ name: "Vladimir Putin", kind: "person", count: 4 }]
   */
  suggest(
    prefix: string,
    options: { limit?: number; visible?: Visible; kinds?: readonly EntityKind[] } = {},
  ): Suggestion[] {
    const limit = Math.max(0, Math.min(options.limit ?? 25, 100));
    return this.#suggest(nameWords(prefix).join(" "), limit, options.visible, options.kinds).map(
      ({ i, count }) => ({
        name: label(this.#records[i]!.name),
        kind: this.#records[i]!.kind,
        count,
      }),
    );
  }

  #candidates(p: string): ArrayLike<number> & Iterable<number> {
    if (p.length === 0) return this.#byCount;
    if (p.length <= SHORT_PREFIX) return this.#shortPrefixes.get(p) ?? [];
    const found = new Set<number>();
    let lo = 0;
    let hi = this.#sortedKeys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#sortedKeys[mid]! < p) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < this.#sortedKeys.length; k++) {
      const key = this.#sortedKeys[k]!;
      if (!key.startsWith(p)) break;
      for (const i of this.#aliasIndex.get(key)!) found.add(i);
    }
    return [...found].sort((a, b) => this.#compareByCount(a, b));
  }

  #suggest(
    p: string,
    limit: number,
    visible: Visible | undefined,
    kinds: readonly EntityKind[] | undefined,
  ): { i: number; count: number }[] {
    const out: { i: number; count: number }[] = [];
    if (limit === 0) return out;
    let minKept = Number.POSITIVE_INFINITY;
    // candidates come sorted by total count, an upper bound of the visible count
    for (const i of this.#candidates(p)) {
      if (out.length >= limit && this.#counts[i]! <= minKept) break;
      if (kinds !== undefined && !kinds.includes(this.#records[i]!.kind)) continue;
      const count = this.#visibleCount(i, visible);
      if (count === 0) continue;
      out.push({ i, count });
      if (out.length >= limit) {
        out.sort((a, b) => b.count - a.count || this.#compareByCount(a.i, b.i));
        out.length = limit;
        minKept = out[out.length - 1]!.count;
      }
    }
    out.sort((a, b) => b.count - a.count || this.#compareByCount(a.i, b.i));
    return out.slice(0, limit);
  }

  /** A plain object for the index cache; `EntityTable.fromJSON` restores it. */
  toJSON(): EntityTableJSON {
    return {
      version: 1,
      articles: this.#articles,
      entities: this.#records.map((r) => ({
        id: r.id,
        name: r.name,
        kind: r.kind,
        aliases: r.aliases,
        roles: r.roles,
        m: Array.from(r.m),
        t: r.t,
      })),
    };
  }

  /** Restores a table from `toJSON()` output (or its JSON text parsed). Throws on a malformed value. */
  static fromJSON(json: unknown): EntityTable {
    const j = json as Partial<EntityTableJSON> | null;
    if (
      j === null ||
      typeof j !== "object" ||
      j.version !== 1 ||
      !Array.isArray(j.articles) ||
      !Array.isArray(j.entities)
    )
      throw new Error("entities: cached entity table is malformed or from another version");
    const records: EntityRecord[] = j.entities.map((e, n) => {
      if (
        typeof e?.id !== "string" ||
        typeof e.name !== "string" ||
        !KINDS.includes(e.kind) ||
        !Array.isArray(e.m)
      )
        throw new Error(`entities: cached entity table is malformed at entity ${n}`);
      return {
        id: e.id,
        name: e.name,
        kind: e.kind,
        aliases: e.aliases,
        roles: e.roles,
        m: Int32Array.from(e.m),
        t: e.t ?? {},
      };
    });
    return new EntityTable(j.articles, records);
  }

  /** Internal: index of an article id (for the builder and `who`). */
  articleIndex(id: string): number | undefined {
    return this.#articleIndex.get(id);
  }
}

export { fold };
