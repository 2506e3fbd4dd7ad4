import { cpSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openKnowledge } from "../src/cache.ts";
import type { Newsdesk } from "../src/core/desk.ts";
import { type KnowledgeWatcher, type UpdateResult, watchKnowledge } from "../src/watch.ts";

let work: string;
let dir: string;
let desk: Newsdesk;
let watcher: KnowledgeWatcher;
let updates: UpdateResult[];

/** Resolves at the next applied batch (or fails after `ms`). */
function nextUpdate(ms = 8000): Promise<UpdateResult> {
  const seen = updates.length;
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      if (updates.length > seen) {
        clearInterval(poll);
        resolve(updates[updates.length - 1]!);
      } else if (Date.now() - started > ms) {
        clearInterval(poll);
        reject(new Error("no live update within the time limit"));
      }
    }, 20);
  });
}

beforeEach(async () => {
  work = mkdtempSync(join(tmpdir(), "newsdesk-watch-"));
  dir = join(work, "knowledge");
  cpSync("test/fixtures/desk", dir, { recursive: true });
  ({ desk } = await openKnowledge(dir, { cacheDir: join(work, ".cache") }));
  updates = [];
  watcher = watchKnowledge(dir, desk, {
    debounceMs: 100,
    cacheDir: join(work, ".cache"),
    onUpdate: (u) => updates.push(u),
  });
  await watcher.ready;
});

afterEach(async () => {
  await watcher.close();
  rmSync(work, { recursive: true, force: true });
});

const NEW_ARTICLE = `---
title: "Lighthouse keeper retires"
date: "2026-06-01"
source: "Test Wire"
---

The lighthouse keeper of Port Halvern retired after forty years of service.
`;

describe("live reload", () => {
  it("GIVEN a file added, changed and removed WHEN the folder changes THEN answers follow within seconds", async () => {
    const started = Date.now();
    writeFileSync(join(dir, "keeper.md"), NEW_ARTICLE);
    expect((await nextUpdate()).added).toBe(1);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(desk.ask("lighthouse keeper retired").results[0]?.citation.article).toBe("keeper");

    writeFileSync(join(dir, "keeper.md"), NEW_ARTICLE.replace("forty", "fifty"));
    expect((await nextUpdate()).replaced).toBe(1);
    expect(desk.ask("lighthouse keeper").results[0]?.text).toMatch(/fifty years/);

    unlinkSync(join(dir, "keeper.md"));
    expect((await nextUpdate()).removed).toBe(1);
    expect(desk.ask("lighthouse keeper retired").results.map((r) => r.citation.article)).not.toContain(
      "keeper",
    );
  });

  it("GIVEN a server's folder WHEN an article lands there THEN only that server sees it", async () => {
    mkdirSync(join(dir, "guilds", "333333333333333333"), { recursive: true });
    writeFileSync(join(dir, "guilds", "333333333333333333", "keeper.md"), NEW_ARTICLE);
    await nextUpdate();
    expect(desk.ask("lighthouse keeper", { guild: "333333333333333333" }).status).toBe("ok");
    expect(desk.ask("lighthouse keeper", { guild: "444444444444444444" }).status).toBe("no-match");
  });

  it("GIVEN an article broken by an edit WHEN reloaded THEN it leaves with a warning and the rest stays", async () => {
    writeFileSync(join(dir, "harbour-strike.md"), Buffer.from([0x00, 0x01, 0x02]));
    const update = await nextUpdate();
    expect(update.removed).toBe(1);
    expect(update.warnings[0]).toMatchObject({ file: "harbour-strike.md" });
    expect(desk.ask("bread prices").status).toBe("ok");
  });

  it("GIVEN a live update WHEN the bot restarts THEN the refreshed cache already has it", async () => {
    writeFileSync(join(dir, "keeper.md"), NEW_ARTICLE);
    await nextUpdate();
    await watcher.close();
    const again = await openKnowledge(dir, { cacheDir: join(work, ".cache") });
    expect(again.cached).toBe(true);
    expect(again.desk.ask("lighthouse keeper").results[0]?.citation.article).toBe("keeper");
  });

  it("GIVEN temp files and other extensions WHEN written THEN they are ignored", async () => {
    writeFileSync(join(dir, ".keeper.md.tmp"), NEW_ARTICLE);
    writeFileSync(join(dir, "notes.json"), "{}");
    writeFileSync(join(dir, "keeper.md"), NEW_ARTICLE);
    const update = await nextUpdate();
    expect(update).toMatchObject({ added: 1, replaced: 0, removed: 0 });
    expect(desk.articles.map((a) => a.id).filter((id) => id.includes("keeper"))).toEqual(["keeper"]);
  });
});
