import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { IngestError } from "../../src/ingest/errors.ts";
import { extractArticle } from "../../src/ingest/extract.ts";
import {
  extractArticleOffThread,
  extractWorkerState,
  stopExtractWorker,
} from "../../src/ingest/extract-pool.ts";

const html = (name: string) => readFileSync(new URL(`../fixtures/ingest/${name}`, import.meta.url), "utf8");

afterAll(async () => {
  await stopExtractWorker();
});

function bigPage(bytes: number): string {
  let page = "<html><head><title>Big</title></head><body><article>";
  for (let i = 0; page.length < bytes; i++) {
    page += `<div class="c${i % 7}"><p>Paragraph ${i} of a long page, with words, commas, and a <a href="/x${i}">link</a>.</p></div>`;
  }
  return `${page}</article></body></html>`;
}

describe("extraction off the main thread", () => {
  it("GIVEN fixture pages WHEN extracted on the worker THEN the results equal the main-thread ones", async () => {
    for (const name of ["news-full.html", "news-bare.html", "news-jsonld.html", "paywall.html"]) {
      const url = `https://site.example/${name}`;
      expect(await extractArticleOffThread(html(name), url)).toEqual(extractArticle(html(name), url));
    }
    expect(extractWorkerState()).toBe("worker");
  });

  it("GIVEN a page without an article WHEN extracted on the worker THEN the same IngestError comes back", async () => {
    const error = await extractArticleOffThread(html("not-an-article.html"), "https://x.example/login").catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(IngestError);
    expect((error as IngestError).code).toBe("extract");
    expect((error as IngestError).message).toMatch(
      /^extract: https:\/\/x\.example\/login: no article text found/,
    );
  });

  it("GIVEN a 1.5 MB page WHEN extracted on the worker THEN the main thread keeps running timers meanwhile", async () => {
    const page = bigPage(1.5 * 1024 * 1024);
    let ticks = 0;
    let longestGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
      ticks++;
    }, 10);
    const started = performance.now();
    const article = await extractArticleOffThread(page, "https://x.example/big");
    const took = performance.now() - started;
    clearInterval(timer);
    expect(article.paragraphs.length).toBeGreaterThan(5000);
    console.info(
      `off-thread extraction of 1.5 MB: ${took.toFixed(0)} ms, longest main-thread timer gap ${longestGap.toFixed(0)} ms`,
    );
    expect(ticks).toBeGreaterThan(took / 10 / 4);
  });
});
