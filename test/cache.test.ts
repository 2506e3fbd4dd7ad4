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
  it("GIVEN warm: true WHEN opened THEN the term cache fills in the background and answers stay the same", async () => {
    const plain = await openKnowledge(knowledge, { cacheDir: null });
    const opened = await openKnowledge(knowledge, { cacheDir: null, warm: true });
    expect(plain.warmed).toBeNull();
    expect(opened.warmed).not.toBeNull();
    await opened.warmed; // fixtures are small: no word is in 50 articles, so nothing to cache
    const warmed = warmInBackground(opened.desk, { minArticles: 2, sliceMs: 0 });
    // Slices yield to the event loop: a timer set now runs before the warm-up is over.
    let interleaved = false;
    setImmediate(() => {
      interleaved = opened.desk.index.termCacheSize.terms < 5;
    });
    const terms = await warmed.done;
    expect(terms).toBeGreaterThan(5);
    expect(interleaved).toBe(true);
    expect(opened.desk.index.termCacheSize.terms).toBe(terms);
    for (const q of ["strike members", "bread prices", "ferry"]) {
      expect(opened.desk.ask(q)).toEqual(plain.desk.ask(q));
    }
  });
});
