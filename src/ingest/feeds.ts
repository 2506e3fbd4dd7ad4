/**
 * RSS/Atom feeds: parsing (rss-parser over text fetched with `safeFetch`, never its own fetcher) and a poller
 * that ingests new items.
 *
 * The poller keeps per-feed state (ETag, Last-Modified, the ids and links of items already seen, the error
 * count and the next poll time) in a JSON file written atomically, so it survives restarts. A feed that fails
 * backs off exponentially and keeps its state; a feed that answers with something that is not a feed is
 * reported once per failure streak through `onGarbage`; neither stops the other feeds. What "ingest an item"
 * means is injected, so this module does not depend on the index or on Discord.
 *
 * @example
 * const poller = new FeedPoller({ stateFile: "data/feeds.json", allowlist, ingest: (url, feed) => ingestUrl(url, feed.guildId) });
 * await poller.load();
 * await poller.addFeed("https://news.example/rss.xml", { guildId: "123", addedBy: "456" });
 * poller.start();
 */
import { mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import Parser from "rss-parser";
import type { Logger } from "../core/types.ts";
import { silentLogger } from "../core/types.ts";
import type { Allowlist } from "./address.ts";
import { IngestError } from "./errors.ts";
import { type FetchResult, parseFetchUrl, safeFetch } from "./fetch.ts";
import { normaliseUrl, writeFileAtomic } from "./store.ts";

export interface FeedItem {
  /** What identifies the item across polls: guid/id, else its link, else title and date. */
  readonly key: string;
  /** The item's link resolved against the feed URL (http/https only), or null. */
  readonly link: string | null;
  readonly title: string | null;
  readonly date: string | null;
}

export interface ParsedFeed {
  readonly title: string | null;
  readonly items: readonly FeedItem[];
}

const parser = new Parser();

function resolveLink(link: unknown, base: string): string | null {
  if (typeof link !== "string" || link.trim() === "") return null;
  try {
    const url = new URL(link.trim(), base);
    if (url.protocol !== "http:" && url.protocol !== "https:") return null;
    url.hash = "";
    return url.href;
  } catch {
    return null;
  }
}

function text(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
}

/**
 * Parses RSS 0.9x/1.0/2.0 or Atom text. Relative item links resolve against `feedUrl` (the URL the feed was
 * finally fetched from).
 * @throws IngestError (`feed`) when the text is not a feed.
 */
export async function parseFeed(xml: string, feedUrl: string): Promise<ParsedFeed> {
  let output: Awaited<ReturnType<typeof parser.parseString>>;
  try {
    output = await parser.parseString(xml);
  } catch (error) {
    const reason = ((error as Error).message ?? String(error)).split("\n")[0];
    throw new IngestError("feed", `feed: ${feedUrl}: not an RSS or Atom feed (${reason})`, { cause: error });
  }
  if (!output || !Array.isArray(output.items)) {
    throw new IngestError("feed", `feed: ${feedUrl}: not an RSS or Atom feed (no items list)`);
  }
  const items: FeedItem[] = [];
  for (const item of output.items) {
    const record = item as Record<string, unknown>;
    const link = resolveLink(item.link, feedUrl);
    const title = text(item.title);
    const date = text(item.isoDate) ?? text(item.pubDate);
    const id = text(item.guid) ?? text(record.id);
    const key = id ?? link ?? (title ? `${title}\u0000${date ?? ""}` : null);
    if (key === null) continue;
    items.push({ key, link, title, date });
  }
  return { title: text(output.title), items };
}

/** Persistent state of one feed followed by one server. */
export interface FeedRecord {
  readonly url: string;
  readonly guildId: string | null;
  readonly addedBy: string | null;
  /** Channel for new-article notices, if the server wants them. */
  readonly channelId: string | null;
  readonly addedAt: number;
  title: string | null;
  etag: string | null;
  lastModified: string | null;
  /** Item keys and links already handled, oldest first, capped. */
  seen: string[];
  /** Failed ingestion attempts per item link; an item is given up after `maxItemRetries`. */
  retries: Record<string, number>;
  /** False until the first successful poll, which only takes the newest `initialItems`. */
  primed: boolean;
  /** Consecutive failed polls. */
  errors: number;
  lastError: string | null;
  /** True once a garbage answer in the current failure streak has been reported. */
  garbageReported: boolean;
  lastPolledAt: number | null;
  nextPollAt: number;
}

export interface PollReport {
  readonly url: string;
  readonly guildId: string | null;
  readonly status: "ok" | "not-modified" | "error";
  /** Item links ingested in this poll. */
  readonly ingested: readonly string[];
  readonly error: IngestError | null;
}

export type FeedFetcher = (
  url: string,
  validators: { etag: string | null; lastModified: string | null },
) => Promise<FetchResult>;

export interface FeedPollerOptions {
  /** JSON file holding every feed's state. */
  readonly stateFile: string;
  /** Adds one article (an item's link) for the feed's server. Throwing an IngestError `duplicate` is fine. */
  readonly ingest: (url: string, feed: Readonly<FeedRecord>, item: FeedItem) => Promise<unknown>;
  /** Allow-list for the default fetcher. */
  readonly allowlist?: Allowlist;
  /** Defaults to `safeFetch` with the allow-list and the feed's validators. */
  readonly fetch?: FeedFetcher;
  /** Default 15 minutes. */
  readonly intervalMs?: number;
  /** Longest wait after repeated errors (default 24 hours). */
  readonly maxBackoffMs?: number;
  /** New items ingested per poll at most (default 10); the rest wait for the next poll. */
  readonly maxNewPerPoll?: number;
  /** Items ingested from a newly added feed (default 3); older ones are marked seen. */
  readonly initialItems?: number;
  /** Remembered item keys per feed (default 2000). */
  readonly maxSeen?: number;
  /** Feeds one server may follow (default 20). */
  readonly maxFeedsPerGuild?: number;
  /** Attempts per item before giving up on it (default 3). */
  readonly maxItemRetries?: number;
  readonly now?: () => number;
  /** A feed answered with something that is not a feed: tell the moderator who added it. */
  readonly onGarbage?: (feed: Readonly<FeedRecord>, error: IngestError) => void;
  /** Any failed poll (after backoff is set). */
  readonly onError?: (feed: Readonly<FeedRecord>, error: IngestError) => void;
  /** An item could not be ingested (after its last retry `gaveUp` is true). */
  readonly onItemError?: (
    feed: Readonly<FeedRecord>,
    item: FeedItem,
    error: unknown,
    gaveUp: boolean,
  ) => void;
  readonly logger?: Logger;
}

export const FEED_DEFAULTS = {
  intervalMs: 15 * 60_000,
  maxBackoffMs: 24 * 60 * 60_000,
  maxNewPerPoll: 10,
  initialItems: 3,
  maxSeen: 2000,
  maxItemRetries: 3,
  maxFeedsPerGuild: 20,
} as const;

interface StateFile {
  readonly version: 1;
  readonly feeds: FeedRecord[];
}

/** Errors that mean "this is not a feed" rather than "the feed is unreachable". */
const GARBAGE = new Set(["feed", "content-type", "too-large"]);

function feedKey(url: string, guildId: string | null): string {
  return `${guildId ?? ""}\u0000${normaliseUrl(url) ?? url}`;
}

function toIngestError(error: unknown, url: string): IngestError {
  if (error instanceof IngestError) return error;
  return new IngestError("feed", `feed: ${url}: ${(error as Error)?.message ?? String(error)}`, {
    cause: error,
  });
}

function stringOrNull(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

/** Reads one stored record, filling defaults for fields an older version did not write. */
function reviveRecord(raw: unknown, file: string, now: number): FeedRecord {
  if (!raw || typeof raw !== "object" || typeof (raw as { url?: unknown }).url !== "string") {
    throw new Error(`feeds: ${file}: a feed entry has no url`);
  }
  const r = raw as Record<string, unknown>;
  const retries: Record<string, number> = {};
  if (r.retries && typeof r.retries === "object") {
    for (const [link, count] of Object.entries(r.retries as Record<string, unknown>)) {
      if (typeof count === "number") retries[link] = count;
    }
  }
  return {
    url: r.url as string,
    guildId: stringOrNull(r.guildId),
    addedBy: stringOrNull(r.addedBy),
    channelId: stringOrNull(r.channelId),
    addedAt: numberOr(r.addedAt, now),
    title: stringOrNull(r.title),
    etag: stringOrNull(r.etag),
    lastModified: stringOrNull(r.lastModified),
    seen: Array.isArray(r.seen) ? r.seen.filter((s): s is string => typeof s === "string") : [],
    retries,
    primed: r.primed === true,
    errors: numberOr(r.errors, 0),
    lastError: stringOrNull(r.lastError),
    garbageReported: r.garbageReported === true,
    lastPolledAt: typeof r.lastPolledAt === "number" ? r.lastPolledAt : null,
    nextPollAt: numberOr(r.nextPollAt, now),
  };
}

export class FeedPoller {
  readonly #options: FeedPollerOptions;
  readonly #feeds = new Map<string, FeedRecord>();
  readonly #now: () => number;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  #saving: Promise<void> = Promise.resolve();
  #polling: Promise<PollReport[]> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #running = false;

  constructor(options: FeedPollerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#logger = options.logger ?? silentLogger;
    this.#intervalMs = options.intervalMs ?? FEED_DEFAULTS.intervalMs;
    if (!(this.#intervalMs > 0)) throw new Error("FeedPoller: intervalMs must be positive");
  }

  /** Reads the state file (a missing file is an empty list). Throws on a corrupt file, naming it. */
  async load(): Promise<void> {
    let content: string;
    try {
      content = await readFile(this.#options.stateFile, "utf8");
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT") return;
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(content);
    } catch (error) {
      throw new Error(`feeds: ${this.#options.stateFile}: invalid JSON (${(error as Error).message})`);
    }
    const feeds = (parsed as { feeds?: unknown })?.feeds;
    if (!Array.isArray(feeds)) throw new Error(`feeds: ${this.#options.stateFile}: no "feeds" list`);
    this.#feeds.clear();
    const now = this.#now();
    for (const raw of feeds) {
      const record = reviveRecord(raw, this.#options.stateFile, now);
      this.#feeds.set(feedKey(record.url, record.guildId), record);
    }
  }

  /** Writes the state file atomically; writes are queued so the newest state always lands last. */
  save(): Promise<void> {
    const file = this.#options.stateFile;
    const write = async () => {
      const state: StateFile = { version: 1, feeds: [...this.#feeds.values()] };
      await mkdir(dirname(file), { recursive: true });
      await writeFileAtomic(file, `${JSON.stringify(state, null, 2)}\n`);
    };
    this.#saving = this.#saving.then(write, write);
    return this.#saving;
  }

  /** The feeds of one server (or all when `guildId` is undefined), as copies. */
  list(guildId?: string | null): FeedRecord[] {
    return [...this.#feeds.values()]
      .filter((feed) => guildId === undefined || feed.guildId === guildId)
      .map((feed) => structuredClone(feed));
  }

  /**
   * Follows a feed for a server. With `check` (the default) it is polled at once: when that fails the feed is
   * not added and the error is thrown, so the moderator learns right away that the URL is not a usable feed.
   */
  async addFeed(
    url: string,
    options: { guildId: string | null; addedBy?: string | null; channelId?: string | null; check?: boolean },
  ): Promise<{ feed: FeedRecord; report: PollReport | null }> {
    const parsed = parseFetchUrl(url).href;
    const key = feedKey(parsed, options.guildId);
    if (this.#feeds.has(key)) throw new IngestError("duplicate", `feed: ${parsed} is already followed here`);
    const max = this.#options.maxFeedsPerGuild ?? FEED_DEFAULTS.maxFeedsPerGuild;
    if (this.list(options.guildId).length >= max) {
      throw new IngestError(
        "rate-limited",
        `feed: this server already follows ${max} feeds; remove one first`,
      );
    }
    const now = this.#now();
    const record: FeedRecord = {
      url: parsed,
      guildId: options.guildId,
      addedBy: options.addedBy ?? null,
      channelId: options.channelId ?? null,
      addedAt: now,
      title: null,
      etag: null,
      lastModified: null,
      seen: [],
      retries: {},
      primed: false,
      errors: 0,
      lastError: null,
      garbageReported: false,
      lastPolledAt: null,
      nextPollAt: now,
    };
    this.#feeds.set(key, record);
    let report: PollReport | null = null;
    if (options.check ?? true) {
      report = await this.#poll(record, { report: false });
      if (report.error) {
        this.#feeds.delete(key);
        throw report.error;
      }
    }
    await this.save();
    this.#reschedule();
    return { feed: structuredClone(record), report };
  }

  /** Stops following a feed in a server. */
  async removeFeed(url: string, guildId: string | null): Promise<FeedRecord> {
    let key = feedKey(url, guildId);
    try {
      key = feedKey(parseFetchUrl(url).href, guildId);
    } catch {
      // Not a URL: it can still match a stored feed verbatim.
    }
    const record = this.#feeds.get(key);
    if (!record) throw new IngestError("not-found", `feed: ${url.slice(0, 200)} is not followed here`);
    this.#feeds.delete(key);
    await this.save();
    return record;
  }

  /** Polls every feed that is due (sequentially), then saves. Concurrent calls share one run. */
  pollOnce(): Promise<PollReport[]> {
    if (this.#polling) return this.#polling;
    const run = async () => {
      const now = this.#now();
      const due = [...this.#feeds.values()].filter((feed) => feed.nextPollAt <= now);
      const reports: PollReport[] = [];
      for (const feed of due) {
        if (!this.#feeds.has(feedKey(feed.url, feed.guildId))) continue; // removed meanwhile
        reports.push(await this.#poll(feed, { report: true }));
        await this.save();
      }
      return reports;
    };
    this.#polling = run().finally(() => {
      this.#polling = null;
    });
    return this.#polling;
  }

  /** Polls one feed now, whether due or not. */
  async pollFeed(url: string, guildId: string | null): Promise<PollReport> {
    const record = this.#feeds.get(feedKey(parseFetchUrl(url).href, guildId));
    if (!record) throw new IngestError("not-found", `feed: ${url.slice(0, 200)} is not followed here`);
    const report = await this.#poll(record, { report: true });
    await this.save();
    return report;
  }

  async #fetch(feed: FeedRecord): Promise<FetchResult> {
    const validators = { etag: feed.etag, lastModified: feed.lastModified };
    if (this.#options.fetch) return this.#options.fetch(feed.url, validators);
    return safeFetch(feed.url, { allowlist: this.#options.allowlist ?? [], ...validators });
  }

  #markSeen(feed: FeedRecord, item: FeedItem): void {
    const seen = new Set(feed.seen);
    for (const value of [item.key, item.link]) {
      if (value !== null && !seen.has(value)) feed.seen.push(value);
    }
    const max = this.#options.maxSeen ?? FEED_DEFAULTS.maxSeen;
    if (feed.seen.length > max) feed.seen.splice(0, feed.seen.length - max);
    if (item.link) delete feed.retries[item.link];
  }

  async #poll(feed: FeedRecord, options: { report: boolean }): Promise<PollReport> {
    const now = this.#now();
    feed.lastPolledAt = now;
    let result: FetchResult;
    let parsed: ParsedFeed;
    try {
      result = await this.#fetch(feed);
      if (result.notModified) {
        this.#succeeded(feed, result);
        return { url: feed.url, guildId: feed.guildId, status: "not-modified", ingested: [], error: null };
      }
      parsed = await parseFeed(result.text, result.url);
    } catch (caught) {
      const error = toIngestError(caught, feed.url);
      feed.errors++;
      feed.lastError = error.message;
      const maxBackoff = this.#options.maxBackoffMs ?? FEED_DEFAULTS.maxBackoffMs;
      feed.nextPollAt = now + Math.min(this.#intervalMs * 2 ** feed.errors, maxBackoff);
      this.#logger.warn(`feeds: ${feed.url}: poll failed (${feed.errors} in a row): ${error.message}`);
      if (options.report) {
        this.#options.onError?.(feed, error);
        if (GARBAGE.has(error.code) && !feed.garbageReported) {
          feed.garbageReported = true;
          this.#options.onGarbage?.(feed, error);
        }
      }
      return { url: feed.url, guildId: feed.guildId, status: "error", ingested: [], error };
    }
    this.#succeeded(feed, result);
    feed.title = parsed.title ?? feed.title;
    const seen = new Set(feed.seen);
    const fresh = parsed.items.filter(
      (item) => !seen.has(item.key) && !(item.link !== null && seen.has(item.link)),
    );
    const limit = feed.primed
      ? (this.#options.maxNewPerPoll ?? FEED_DEFAULTS.maxNewPerPoll)
      : (this.#options.initialItems ?? FEED_DEFAULTS.initialItems);
    const chosen = fresh.slice(0, limit);
    if (!feed.primed) {
      for (const item of fresh.slice(limit)) this.#markSeen(feed, item);
      feed.primed = true;
    }
    const ingested: string[] = [];
    // Feeds list newest first: ingest oldest first so notices come in publication order.
    for (const item of [...chosen].reverse()) {
      if (item.link === null) {
        this.#markSeen(feed, item);
        continue;
      }
      try {
        await this.#options.ingest(item.link, feed, item);
        this.#markSeen(feed, item);
        ingested.push(item.link);
      } catch (error) {
        if (error instanceof IngestError && error.code === "duplicate") {
          this.#markSeen(feed, item);
          continue;
        }
        const attempts = (feed.retries[item.link] ?? 0) + 1;
        const maxRetries = this.#options.maxItemRetries ?? FEED_DEFAULTS.maxItemRetries;
        const gaveUp = attempts >= maxRetries;
        if (gaveUp) this.#markSeen(feed, item);
        else feed.retries[item.link] = attempts;
        this.#logger.warn(
          `feeds: ${feed.url}: item ${item.link}: ${(error as Error)?.message ?? String(error)}${gaveUp ? " (giving up)" : ""}`,
        );
        this.#options.onItemError?.(feed, item, error, gaveUp);
      }
    }
    return { url: feed.url, guildId: feed.guildId, status: "ok", ingested, error: null };
  }

  #succeeded(feed: FeedRecord, result: FetchResult): void {
    feed.errors = 0;
    feed.lastError = null;
    feed.garbageReported = false;
    feed.etag = result.etag ?? feed.etag;
    feed.lastModified = result.lastModified ?? feed.lastModified;
    feed.nextPollAt = this.#now() + this.#intervalMs;
  }

  /** Starts polling on a timer (unref'd: it never keeps the process alive by itself). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#reschedule();
  }

  /** Stops the timer and waits for a poll in progress to finish. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#polling?.catch(() => {});
    await this.#saving.catch(() => {});
  }

  #reschedule(): void {
    if (!this.#running) return;
    if (this.#timer) clearTimeout(this.#timer);
    const now = this.#now();
    const next = Math.min(
      ...[...this.#feeds.values()].map((feed) => feed.nextPollAt),
      now + this.#intervalMs,
    );
    const delay = Math.max(1000, Math.min(next - now, this.#intervalMs));
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.pollOnce()
        .catch((error: unknown) => this.#logger.error(`feeds: poll failed: ${String(error)}`))
        .finally(() => this.#reschedule());
    }, delay);
    this.#timer.unref();
  }
}
