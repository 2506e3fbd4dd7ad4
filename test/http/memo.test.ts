import { describe, expect, it } from "vitest";
import type { Desk } from "../../commands/types.ts";
import { Newsdesk } from "../../src/core/desk.ts";
import { Doorkeeper, Lru, memoizeDesk } from "../../src/http/memo.ts";
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

  /** A desk over the Discord fixtures that counts its `ask` calls. */
  async function countingDesk() {
    const { articles } = await loadKnowledge("test/fixtures/discord");
    const desk = Newsdesk.build(articles);
    const count = { asks: 0 };
    const counting = new Proxy(desk, {
      get(target, prop) {
        if (prop === "ask") {
          return (...args: Parameters<Desk["ask"]>) => {
            count.asks++;
            return target.ask(...args);
          };
        }
        const v = Reflect.get(target, prop);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    return { desk, counting, count };
  }

  it("GIVEN a memoised desk THEN a question asked a second time is kept and shared from then on, different ones are not, and other members pass through", async () => {
    const { desk, counting, count } = await countingDesk();
    const memo = memoizeDesk(counting, { entries: 10 });
    const first = memo.ask("harbour", { limit: 4, offset: 0 });
    const second = memo.ask("harbour", { limit: 4, offset: 0 }); // seen before: computed and kept
    expect(count.asks).toBe(2);
    expect(second).toEqual(first);
    expect(memo.ask("harbour", { limit: 4, offset: 0 })).toBe(second);
    expect(count.asks).toBe(2);
    expect(memo.ask("harbour", { limit: 4, offset: 3 })).not.toBe(second);
    expect(count.asks).toBe(3);
    expect(first).toEqual(desk.ask("harbour", { limit: 4, offset: 0 }));
    expect(memo.articles.length).toBe(desk.articles.length);
    expect(memo.sentenceCount).toBe(desk.sentenceCount);
    expect(memo.memoStats()).toEqual({ hits: 1, misses: 3, size: 1 });
  });

  it("GIVEN questions each asked once WHEN they come THEN none enters the memo; those asked again do", async () => {
    const { counting } = await countingDesk();
    const memo = memoizeDesk(counting, { entries: 50 });
    const questions = Array.from({ length: 300 }, (_, i) => `harbour ${i}`);
    for (const q of questions) memo.ask(q);
    expect(memo.memoStats().size).toBe(0);
    // The doorkeeper remembers the last 200 keys (4 x entries): recent questions asked again are kept.
    for (const q of questions.slice(-7)) memo.ask(q);
    expect(memo.memoStats().size).toBe(7);
  });

  it("GIVEN admit: first THEN the first answer is kept at once", async () => {
    const { counting, count } = await countingDesk();
    const memo = memoizeDesk(counting, { entries: 10, admit: "first" });
    const first = memo.ask("harbour");
    expect(memo.ask("harbour")).toBe(first);
    expect(count.asks).toBe(1);
  });

  it("GIVEN a doorkeeper WHEN keys come THEN each is new once, then seen, until it has recorded its capacity and starts afresh", () => {
    const keeper = new Doorkeeper(100);
    expect(keeper.seen('ask\u0000["harbour"]')).toBe(false);
    expect(keeper.seen('ask\u0000["harbour"]')).toBe(true);
    expect(keeper.seen('ask\u0000["harbours"]')).toBe(false);
    const keys = Array.from({ length: 98 }, (_, i) => `key ${i}`);
    for (const k of keys) expect(keeper.seen(k)).toBe(false);
    for (const k of keys) expect(keeper.seen(k)).toBe(true);
    expect(keeper.seen("one more")).toBe(false); // the 101st key: it starts afresh
    expect(keeper.seen("key 0")).toBe(false);
    expect(keeper.seen("one more")).toBe(true);
  });
  it("GIVEN a memoised answer WHEN the knowledge is updated through the memo THEN the next ask is computed afresh", async () => {
    const { articles } = await loadKnowledge("test/fixtures/discord");
    const memo = memoizeDesk(Newsdesk.build(articles));
    memo.ask("lighthouse keeper");
    const before = memo.ask("lighthouse keeper"); // asked before: kept
    expect(memo.ask("lighthouse keeper")).toBe(before);
    const extra = (await loadKnowledge("knowledge")).articles;
    memo.update({ upsert: extra });
    const after = memo.ask("lighthouse keeper");
    expect(after).not.toBe(before);
    expect(memo.memoStats().size).toBe(1);
    expect(memo.articles.length).toBe(articles.length + extra.length);
  });
});
