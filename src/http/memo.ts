/**
 * A bounded LRU memo in front of the desk's read-only questions. The knowledge only changes through
 * update, so the same question gets the same answer until the knowledge changes: popular questions, paging
 * through an answer (each click re-asks with an offset) and autocomplete (many people typing the same
 * prefixes) are served from memory. `update` (watcher, /ingest) empties it. Bounded by entry count; per
 * process, so replicas still share nothing.
 *
 * An answer is admitted the second time its question comes (see `Doorkeeper`), so the many questions
 * asked only once never enter it.
 *
 * @example
 * const fast = memoizeDesk(desk, { entries: 5000 });
 * fast.ask("Where did Assad flee?"); // computed; the second call is a map lookup
 */
import type { Desk } from "../../commands/types.ts";

const METHODS = [
  "ask",
  "who",
  "summary",
  "listArticles",
  "context",
  "suggestEntities",
  "suggestArticles",
] as const satisfies readonly (keyof Desk)[];

export interface MemoStats {
  hits: number;
  misses: number;
  size: number;
}

/** Least recently used first out; `get` refreshes an entry. */
export class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(readonly capacity: number) {}

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
  }

  get size(): number {
    return this.map.size;
  }

  clear(): void {
    this.map.clear();
  }
}

/** FNV-1a over UTF-16 code units; never 0 (the empty slot). */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0 || 1;
}

/**
 * Which keys came recently, as 32-bit hashes in one fixed typed array (no object per key). The memo
 * admits an answer only when its key was seen before: with a different question every time, every
 * admitted answer would outlive a few young-generation collections only to be evicted later, copied
 * twice and promoted to the old generation, whose growth brings on the next full collection (the pause
 * that sets the load bench's p99). Once it holds `capacity` keys it forgets them all, so "before"
 * means "recently". Two keys with one hash count as seen: at worst an answer is admitted early.
 */
export class Doorkeeper {
  private readonly table: Uint32Array;
  private readonly mask: number;
  private count = 0;

  constructor(readonly capacity: number) {
    let size = 2;
    while (size < capacity * 2) size *= 2;
    this.table = new Uint32Array(size);
    this.mask = size - 1;
  }

  /** Whether `key` was recorded since the last reset; records it when it was not. */
  seen(key: string): boolean {
    const h = hash32(key);
    let i = h & this.mask;
    for (let v = this.table[i]!; v !== 0; v = this.table[i]!) {
      if (v === h) return true;
      i = (i + 1) & this.mask;
    }
    if (this.count >= this.capacity) {
      this.table.fill(0);
      this.count = 0;
      i = h & this.mask;
    }
    this.table[i] = h;
    this.count++;
    return false;
  }
}

/**
 * Wraps `desk` so its question methods are memoised by their arguments; other properties pass through.
 * Results are shared between callers, so they must be treated as read-only (the renderers copy).
 */
export function memoizeDesk<D extends Desk>(
  desk: D,
  options: {
    entries?: number;
    /** "second" (default): an answer is kept from the second time its question comes; "first": at once. */
    admit?: "first" | "second";
  } = {},
): D & { memoStats(): MemoStats } {
  const entries = options.entries ?? 5000;
  const cache = new Lru<unknown>(entries);
  const doorkeeper = options.admit === "first" ? null : new Doorkeeper(entries * 4);
  const stats = { hits: 0, misses: 0 };
  const wrapped = new Map<PropertyKey, unknown>();
  for (const name of METHODS) {
    const fn = (desk as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
    if (typeof fn !== "function") continue;
    wrapped.set(name, (...args: unknown[]) => {
      const key = `${name}\u0000${JSON.stringify(args)}`;
      const hit = cache.get(key);
      if (hit !== undefined) {
        stats.hits++;
        return hit;
      }
      stats.misses++;
      const value = fn.apply(desk, args);
      if (doorkeeper === null || doorkeeper.seen(key)) cache.set(key, value);
      return value;
    });
  }
  wrapped.set("memoStats", () => ({ ...stats, size: cache.size }));
  // The knowledge can change (watcher, /ingest): an update empties the memo in the same synchronous step,
  // so no answer from before it is served after it. Updates must go through this wrapper.
  const update = (desk as unknown as { update?: (...a: unknown[]) => unknown }).update;
  if (typeof update === "function") {
    wrapped.set("update", (...args: unknown[]) => {
      const result = update.apply(desk, args);
      cache.clear();
      return result;
    });
  }
  return new Proxy(desk, {
    get(target, prop) {
      if (wrapped.has(prop)) return wrapped.get(prop);
      const v = Reflect.get(target, prop); // the target as receiver: getters may use private fields
      return typeof v === "function" ? v.bind(target) : v;
    },
  }) as D & { memoStats(): MemoStats };
}
