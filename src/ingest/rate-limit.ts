/**
 * A token bucket per key (per Discord server for ingestion). Pure: the clock is injected.
 *
 * @example
 * const limiter = new RateLimiter({ capacity: 5, refillEveryMs: 60_000 });
 * limiter.take("guild-1"); // { allowed: true, remaining: 4 }
 */
import { IngestError } from "./errors.ts";

export interface RateLimitOptions {
  /** Tokens a full bucket holds: the burst allowed (default 5). */
  readonly capacity?: number;
  /** One token comes back every this many milliseconds (default 60 s). */
  readonly refillEveryMs?: number;
  readonly now?: () => number;
}

export type TakeResult =
  | { readonly allowed: true; readonly remaining: number }
  | { readonly allowed: false; readonly retryAfterMs: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class RateLimiter {
  readonly capacity: number;
  readonly refillEveryMs: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: RateLimitOptions = {}) {
    this.capacity = options.capacity ?? 5;
    this.refillEveryMs = options.refillEveryMs ?? 60_000;
    this.#now = options.now ?? Date.now;
    if (!(this.capacity >= 1) || !(this.refillEveryMs > 0)) {
      throw new Error("RateLimiter: capacity must be at least 1 and refillEveryMs positive");
    }
  }

  #bucket(key: string, now: number): Bucket {
    const bucket = this.#buckets.get(key) ?? { tokens: this.capacity, updatedAt: now };
    const elapsed = Math.max(0, now - bucket.updatedAt);
    bucket.tokens = Math.min(this.capacity, bucket.tokens + elapsed / this.refillEveryMs);
    bucket.updatedAt = now;
    return bucket;
  }

  /** Takes `cost` tokens from `key`'s bucket if it has them. */
  take(key: string, cost = 1): TakeResult {
    const now = this.#now();
    const bucket = this.#bucket(key, now);
    if (bucket.tokens + 1e-9 >= cost) {
      bucket.tokens -= cost;
      this.#buckets.set(key, bucket);
      this.#prune(now);
      return { allowed: true, remaining: Math.floor(bucket.tokens + 1e-9) };
    }
    this.#buckets.set(key, bucket);
    return { allowed: false, retryAfterMs: Math.ceil((cost - bucket.tokens) * this.refillEveryMs - 1e-6) };
  }

  /** Like `take`, but throws an IngestError (`rate-limited`) telling the user when to try again. */
  takeOrThrow(key: string, cost = 1): number {
    const result = this.take(key, cost);
    if (result.allowed) return result.remaining;
    const seconds = Math.ceil(result.retryAfterMs / 1000);
    throw new IngestError(
      "rate-limited",
      `slow down: this server can add up to ${this.capacity} article${this.capacity === 1 ? "" : "s"} in a row, then one every ${formatDuration(this.refillEveryMs)}; try again in ${formatDuration(seconds * 1000)}`,
    );
  }

  /** Forgets buckets that have refilled completely (they behave exactly like absent ones). */
  #prune(now: number): void {
    if (this.#buckets.size < 1000) return;
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.updatedAt) / this.refillEveryMs >= this.capacity)
        this.#buckets.delete(key);
    }
  }
}

function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}
