/**
 * Ingestion for the Discord commands (/ingest, /forget, /feed) and feed notices: the ingest pipeline
 * (`src/ingest`) bound to one knowledge folder, applied to the live index at once (the folder watcher
 * applies the same change again a moment later; updates replace by id, so that is harmless).
 *
 * @example
 * const notifier = new FeedNotifier({ logger });
 * const feeds = createFeedPoller({ config, update: (c) => desk.update(c), notifier, logger });
 * const ingest = createIngestServices({ knowledgeDir, allowlist, limiter, update: (c) => desk.update(c), feeds });
 * await startBot({ config, desk, logger, ingest }); notifier.attach(bot.client.rest);
 */
import { stat } from "node:fs/promises";
import { Routes } from "discord.js";
import type {
  AddedArticle,
  AttachmentInfo,
  FeedView,
  IngestServices,
  MessageBody,
} from "../../commands/types.ts";
import type { Config } from "../config.ts";
import type { Article, Logger } from "../core/types.ts";
import { silentLogger } from "../core/types.ts";
import {
  type Allowlist,
  FETCH_DEFAULTS,
  FeedPoller,
  type FeedRecord,
  type IngestContext,
  IngestError,
  type IngestResult,
  ingestFile,
  ingestText,
  ingestUrl,
  listArticles,
  type RateLimiter,
  removeArticle,
  safeFetch,
  summarise,
  UPLOAD_EXTENSIONS,
} from "../ingest/index.ts";
import { articleFolder } from "../ingest/store.ts";
import { escapeMarkdown, truncate } from "./limits.ts";
import { type RestClient, toWire } from "./responder.ts";

/** Applies changed articles to the live index (`Newsdesk.update`). */
export type ApplyChanges = (changes: { upsert?: readonly Article[]; remove?: readonly string[] }) => unknown;

export interface IngestServiceOptions {
  readonly knowledgeDir: string;
  readonly allowlist: Allowlist;
  /** Per-server limit on /ingest (feeds are not counted against it). */
  readonly limiter?: RateLimiter;
  readonly update?: ApplyChanges;
  readonly feeds?: FeedPoller | null;
  readonly timeoutMs?: number;
}

export function toFeedView(feed: Readonly<FeedRecord>): FeedView {
  return {
    url: feed.url,
    title: feed.title,
    channelId: feed.channelId,
    addedBy: feed.addedBy,
    errors: feed.errors,
    lastError: feed.lastError,
    lastPolledAt: feed.lastPolledAt,
    nextPollAt: feed.nextPollAt,
  };
}

function extensionOf(name: string): string {
  return (name.match(/\.[^.]+$/)?.[0] ?? "").toLowerCase();
}

export function createIngestServices(options: IngestServiceOptions): IngestServices {
  const context: IngestContext = {
    knowledgeDir: options.knowledgeDir,
    allowlist: options.allowlist,
    ...(options.limiter ? { limiter: options.limiter } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  };
  // A server's own articles, for /forget autocomplete: read again only when its folder has changed.
  const own = new Map<
    string,
    { mtimeMs: number; list: { id: string; title: string; date: string | null }[] }
  >();
  const applied = (result: IngestResult): AddedArticle => {
    own.delete(result.saved.guildId ?? "");
    options.update?.({ upsert: [result.parsed] });
    return summarise(result);
  };
  const poller = options.feeds ?? null;

  return {
    async addUrl(url, guildId) {
      return applied(await ingestUrl(url, guildId, context));
    },

    async addAttachment(attachment: AttachmentInfo, guildId) {
      const name = attachment.filename;
      if (!(UPLOAD_EXTENSIONS as readonly string[]).includes(extensionOf(name))) {
        throw new IngestError(
          "invalid-file",
          `refused: ${truncate(name, 100)}: only .md, .txt and .html files are read`,
        );
      }
      if (attachment.size !== null && attachment.size > FETCH_DEFAULTS.maxBytes) {
        throw new IngestError("too-large", `refused: ${truncate(name, 100)} is larger than 2 MB`);
      }
      // The file is on Discord's CDN: fetched under the same SSRF rules as any page.
      const fetched = await safeFetch(attachment.url, {
        allowlist: options.allowlist,
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      });
      // Re-encoded as UTF-8 with a byte-order mark, so an HTML file's own charset declaration cannot
      // re-decode text that was already decoded.
      const bytes = new TextEncoder().encode(`\uFEFF${fetched.text}`);
      return applied(await ingestFile(name, bytes, guildId, context));
    },

    async addText(title, text, guildId) {
      return applied(await ingestText(title, text, guildId, context));
    },

    async listOwn(guildId) {
      const folder = await stat(articleFolder(options.knowledgeDir, guildId)).catch(() => null);
      if (!folder) return [];
      const cached = own.get(guildId);
      if (cached && cached.mtimeMs === folder.mtimeMs) return cached.list;
      const list = (await listArticles(options.knowledgeDir, guildId)).map((a) => ({
        id: a.id,
        title: a.title,
        date: a.date,
      }));
      own.set(guildId, { mtimeMs: folder.mtimeMs, list });
      return list;
    },

    async forget(articleId, guildId) {
      const removed = await removeArticle(options.knowledgeDir, guildId, articleId);
      own.delete(guildId);
      options.update?.({ remove: [removed.id] });
      return { id: removed.id, title: removed.title };
    },

    feeds: poller && {
      async add(url, { guildId, addedBy, channelId }) {
        const { feed, report } = await poller.addFeed(url, { guildId, addedBy, channelId, check: true });
        return { feed: toFeedView(feed), added: report?.ingested ?? [] };
      },
      list(guildId) {
        return poller.list(guildId).map(toFeedView);
      },
      async remove(url, guildId) {
        return toFeedView(await poller.removeFeed(url, guildId));
      },
    },
  };
}

/**
 * Posts feed news to Discord: a one-line notice with a link in a feed's notice channel when an article
 * arrives, and a report to the moderator who added a feed that answers with something that is not a feed
 * (a direct message; when that fails, a mention in the feed's notice channel). Messages are sent once a
 * REST client is attached (after the bot has logged in); before that they are logged only.
 */
export class FeedNotifier {
  #rest: RestClient | null = null;
  readonly #logger: Logger;

  constructor(options: { logger?: Logger; rest?: RestClient } = {}) {
    this.#logger = options.logger ?? silentLogger;
    this.#rest = options.rest ?? null;
  }

  attach(rest: RestClient | null): void {
    this.#rest = rest;
  }

  async #send(channelId: string, body: MessageBody, mention: string | null = null): Promise<void> {
    if (!this.#rest) return;
    const wire = toWire(body);
    await this.#rest.post(Routes.channelMessages(channelId), {
      body: { ...wire, allowed_mentions: { parse: [], users: mention ? [mention] : [] } },
    });
  }

  /** "📰 New from <feed>: <title> <link>" in the feed's notice channel, if it has one. */
  async newArticle(feed: Readonly<FeedRecord>, article: AddedArticle): Promise<void> {
    if (!feed.channelId) return;
    const from = feed.title ?? new URL(feed.url).hostname;
    const link = article.url && /^https?:\/\/[^\s<>]+$/i.test(article.url) ? ` <${article.url}>` : "";
    const line = `📰 New from ${escapeMarkdown(truncate(from, 100))}: **${escapeMarkdown(truncate(article.title, 200))}**${link}`;
    try {
      await this.#send(feed.channelId, { content: line });
    } catch (err) {
      this.#logger.warn(`feeds: could not post a notice in channel ${feed.channelId}: ${String(err)}`);
    }
  }

  /** Tells the moderator who added `feed` that it answers with something that is not a feed. */
  async garbage(feed: Readonly<FeedRecord>, error: IngestError): Promise<void> {
    const text = `⚠️ The feed ${escapeMarkdown(feed.url)} no longer reads as a feed, so no articles come from it for now (the other feeds are not affected): ${escapeMarkdown(error.message)}. Remove it with /feed remove, or fix it at the source; it is retried with growing pauses.`;
    this.#logger.warn(
      `feeds: ${feed.url}: garbage reported to ${feed.addedBy ?? "nobody"}: ${error.message}`,
    );
    if (!this.#rest) return;
    if (feed.addedBy) {
      try {
        const dm = (await this.#rest.post(Routes.userChannels(), {
          body: { recipient_id: feed.addedBy },
        })) as { id: string };
        await this.#send(dm.id, { content: text });
        return;
      } catch (err) {
        this.#logger.info(
          `feeds: cannot message ${feed.addedBy} directly (${String(err)}); using the channel`,
        );
      }
    }
    if (!feed.channelId) return;
    const who = feed.addedBy ? `<@${feed.addedBy}> ` : "";
    try {
      await this.#send(feed.channelId, { content: `${who}${text}` }, feed.addedBy);
    } catch (err) {
      this.#logger.warn(`feeds: could not report ${feed.url} in channel ${feed.channelId}: ${String(err)}`);
    }
  }
}

/**
 * The feed state file of one shard process: `data/feeds.json` → `data/feeds.shard-0.json`. A server's
 * interactions always reach the same shard, so each shard follows its servers' feeds in its own file, and
 * shards never overwrite each other's state. (After changing SHARD_COUNT, a file keeps being polled by the
 * shard with its number, but /feed list shows a server only the feeds in its current shard's file.)
 */
export function shardStateFile(file: string, shardIds: string): string {
  const tag = shardIds.replace(/[^0-9,]/g, "").replace(/,/g, "-") || "x";
  return /\.json$/i.test(file) ? file.replace(/\.json$/i, `.shard-${tag}.json`) : `${file}.shard-${tag}`;
}

export interface FeedPollerWiring {
  readonly config: Pick<Config, "knowledgeDir" | "ingestAllowlist" | "feedIntervalMinutes" | "feedStateFile">;
  readonly update?: ApplyChanges;
  readonly notifier?: FeedNotifier;
  readonly logger?: Logger;
  /** Overrides for tests. */
  readonly intervalMs?: number;
  readonly now?: () => number;
}

/** The feed poller of the bot: new items are ingested for the feed's server and announced. */
export function createFeedPoller(wiring: FeedPollerWiring): FeedPoller {
  const { config } = wiring;
  const context: IngestContext = { knowledgeDir: config.knowledgeDir, allowlist: config.ingestAllowlist };
  return new FeedPoller({
    stateFile: config.feedStateFile,
    allowlist: config.ingestAllowlist,
    intervalMs: wiring.intervalMs ?? config.feedIntervalMinutes * 60_000,
    ...(wiring.now ? { now: wiring.now } : {}),
    ...(wiring.logger ? { logger: wiring.logger } : {}),
    ingest: async (url, feed) => {
      const result = await ingestUrl(url, feed.guildId, context);
      wiring.update?.({ upsert: [result.parsed] });
      await wiring.notifier?.newArticle(feed, summarise(result));
      return result;
    },
    onGarbage: (feed, error) => {
      void wiring.notifier?.garbage(feed, error);
    },
  });
}
