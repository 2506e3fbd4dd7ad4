import { describe, expect, it } from "vitest";
import type { Desk } from "../../commands/types.ts";
import { Newsdesk } from "../../src/core/desk.ts";
import { Lru, memoizeDesk } from "../../src/http/memo.ts";
import { loadKnowledge } from "../../src/knowledge.ts";

describe("answer memo", () => {
  it("GIVEN a full LRU WHEN a new key arrives THEN the least recently used one goes", () => {
    const lru = new Lru<number>(2);
    lru.set("a", 1);
    lru.set("b", 2);
    expect(lru.get("a")).toBe(1); // a is now the most recent
    lru.set("c", 3);
    expect(lru.get("b")).toBeUndefined();
    expect(lru.get("a")).toBe(1);
    expect(lru.get("c")).toBe(3);
    expect(lru.size).toBe(2);
  });

  it("GIVEN a memoised desk THEN equal questions share one computed answer, different ones do not, and other members pass through", async () => {
    const { articles } = await loadKnowledge("test/fixtures/discord");
    const desk = Newsdesk.build(articles);
    let asks = 0;
    const counting = new Proxy(desk, {
      get(target, prop) {
        if (prop === "ask") {
          return (...args: Parameters<Desk["ask"]>) => {
            asks++;
            return target.ask(...args);
          };
        }
        const v = Reflect.get(target, prop);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const memo = memoizeDesk(counting, { entries: 10 });
    const first = memo.ask("harbour", { limit: 4, offset: 0 });
    expect(memo.ask("harbour", { limit: 4, offset: 0 })).toBe(first);
    expect(asks).toBe(1);
    expect(memo.ask("harbour", { limit: 4, offset: 3 })).not.toBe(first);
    expect(asks).toBe(2);
    expect(first).toEqual(desk.ask("harbour", { limit: 4, offset: 0 }));
    expect(memo.articles.length).toBe(desk.articles.length);
    expect(memo.sentenceCount).toBe(desk.sentenceCount);
    expect(memo.memoStats()).toEqual({ hits: 1, misses: 2, size: 2 });
  });
  it("GIVEN a memoised answer WHEN the knowledge is updated through the memo THEN the next ask is computed afresh", async () => {
    const { articles } = await loadKnowledge("test/fixtures/discord");
    const memo = memoizeDesk(Newsdesk.build(articles));
    const before = memo.ask("lighthouse keeper");
    expect(memo.ask("lighthouse keeper")).toBe(before);
    const extra = (await loadKnowledge("knowledge")).articles;
    memo.update({ upsert: extra });
    const after = memo.ask("lighthouse keeper");
    expect(after).not.toBe(before);
    expect(memo.memoStats().size).toBe(1);
    expect(memo.articles.length).toBe(articles.length + extra.length);
  });
});
