/**
 * HTTP interactions mode as `npm start` runs it (INTERACTIONS_PORT set): listen first (so /healthz answers
 * and /readyz says 503 while loading), load the knowledge through the index cache, then serve. SIGINT and
 * SIGTERM stop accepting, let in-flight requests and follow-ups finish, and exit.
 *
 * @example
 * const http = await startHttpMode(config, logger); // resolves once ready
 * await http.stop();
 */

import cluster from "node:cluster";
import { openKnowledge } from "../cache.ts";
import type { Config } from "../config.ts";
import { createIngestServices } from "../discord/ingest.ts";
import { RateLimiter } from "../ingest/rate-limit.ts";
import type { AppLogger } from "../log.ts";
import { exitOnSignals } from "../signals.ts";
import { type KnowledgeWatcher, watchKnowledge } from "../watch.ts";
import { type HttpCluster, joinCluster, startHttpCluster, workerCount } from "./cluster.ts";
import { memoizeDesk } from "./memo.ts";
import { createMetrics } from "./metrics.ts";
import { createRetryingRest, type RetryOptions } from "./rest.ts";
import {
  type InteractionsServer,
  type InteractionsServerOptions,
  startInteractionsServer,
} from "./server.ts";

export interface HttpModeOptions {
  /** Knowledge folders (default config.knowledgeDir). */
  knowledgeDirs?: readonly string[];
  /** Index cache folder (default `.cache`). */
  cacheDir?: string | null;
  /** Install SIGINT/SIGTERM handlers that drain and exit (default true). */
  signals?: boolean;
  retry?: RetryOptions;
  /** Answers kept in the per-process LRU memo (default 5,000; 0 disables it). */
  memoEntries?: number;
  /**
   * Watch the knowledge folder and apply changes to the index (default true with one folder): files
   * added by /ingest on any replica, by a gateway bot or by hand reach every replica.
   */
  watch?: boolean;
  server?: Partial<InteractionsServerOptions>;
}

export interface HttpMode {
  readonly mode: "http";
  readonly server: InteractionsServer;
  /** Resolves once stopped. */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

export async function startHttpMode(
  config: Config,
  logger: AppLogger,
  options: HttpModeOptions = {},
): Promise<HttpMode> {
  const metrics = createMetrics();
  const rest = createRetryingRest({
    apiUrl: config.discordApiUrl,
    token: config.discordToken,
    logger,
    metrics,
    ...options.retry,
  });
  // A cluster worker (HTTP_WORKERS > 1): /metrics sums over all workers, and the primary hears when it is ready.
  const member = cluster.isWorker ? joinCluster(metrics.registry) : null;
  const server = await startInteractionsServer({
    config,
    logger,
    rest,
    metrics,
    ...(member ? { scrape: member.scrape } : {}),
    ...options.server,
  });

  const onRejection = (reason: unknown) =>
    logger.error({ err: reason }, "http: unhandled rejection (ignored)");
  process.on("unhandledRejection", onRejection);

  let resolveDone: () => void = () => {};
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });
  let watcher: KnowledgeWatcher | null = null;
  let stopped: Promise<void> | null = null;
  const stop = () => {
    stopped ??= (async () => {
      await server.close();
      await watcher?.close();
      process.off("unhandledRejection", onRejection);
      releaseSignals();
      resolveDone();
    })();
    return stopped;
  };
  const releaseSignals =
    (options.signals ?? true)
      ? exitOnSignals(
          (signal) => logger.info({ signal, inFlight: server.inFlight() }, "http: shutting down"),
          stop,
        )
      : () => {};

  try {
    const dirs = options.knowledgeDirs ?? [config.knowledgeDir];
    const opened = await openKnowledge(dirs, {
      logger,
      warm: true,
      ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}),
      onProgress: (n, total) => {
        if (total >= 1000 && n % 1000 === 0) logger.info(`knowledge: loaded ${n}/${total} files`);
      },
    });
    const { desk } = opened;
    const memoEntries = options.memoEntries ?? 5000;
    // Every change goes through `served` so the memo (if any) is emptied with it.
    const memo = memoEntries > 0 ? memoizeDesk(desk, { entries: memoEntries }) : null;
    const served = memo ?? desk;
    if (memo) metrics.memoStats = () => memo.memoStats();
    const single = dirs.length === 1 ? dirs[0] : undefined;
    if (single !== undefined && (options.watch ?? true)) {
      watcher = watchKnowledge(single, served, {
        logger,
        cacheDir: options.cacheDir === undefined ? ".cache" : options.cacheDir,
        warnings: opened.warnings,
      });
    }
    // /ingest and /forget write into the knowledge folder and apply the change here at once; other
    // replicas pick it up with their watchers. Feeds are not polled in HTTP mode (their state is per
    // process; run them in the gateway bot or a single dedicated process).
    const ingest =
      single === undefined
        ? undefined
        : createIngestServices({
            knowledgeDir: single,
            allowlist: config.ingestAllowlist,
            limiter: new RateLimiter({
              capacity: config.ingestBurst,
              refillEveryMs: config.ingestRefillSeconds * 1000,
            }),
            update: (changes) => served.update(changes),
          });
    server.setDesk(served, ingest ? { ingest } : {});
    member?.announce(server.url);
    opened.warmed?.then((terms) => logger.info(`knowledge: term cache warmed (${terms} words)`));
    logger.info(
      `knowledge: ${desk.articles.length} articles, ${desk.sentenceCount} sentences from ${dirs.join(", ")}` +
        ` (${opened.cached ? "index cache" : "indexed"} in ${Math.round(opened.timings.totalMs)} ms); ready`,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { mode: "http", server, done, stop };
}

/**
 * HTTP mode as `npm start` chooses it: with HTTP_WORKERS > 1, in the primary process, the supervisor of
 * that many workers (resolves once they all serve); otherwise (one worker, or inside a worker, which runs
 * the same entry point with the same arguments and so gets the same `options`) `startHttpMode`.
 */
export async function startHttp(
  config: Config,
  logger: AppLogger,
  options: HttpModeOptions = {},
): Promise<HttpMode | (HttpCluster & { readonly url: string })> {
  if (cluster.isPrimary && workerCount(config.httpWorkers) > 1) {
    const workers = startHttpCluster(config, logger);
    const { url } = await workers.ready;
    return Object.assign(workers, { url });
  }
  return startHttpMode(config, logger, options);
}
