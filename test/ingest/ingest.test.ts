import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Newsdesk } from "../../src/core/desk.ts";
import { parseAllowlist } from "../../src/ingest/address.ts";
import type { IngestError } from "../../src/ingest/errors.ts";
import { type IngestContext, ingestFile, ingestText, ingestUrl } from "../../src/ingest/ingest.ts";
import { RateLimiter } from "../../src/ingest/rate-limit.ts";
import { loadKnowledge } from "../../src/knowledge.ts";
import { type LocalServer, startServer } from "./local-server.ts";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/ingest/${name}`, import.meta.url));
const A = "555555555555555555";
const B = "666666666666666666";

let dir: string;
let server: LocalServer;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "newsdesk-ingest-"));
  server = await startServer((req, res) => {
    const routes: Record<string, [string, Buffer | string]> = {
      "/bridge": ["text/html; charset=utf-8", fixture("news-full.html")],
      "/cafe": ["text/html", fixture("cp1252.html")],
      "/notes.txt": ["text/plain; charset=utf-8", "Ferry notes\n\nThe winter ferry leaves at seven.\n"],
      "/feed": ["application/rss+xml", fixture("rss-valid.xml")],
    };
    const route = routes[req.url ?? ""];
    if (!route) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { "content-type": route[0] });
    res.end(route[1]);
  });
});
afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const context = (over: Partial<IngestContext> = {}): IngestContext => ({
  knowledgeDir: dir,
  allowlist: parseAllowlist(server.hostPort),
  ...over,
});

describe("ingestion pipeline", () => {
  it("GIVEN a news page WHEN ingested for server A THEN it is saved under A only and loads with its metadata", async () => {
    const result = await ingestUrl(`${server.origin}/bridge`, A, context());
    expect(result.saved.id).toBe(`guilds/${A}/2025-10-16-harbour-bridge-reopens-after-two-years-of-repairs`);
    expect(result.parsed.id).toBe(result.saved.id);
    expect(result.parsed.guild).toBe(A);
    expect(result.parsed.sentences.length).toBeGreaterThanOrEqual(5);
    const { articles, warnings } = await loadKnowledge(dir);
    expect(warnings).toEqual([]);
    expect(articles).toHaveLength(1);
    expect(articles[0]).toMatchObject({
      guild: A,
      title: "Harbour bridge reopens after two years of repairs",
      date: "2025-10-16T08:30:00+02:00",
      source: "The Coastal Courier",
      url: `${server.origin}/local/harbour-bridge-reopens`, // the relative canonical link, resolved
      author: "Mira Okafor",
    });
    expect(articles[0]!.sentences.some((s) => s.text.includes("48 million euros"))).toBe(true);
    expect(articles[0]!.sentences).toEqual(result.parsed.sentences);
  });

  it("GIVEN a page ingested for server A WHEN asked about it THEN A gets a cited answer from it and B does not see it", async () => {
    const shared = await ingestText(
      "Ferry timetable",
      "The winter ferry to the islands leaves the harbour at seven every morning.",
      null,
      context(),
    );
    const desk = Newsdesk.build((await loadKnowledge(dir)).articles);
    const result = await ingestUrl(`${server.origin}/bridge`, A, context());
    desk.update({ upsert: [result.parsed] }); // what live reload does when the file appears
    const question = "How much did the harbour bridge repairs cost?";
    const inA = desk.ask(question, { guild: A });
    expect(inA.status).toBe("ok");
    expect(inA.results[0]?.citation.article).toBe(result.saved.id);
    expect(inA.results[0]?.text).toContain("48 million euros");
    const inB = desk.ask(question, { guild: B });
    expect(inB.results.map((r) => r.citation.article)).not.toContain(result.saved.id);
    expect(desk.ask("When does the winter ferry leave?", { guild: B }).results[0]?.citation.article).toBe(
      shared.saved.id,
    );
  });

  it("GIVEN an article already added WHEN ingested again in the same server THEN it is a duplicate, but server B can add it", async () => {
    await ingestUrl(`${server.origin}/bridge`, A, context());
    await expect(ingestUrl(`${server.origin}/bridge`, A, context())).rejects.toMatchObject({
      code: "duplicate",
    });
    const b = await ingestUrl(`${server.origin}/bridge`, B, context());
    expect(b.saved.id.startsWith(`guilds/${B}/`)).toBe(true);
  });

  it("GIVEN an empty allow-list WHEN a loopback URL is ingested THEN it is refused before any connection", async () => {
    await expect(ingestUrl(`${server.origin}/bridge`, A, context({ allowlist: [] }))).rejects.toThrow(
      `refused: 127.0.0.1 is a loopback address; add ${server.hostPort} to INGEST_ALLOWLIST to allow it`,
    );
    expect(server.connections()).toBe(0);
  });

  it("GIVEN a feed URL WHEN ingested as an article THEN it is refused with a hint to follow it as a feed", async () => {
    await expect(ingestUrl(`${server.origin}/feed`, A, context())).rejects.toThrow(
      /follow feeds with \/feed add/,
    );
  });

  it("GIVEN a windows-1252 page and a plain-text page WHEN ingested THEN both are decoded and saved", async () => {
    const cafe = await ingestUrl(`${server.origin}/cafe`, null, context());
    expect(cafe.article.title).toBe("Café owners protest “unfair” terrace fees");
    expect(cafe.saved.id).toBe("ingested/undated-cafe-owners-protest-unfair-terrace-fees");
    const notes = await ingestUrl(`${server.origin}/notes.txt`, null, context());
    expect(notes.article).toMatchObject({
      title: "Ferry notes",
      url: `${server.origin}/notes.txt`,
      source: "127.0.0.1",
    });
  });

  it("GIVEN a rate limit of 2 WHEN a server ingests 3 times THEN the third is refused but another server may go on", async () => {
    const limiter = new RateLimiter({ capacity: 2, refillEveryMs: 60_000, now: () => 0 });
    await ingestText("One", "First text.", A, context({ limiter }));
    await ingestText("Two", "Second text.", A, context({ limiter }));
    const error = await ingestText("Three", "Third text.", A, context({ limiter })).catch((e: unknown) => e);
    expect((error as IngestError).code).toBe("rate-limited");
    await ingestText("Three", "Third text.", B, context({ limiter }));
  });

  it("GIVEN uploads WHEN ingested THEN .md keeps its front matter and oversized files are refused", async () => {
    const md = Buffer.from(
      '---\ntitle: "Port strike ends"\ndate: 2025-10-01\n---\n\nDockers returned to work.\n',
    );
    const result = await ingestFile("strike.md", md, A, context());
    expect(result.saved.id).toBe(`guilds/${A}/2025-10-01-port-strike-ends`);
    await expect(ingestFile("big.txt", Buffer.alloc(3 * 1024 * 1024, 97), A, context())).rejects.toThrow(
      "refused: big.txt is larger than 2 MB",
    );
  });
});
