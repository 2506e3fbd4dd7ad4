import { describe, expect, it } from "vitest";
import { IngestError } from "../../src/ingest/errors.ts";
import { RateLimiter } from "../../src/ingest/rate-limit.ts";

function clock(start = 0) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("RateLimiter", () => {
  it("GIVEN a full bucket of 3 WHEN taking 4 at once THEN the 4th is refused with the wait until a token returns", () => {
    const time = clock();
    const limiter = new RateLimiter({ capacity: 3, refillEveryMs: 10_000, now: time.now });
    expect(limiter.take("a")).toEqual({ allowed: true, remaining: 2 });
    expect(limiter.take("a")).toEqual({ allowed: true, remaining: 1 });
    expect(limiter.take("a")).toEqual({ allowed: true, remaining: 0 });
    expect(limiter.take("a")).toEqual({ allowed: false, retryAfterMs: 10_000 });
    time.advance(4_000);
    expect(limiter.take("a")).toEqual({ allowed: false, retryAfterMs: 6_000 });
    time.advance(6_000);
    expect(limiter.take("a")).toEqual({ allowed: true, remaining: 0 });
  });

  it("GIVEN two servers WHEN one uses up its bucket THEN the other is unaffected", () => {
    const time = clock();
    const limiter = new RateLimiter({ capacity: 1, refillEveryMs: 1000, now: time.now });
    expect(limiter.take("a").allowed).toBe(true);
    expect(limiter.take("a").allowed).toBe(false);
    expect(limiter.take("b").allowed).toBe(true);
  });

  it("GIVEN a long pause WHEN taking again THEN the bucket refills only up to its capacity", () => {
    const time = clock(1_000_000);
    const limiter = new RateLimiter({ capacity: 2, refillEveryMs: 1000, now: time.now });
    limiter.take("a");
    limiter.take("a");
    time.advance(1_000_000);
    expect(limiter.take("a")).toEqual({ allowed: true, remaining: 1 });
    expect(limiter.take("a")).toEqual({ allowed: true, remaining: 0 });
    expect(limiter.take("a").allowed).toBe(false);
  });

  it("GIVEN an empty bucket WHEN takeOrThrow is called THEN a user-facing IngestError says when to retry", () => {
    const time = clock();
    const limiter = new RateLimiter({ capacity: 1, refillEveryMs: 90_000, now: time.now });
    limiter.takeOrThrow("g");
    time.advance(30_000);
    try {
      limiter.takeOrThrow("g");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(IngestError);
      expect((error as IngestError).code).toBe("rate-limited");
      expect((error as IngestError).message).toBe(
        "slow down: this server can add up to 1 article in a row, then one every 1 min 30 s; try again in 1 min",
      );
    }
  });

  it("GIVEN a clock that goes backwards WHEN taking THEN no tokens are created", () => {
    const time = clock(10_000);
    const limiter = new RateLimiter({ capacity: 1, refillEveryMs: 1000, now: time.now });
    limiter.take("a");
    time.advance(-5000);
    expect(limiter.take("a").allowed).toBe(false);
  });
});
