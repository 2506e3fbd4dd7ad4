import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseAllowlist } from "../../src/ingest/address.ts";
import { IngestError } from "../../src/ingest/errors.ts";
import { FeedPoller, type FeedPollerOptions, parseFeed } from "../../src/ingest/feeds.ts";
import { ingestUrl } from "../../src/ingest/ingest.ts";
import { type LocalServer, startServer } from "./local-server.ts";

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/ingest/${name}`, import.meta.url), "utf8");
const MINUTE = 60_000;
const GUILD = "333333333333333333";

describe("parseFeed", () => {
  it("GIVEN a valid RSS feed WHEN parsed THEN items keep their guid, link, title and date; an item with nothing to follow is keyed by title", async () => {
    const feed = await parseFeed(fixture("rss-valid.xml"), "https://courier.example/rss");
    expect(feed.title).toBe("The Coastal Courier: Local");
    expect(feed.items).toEqual([
      {
        key: "courier-1002",
        link: "https://courier.example/local/harbour-bridge-reopens",
        title: "Harbour bridge reopens after two years of repairs",
        date: "2025-10-16T06:30:00.000Z",
      },
      {
        key: "courier-1001",
        link: "https://courier.example/local/library-hours",
        title: "Library extends opening hours",
        date: "2025-09-02T10:00:00.000Z",
      },
      {
        key: "An item without a link or guid\u0000",
        link: null,
        title: "An item without a link or guid",
        date: null,
      },
    ]);
  });

  it("GIVEN an Atom feed with relative links WHEN parsed THEN links resolve against the feed URL and non-http links are dropped", async () => {
    const feed = await parseFeed(fixture("atom-relative.xml"), "http://127.0.0.1:8080/feeds/atom.xml");
    expect(feed.items.map((item) => [item.key, item.link])).toEqual([
      ["urn:uuid:farm-entry-2", "http://127.0.0.1:8080/news/apple-harvest"],
      ["urn:uuid:farm-entry-1", "http://127.0.0.1:8080/news/dairy?ref=feed"],
      ["urn:uuid:farm-entry-0", null],
    ]);
  });

  it.each([
    ["rss-malformed.xml", fixture("rss-malformed.xml")],
    ["an HTML page", fixture("news-bare.html")],
    ["JSON", '{"items": []}'],
    ["an empty body", ""],
  ])("GIVEN %s WHEN parsed as a feed THEN an IngestError says it is not a feed", async (_name, text) => {
    const error = await parseFeed(text, "https://x.example/feed").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IngestError);
    expect((error as IngestError).code).toBe("feed");
    expect((error as IngestError).message).toMatch(
      /^feed: https:\/\/x\.example\/feed: not an RSS or Atom feed/,
    );
  });
});

/** A news site on 127.0.0.1: a feed whose items can change, ETags, and one article page per item. */
interface Site {
  server: LocalServer;
  items: string[];
  feedStatus: number;
  feedBody: string | null;
  feedUrl: string;
}

function rss(origin: string, items: string[]): string {
  const entries = items
    .map(
      (slug) =>
        `<item><title>Story ${slug}</title><link>/news/${slug}</link><guid isPermaLink="false">id-${slug}</guid></item>`,
    )
    .join("");
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>Site ${origin}</title>${entries}</channel></rss>`;
}

function storyPage(slug: string): string {
  const sentences = Array.from(
    { length: 6 },
    (_, i) =>
      `<p>Story ${slug} paragraph ${i + 1} tells the town about the ${slug} affair, which the council discussed for hours.</p>`,
  ).join("");
  return `<html><head><title>Story ${slug}</title><meta property="og:site_name" content="Town Crier"></head><body><article>${sentences}</article></body></html>`;
}

async function startSite(items: string[]): Promise<Site> {
  const site = { items, feedStatus: 200, feedBody: null } as unknown as Site;
  site.server = await startServer((req, res) => {
    if (req.url === "/feed.xml") {
      const body = site.feedBody ?? rss(site.server.origin, site.items);
      const etag = `"${createHash("sha1").update(body).digest("hex").slice(0, 12)}"`;
      if (site.feedStatus !== 200) {
        res.writeHead(site.feedStatus, { "content-type": "text/plain" });
        res.end("server error");
      } else if (req.headers["if-none-match"] === etag) {
        res.writeHead(304, { etag });
        res.end();
      } else {
        res.writeHead(200, { "content-type": site.feedBody ? "text/html" : "application/rss+xml", etag });
        res.end(body);
      }
      return;
    }
    const slug = req.url?.match(/^\/news\/([\w-]+)$/)?.[1];
    if (slug) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(storyPage(slug));
      return;
    }
    res.writeHead(404);
    res.end();
  });
  site.feedUrl = `${site.server.origin}/feed.xml`;
  return site;
}

let dir: string;
const sites: Site[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "newsdesk-feeds-"));
});
afterEach(async () => {
  await Promise.all(sites.splice(0).map((site) => site.server.close()));
  await rm(dir, { recursive: true, force: true });
});

async function site(items: string[]): Promise<Site> {
  const s = await startSite(items);
  sites.push(s);
  return s;
}

function clock(start = 1_000_000_000_000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** A poller whose ingest is the real pipeline: safeFetch → extract → save into `dir`. */
function poller(allow: string[], time: ReturnType<typeof clock>, over: Partial<FeedPollerOptions> = {}) {
  const allowlist = parseAllowlist(allow.join(","));
  const ingested: string[] = [];
  const garbage: string[] = [];
  const feeds = new FeedPoller({
    stateFile: join(dir, "state", "feeds.json"),
    allowlist,
    now: time.now,
    initialItems: 3,
    ingest: async (url, feed) => {
      await ingestUrl(url, feed.guildId, { knowledgeDir: join(dir, "knowledge"), allowlist });
      ingested.push(new URL(url).pathname);
    },
    onGarbage: (feed, error) => garbage.push(`${feed.url} ${error.code}`),
    ...over,
  });
  return { feeds, ingested, garbage };
}

async function articleFiles(): Promise<string[]> {
  return (await readdir(join(dir, "knowledge", "guilds", GUILD)).catch(() => [] as string[])).sort();
}

describe("FeedPoller", () => {
  it("GIVEN a followed feed WHEN items are added, removed and re-added THEN each item is ingested once, with 304s in between", async () => {
    const news = await site(["a", "b"]);
    const time = clock();
    const { feeds, ingested } = poller([news.server.hostPort], time);
    await feeds.load();
    const { report } = await feeds.addFeed(news.feedUrl, { guildId: GUILD, addedBy: "42" });
    expect(report?.ingested.map((u) => new URL(u).pathname)).toEqual(["/news/b", "/news/a"]);
    expect(await articleFiles()).toEqual(["undated-story-a.md", "undated-story-b.md"]);
    const saved = await readFile(join(dir, "knowledge", "guilds", GUILD, "undated-story-a.md"), "utf8");
    expect(saved).toContain(`url: "${news.server.origin}/news/a"`);
    expect(saved).toContain('source: "Town Crier"');

    expect(await feeds.pollOnce()).toEqual([]); // not due yet

    time.advance(15 * MINUTE);
    const [unchanged] = await feeds.pollOnce();
    expect(unchanged?.status).toBe("not-modified");
    expect(news.server.requests.at(-1)?.headers["if-none-match"]).toMatch(/^"/);

    news.items = ["b"]; // a removed
    time.advance(15 * MINUTE);
    expect((await feeds.pollOnce())[0]).toMatchObject({ status: "ok", ingested: [] });

    news.items = ["c", "a", "b"]; // a re-added, c new
    time.advance(15 * MINUTE);
    const [third] = await feeds.pollOnce();
    expect(third?.ingested.map((u) => new URL(u).pathname)).toEqual(["/news/c"]);
    expect(ingested).toEqual(["/news/b", "/news/a", "/news/c"]);
    expect(await articleFiles()).toHaveLength(3);
  });

  it("GIVEN a saved state WHEN a new poller loads it THEN seen items, ETag and schedule carry over", async () => {
    const news = await site(["a"]);
    const time = clock();
    const first = poller([news.server.hostPort], time);
    await first.feeds.addFeed(news.feedUrl, { guildId: GUILD, addedBy: "42", channelId: "77" });
    const state = JSON.parse(await readFile(join(dir, "state", "feeds.json"), "utf8"));
    expect(state.feeds[0]).toMatchObject({
      url: news.feedUrl,
      guildId: GUILD,
      addedBy: "42",
      channelId: "77",
    });
    expect(state.feeds[0].seen).toEqual(["id-a", `${news.server.origin}/news/a`]);
    expect((await readdir(join(dir, "state"))).filter((n) => n.startsWith("."))).toEqual([]);

    const second = poller([news.server.hostPort], time);
    await second.feeds.load();
    expect(second.feeds.list(GUILD)).toEqual(first.feeds.list(GUILD));
    news.items = ["d", "a"];
    time.advance(15 * MINUTE);
    const [report] = await second.feeds.pollOnce();
    expect(report?.ingested.map((u) => new URL(u).pathname)).toEqual(["/news/d"]);
    expect(second.ingested).toEqual(["/news/d"]);
  });

  it("GIVEN a feed that fails WHEN polled repeatedly THEN it backs off exponentially up to the cap and recovers with its state", async () => {
    const news = await site(["a"]);
    const time = clock();
    const { feeds } = poller([news.server.hostPort], time, { maxBackoffMs: 3 * 60 * MINUTE });
    await feeds.addFeed(news.feedUrl, { guildId: GUILD });
    news.feedStatus = 500;
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const feed = feeds.list(GUILD)[0]!;
      time.advance(feed.nextPollAt - time.now());
      const [report] = await feeds.pollOnce();
      expect(report?.status).toBe("error");
      expect(report?.error?.message).toMatch(/answered 500/);
      waits.push((feeds.list(GUILD)[0]!.nextPollAt - time.now()) / MINUTE);
    }
    expect(waits).toEqual([30, 60, 120, 180, 180]);
    expect(feeds.list(GUILD)[0]).toMatchObject({ errors: 5, seen: ["id-a", `${news.server.origin}/news/a`] });
    news.feedStatus = 200;
    news.items = ["b", "a"];
    time.advance(180 * MINUTE);
    const [report] = await feeds.pollOnce();
    expect(report?.ingested).toEqual([`${news.server.origin}/news/b`]);
    expect(feeds.list(GUILD)[0]).toMatchObject({ errors: 0, lastError: null });
    expect(feeds.list(GUILD)[0]!.nextPollAt - time.now()).toBe(15 * MINUTE);
  });

  it("GIVEN one feed returning garbage WHEN polled THEN its adder is told once per streak and the other feeds still ingest", async () => {
    const bad = await site(["x"]);
    const good = await site(["g1"]);
    const time = clock();
    const { feeds, garbage, ingested } = poller([bad.server.hostPort, good.server.hostPort], time);
    await feeds.addFeed(bad.feedUrl, { guildId: GUILD, addedBy: "mod-1" });
    await feeds.addFeed(good.feedUrl, { guildId: GUILD });
    bad.feedBody = "<html><body>Oops, the CMS is down</body></html>";
    good.items = ["g2", "g1"];
    time.advance(15 * MINUTE);
    const reports = await feeds.pollOnce();
    expect(reports.map((r) => r.status)).toEqual(["error", "ok"]);
    expect(garbage).toEqual([`${bad.feedUrl} feed`]);
    expect(ingested).toContain("/news/g2");
    time.advance(60 * MINUTE);
    await feeds.pollOnce();
    expect(garbage).toHaveLength(1); // still the same streak
    bad.feedBody = null;
    time.advance(120 * MINUTE);
    await feeds.pollOnce();
    bad.feedBody = fixture("rss-malformed.xml"); // a new streak: reported again
    time.advance(15 * MINUTE);
    await feeds.pollOnce();
    expect(garbage).toEqual([`${bad.feedUrl} feed`, `${bad.feedUrl} feed`]);
    expect(feeds.list(GUILD)[0]?.lastError).toMatch(/not an RSS or Atom feed/);
  });

  it("GIVEN a URL that is not a feed WHEN added THEN it is refused with the reason and not followed", async () => {
    const news = await site([]);
    news.feedBody = fixture("news-bare.html");
    const time = clock();
    const { feeds } = poller([news.server.hostPort], time);
    await expect(feeds.addFeed(news.feedUrl, { guildId: GUILD })).rejects.toThrow(/only HTML|not an RSS/);
    expect(feeds.list()).toEqual([]);
    await expect(feeds.addFeed("http://127.0.0.1:1/feed", { guildId: GUILD })).rejects.toThrow(
      /refused: 127\.0\.0\.1 is a loopback address/,
    );
  });

  it("GIVEN the same feed WHEN added twice in a server THEN the second is refused, but another server may follow it", async () => {
    const news = await site(["a"]);
    const { feeds } = poller([news.server.hostPort], clock());
    await feeds.addFeed(news.feedUrl, { guildId: GUILD, check: false });
    await expect(feeds.addFeed(`${news.feedUrl}#x`, { guildId: GUILD, check: false })).rejects.toThrow(
      /already followed/,
    );
    await feeds.addFeed(news.feedUrl, { guildId: "444444444444444444", check: false });
    expect(feeds.list(GUILD)).toHaveLength(1);
    await feeds.removeFeed(news.feedUrl, GUILD);
    expect(feeds.list(GUILD)).toHaveLength(0);
    expect(feeds.list()).toHaveLength(1);
    await expect(feeds.removeFeed(news.feedUrl, GUILD)).rejects.toThrow(/is not followed here/);
  });

  it("GIVEN a server at its feed limit WHEN it adds another THEN it is refused", async () => {
    const news = await site(["a"]);
    const { feeds } = poller([news.server.hostPort], clock(), { maxFeedsPerGuild: 2 });
    await feeds.addFeed(`${news.feedUrl}?1`, { guildId: GUILD, check: false });
    await feeds.addFeed(`${news.feedUrl}?2`, { guildId: GUILD, check: false });
    await expect(feeds.addFeed(`${news.feedUrl}?3`, { guildId: GUILD, check: false })).rejects.toThrow(
      "feed: this server already follows 2 feeds; remove one first",
    );
    await feeds.addFeed(`${news.feedUrl}?3`, { guildId: "444444444444444444", check: false });
  });

  it("GIVEN an item whose page keeps failing WHEN polled THEN it is retried up to 3 times and then given up; duplicates are not retried", async () => {
    const news = await site(["a", "b"]);
    const time = clock();
    const attempts: Record<string, number> = {};
    const gaveUp: string[] = [];
    const { feeds } = poller([news.server.hostPort], time, {
      ingest: async (url) => {
        const path = new URL(url).pathname;
        attempts[path] = (attempts[path] ?? 0) + 1;
        if (path === "/news/a") throw new IngestError("network", "fetch: boom");
        throw new IngestError("duplicate", "already added");
      },
      onItemError: (_feed, item, _error, last) => {
        if (last) gaveUp.push(item.link ?? "");
      },
    });
    await feeds.addFeed(news.feedUrl, { guildId: GUILD });
    for (let i = 0; i < 4; i++) {
      news.items = i % 2 === 0 ? ["b", "a"] : ["a", "b"]; // new ETag each time
      time.advance(15 * MINUTE);
      await feeds.pollOnce();
    }
    expect(attempts).toEqual({ "/news/a": 3, "/news/b": 1 });
    expect(gaveUp).toEqual([`${news.server.origin}/news/a`]);
  });

  it("GIVEN a feed with many items WHEN first added THEN only the newest initial items are ingested and the rest are marked seen", async () => {
    const news = await site(["e", "d", "c", "b", "a"]);
    const { feeds, ingested } = poller([news.server.hostPort], clock(), { initialItems: 2 });
    await feeds.addFeed(news.feedUrl, { guildId: GUILD });
    expect(ingested).toEqual(["/news/d", "/news/e"]);
    expect(feeds.list(GUILD)[0]!.seen).toHaveLength(10);
  });

  it("GIVEN a corrupt state file WHEN loaded THEN the error names the file", async () => {
    const stateFile = join(dir, "feeds.json");
    await writeFile(stateFile, "{ not json");
    const feeds = new FeedPoller({ stateFile, ingest: async () => {} });
    await expect(feeds.load()).rejects.toThrow(`feeds: ${stateFile}: invalid JSON`);
  });

  it("GIVEN a started poller WHEN a feed is due THEN the timer polls it, and stop() ends the polling", async () => {
    const news = await site(["a"]);
    const { feeds, ingested } = poller(
      [news.server.hostPort],
      { now: Date.now, advance: () => {} },
      { intervalMs: 1000 },
    );
    await feeds.addFeed(news.feedUrl, { guildId: GUILD, check: false });
    feeds.start();
    const deadline = Date.now() + 5000;
    while (ingested.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await feeds.stop();
    expect(ingested).toEqual(["/news/a"]);
    const requests = news.server.requests.length;
    await new Promise((r) => setTimeout(r, 1300));
    expect(news.server.requests.length).toBe(requests);
  });
});
