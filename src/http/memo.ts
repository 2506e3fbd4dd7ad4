/**
 * A bounded LRU memo in front of the desk's read-only questions. The knowledge only changes through
 * update, so the same question gets the same answer until the knowledge changes: popular questions, paging
 * through an answer (each click re-asks with an offset) and autocomplete (many people typing the same
 * prefixes) are served from memory. `update` (watcher, /ingest) empties it. Bounded by entry count; per
 * process, so replicas still share nothing.
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

/**
 * Wraps `desk` so its question methods are memoised by their arguments; other properties pass through.
 * Results are shared between callers, so they must be treated as read-only (the renderers copy).
 */
export function memoizeDesk<D extends Desk>(
  desk: D,
  options: { entries?: number } = {},
): D & { memoStats(): MemoStats } {
  const cache = new Lru<unknown>(options.entries ?? 5000);
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
      cache.set(key, value);
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
