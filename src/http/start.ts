/**
 * HTTP interactions mode as `npm start` runs it (INTERACTIONS_PORT set): listen first (so /healthz answers
 * and /readyz says 503 while loading), load the knowledge through the index cache, then serve. SIGINT and
 * SIGTERM stop accepting, let in-flight requests and follow-ups finish, and exit.
 *
 * @example
 * const http = await startHttpMode(config, logger); // resolves once ready
 * await http.stop();
 */
import { openKnowledge } from "../cache.ts";
import type { Config } from "../config.ts";
import type { AppLogger } from "../log.ts";
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
  const server = await startInteractionsServer({ config, logger, rest, metrics, ...options.server });

  const onRejection = (reason: unknown) =>
    logger.error({ err: reason }, "http: unhandled rejection (ignored)");
  process.on("unhandledRejection", onRejection);

  let resolveDone: () => void = () => {};
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });
  let stopped: Promise<void> | null = null;
  const stop = () => {
    stopped ??= (async () => {
      await server.close();
      process.off("unhandledRejection", onRejection);
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      resolveDone();
    })();
    return stopped;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal, inFlight: server.inFlight() }, "http: shutting down");
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  if (options.signals ?? true) {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }

  try {
    const dirs = options.knowledgeDirs ?? [config.knowledgeDir];
    const opened = await openKnowledge(dirs, {
      logger,
      ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}),
      onProgress: (n, total) => {
        if (total >= 1000 && n % 1000 === 0) logger.info(`knowledge: loaded ${n}/${total} files`);
      },
    });
    const { desk } = opened;
    const memoEntries = options.memoEntries ?? 5000;
    if (memoEntries > 0) {
      const memo = memoizeDesk(desk, { entries: memoEntries });
      metrics.memoStats = () => memo.memoStats();
      server.setDesk(memo);
    } else server.setDesk(desk);
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
