import { cpSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cachePath, openKnowledge, warmInBackground } from "../src/cache.ts";
import type { Logger } from "../src/core/types.ts";

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (m: string) => lines.push(m);
  return { lines, debug: push, info: push, warn: push, error: push };
}

let work: string;
let knowledge: string;
let cacheDir: string;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "newsdesk-cache-"));
  knowledge = join(work, "knowledge");
  cacheDir = join(work, ".cache");
  cpSync("test/fixtures/desk", knowledge, { recursive: true });
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

describe("the index cache", () => {
  it("GIVEN a first start WHEN started again THEN the index comes from the cache and answers alike", async () => {
    const first = await openKnowledge(knowledge, { cacheDir });
    expect(first.cached).toBe(false);
    const second = await openKnowledge(knowledge, { cacheDir });
    expect(second.cached).toBe(true);
    for (const q of ["strike members", "bread prices", "ferry"]) {
      expect(second.desk.ask(q)).toEqual(first.desk.ask(q));
    }
    expect(second.desk.who("Okonkwo")).toEqual(first.desk.who("Okonkwo"));
    expect(readdirSync(cacheDir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("GIVEN a changed article WHEN started again THEN the stale cache is rebuilt with the new text", async () => {
    await openKnowledge(knowledge, { cacheDir });
    writeFileSync(
      join(knowledge, "new.md"),
      "---\ntitle: Lighthouse keeper retires\n---\n\nThe lighthouse keeper retired after forty years.\n",
    );
    const logger = recordingLogger();
    const again = await openKnowledge(knowledge, { cacheDir, logger });
    expect(again.cached).toBe(false);
    expect(logger.lines.join("\n")).toMatch(/knowledge changed; rebuilding/);
    expect(again.desk.ask("lighthouse keeper").results[0]?.citation.article).toBe("new");
  });

  it("GIVEN files touched but unchanged (a fresh clone) WHEN started THEN the cache still serves", async () => {
    await openKnowledge(knowledge, { cacheDir });
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(knowledge, "harbour-strike.md"), later, later);
    const again = await openKnowledge(knowledge, { cacheDir });
    expect(again.cached).toBe(true);
    expect(again.desk.ask("strike").status).toBe("ok");
  });

  it("GIVEN a corrupted cache file WHEN started THEN it warns, rebuilds and answers", async () => {
    await openKnowledge(knowledge, { cacheDir });
    writeFileSync(cachePath(cacheDir, [knowledge]), Buffer.from("not a cache at all"));
    const logger = recordingLogger();
    const opened = await openKnowledge(knowledge, { cacheDir, logger });
    expect(opened.cached).toBe(false);
    expect(logger.lines.join("\n")).toMatch(/cache: .*rebuilding the index/);
    expect(opened.desk.ask("strike").status).toBe("ok");
    expect((await openKnowledge(knowledge, { cacheDir })).cached).toBe(true);
  });

  it("GIVEN two knowledge folders WHEN opened together THEN ids carry the folder name", async () => {
    const other = join(work, "other");
    cpSync("test/fixtures/desk/bakery-prices.md", join(other, "bakery-prices.md"), { recursive: true });
    const opened = await openKnowledge([knowledge, other], { cacheDir: null });
    const ids = opened.desk.articles.map((a) => a.id);
    expect(ids).toContain("knowledge/harbour-strike");
    expect(ids).toContain("other/bakery-prices");
  });
});

describe("background warm-up", () => {
  it("GIVEN warm: true WHEN opened THEN every word's stage-1 results are cached in the background, and answers stay the same", async () => {
    const plain = await openKnowledge(knowledge, { cacheDir: null });
    const opened = await openKnowledge(knowledge, { cacheDir: null, warm: true });
    expect(plain.warmed).toBeNull();
    expect(opened.desk.index.termCacheSize.terms).toBe(0); // nothing yet: the warm-up runs later
    const terms = await opened.warmed;
    expect(terms).toBeGreaterThan(20);
    expect(opened.desk.index.termCacheSize.terms).toBe(terms);
    for (const q of ["strike members", "bread prices", "ferry"]) {
      expect(opened.desk.ask(q)).toEqual(plain.desk.ask(q));
    }
  });

  it("GIVEN a warmed desk WHEN the knowledge changes THEN the emptied term cache fills again", async () => {
    const opened = await openKnowledge(knowledge, { cacheDir: null, warm: true });
    const before = (await opened.warmed) ?? 0;
    const article = { ...opened.desk.articles[0]!, id: "extra.md", title: "Lighthouse keepers" };
    opened.desk.update({
      upsert: [
        {
          ...article,
          sentences: [{ text: "Lighthouse keepers voted to strike.", paragraph: 1, position: 1 }],
        },
      ],
    });
    expect(opened.desk.index.termCacheSize.terms).toBe(0);
    const until = Date.now() + 5000;
    while (opened.desk.index.termCacheSize.terms <= before && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(opened.desk.index.termCacheSize.terms).toBeGreaterThan(before); // "lighthouse", "keeper" too
  });

  it("GIVEN a warm-up in slices THEN other work on the event loop runs before it is over", async () => {
    const { desk } = await openKnowledge(knowledge, { cacheDir: null });
    const warmed = warmInBackground(desk, { minArticles: 2, sliceMs: 0 });
    let interleaved = false;
    setImmediate(() => {
      interleaved = desk.index.termCacheSize.terms < 5;
    });
    const terms = await warmed.done;
    expect(terms).toBeGreaterThan(5);
    expect(interleaved).toBe(true);
    expect(desk.index.termCacheSize.terms).toBe(terms);
  });
});
