/**
 * HTTP mode on several processes (`HTTP_WORKERS` > 1 or `auto`): node:cluster workers share the endpoint's
 * port (the primary hands connections out round-robin), each with its own copy of the knowledge and index,
 * exactly like replicas on one machine. One process uses one core for answering; workers use them all.
 *
 * - The first worker starts alone, so that it (and only it) builds the index cache if it is missing; the
 *   others then load that cache.
 * - A worker that dies unexpectedly is replaced (at most `maxRestarts` times a minute, then the primary gives
 *   up and exits 1 so a supervisor notices).
 * - SIGINT/SIGTERM: every worker stops accepting, finishes its in-flight requests and exits; then the primary.
 * - `GET /metrics` on any worker answers with the sum over all workers (prom-client's AggregatorRegistry).
 *
 * @example
 * if (workerCount(config.httpWorkers) > 1 && cluster.isPrimary) return startHttpCluster(config, logger);
 */
import cluster, { type Worker } from "node:cluster";
import { availableParallelism } from "node:os";
import { AggregatorRegistry, type Registry } from "prom-client";
import type { Config } from "../config.ts";
import type { AppLogger } from "../log.ts";
import { exitOnSignals } from "../signals.ts";

/** How many worker processes a setting means (`auto`: one per core). */
export function workerCount(setting: number | "auto"): number {
  return setting === "auto" ? Math.max(1, availableParallelism()) : setting;
}

/** Messages between the primary and its workers (prom-client uses its own, `prom-client:*`). */
type Message =
  | { newsdesk: "ready"; url: string }
  | { newsdesk: "metrics"; id: number }
  | { newsdesk: "metrics"; id: number; text: string; contentType: string };

const isMessage = (m: unknown): m is Message =>
  typeof m === "object" && m !== null && typeof (m as { newsdesk?: unknown }).newsdesk === "string";

export interface HttpCluster {
  readonly mode: "http";
  /** The endpoint's URL, once the first worker listens and has loaded the knowledge. */
  readonly ready: Promise<{ url: string }>;
  /** Workers running now. */
  workers(): number;
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

export interface HttpClusterOptions {
  /** Worker processes (default from config.httpWorkers). */
  workers?: number;
  /** Replacements allowed per minute before giving up (default 5). */
  maxRestarts?: number;
  /** Longest wait for workers to finish on stop before they are killed (default 20 s). */
  stopGraceMs?: number;
  /** Install SIGINT/SIGTERM handlers (default true). */
  signals?: boolean;
}

/** Runs in the primary: forks the workers (which run the same entry point) and looks after them. */
export function startHttpCluster(
  config: Config,
  logger: AppLogger,
  options: HttpClusterOptions = {},
): HttpCluster {
  const wanted = options.workers ?? workerCount(config.httpWorkers);
  const maxRestarts = options.maxRestarts ?? 5;
  const aggregator = new AggregatorRegistry();
  let stopping = false;
  const restarts: number[] = [];

  let resolveReady: (v: { url: string }) => void = () => {};
  let rejectReady: (e: Error) => void = () => {};
  const ready = new Promise<{ url: string }>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => {});
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });

  const live = new Set<Worker>();
  const fork = (): Promise<string> => {
    const worker = cluster.fork();
    live.add(worker);
    let wasReady = false;
    return new Promise((resolve, reject) => {
      worker.on("message", (m: unknown) => {
        if (!isMessage(m)) return;
        if (m.newsdesk === "ready" && "url" in m) {
          wasReady = true;
          resolve(m.url);
        }
        if (m.newsdesk === "metrics" && !("text" in m)) {
          aggregator.clusterMetrics().then(
            (text) =>
              worker.send({ newsdesk: "metrics", id: m.id, text, contentType: aggregator.contentType }),
            (err: Error) =>
              worker.send({
                newsdesk: "metrics",
                id: m.id,
                text: `# cluster metrics unavailable: ${err.message}\n`,
                contentType: "text/plain; charset=utf-8",
              }),
          );
        }
      });
      worker.once("exit", (code, signal) => {
        live.delete(worker);
        reject(
          new Error(`http: worker ${worker.process.pid} exited (${signal ?? code}) before it was ready`),
        );
        if (stopping || !wasReady) {
          // A worker that fails while starting (bad knowledge folder, port taken) is not retried: the
          // start-up fails and the primary stops.
          if (stopping && live.size === 0) resolveDone();
          return;
        }
        logger.error({ pid: worker.process.pid, code, signal }, "http: worker died; starting another");
        const now = Date.now();
        restarts.push(now);
        while (restarts.length > 0 && restarts[0]! < now - 60_000) restarts.shift();
        if (restarts.length > maxRestarts) {
          logger.error(`http: ${restarts.length} workers died within a minute; giving up`);
          process.exitCode = 1;
          void stop();
          return;
        }
        fork().catch((err: Error) => logger.error({ err }, "http: replacement worker failed"));
      });
    });
  };

  (async () => {
    // The first worker alone (it may build the index cache), then the rest together from that cache.
    const url = await fork();
    await Promise.all(Array.from({ length: wanted - 1 }, () => fork()));
    logger.info({ url, workers: wanted }, `http: ${wanted} workers serving POST /interactions`);
    resolveReady({ url });
  })().catch((err: Error) => {
    rejectReady(err);
    if (!stopping) {
      logger.error({ err }, "http: workers could not start");
      process.exitCode = 1;
      void stop();
    }
  });

  let stopped: Promise<void> | null = null;
  const stop = () => {
    stopped ??= (async () => {
      stopping = true;
      releaseSignals();
      if (live.size === 0) resolveDone();
      // Each worker drains on SIGTERM (its own exitOnSignals) and exits.
      for (const worker of live) worker.process.kill("SIGTERM");
      const grace = setTimeout(() => {
        for (const worker of live) worker.process.kill("SIGKILL");
      }, options.stopGraceMs ?? 20_000);
      await done;
      clearTimeout(grace);
    })();
    return stopped;
  };
  const releaseSignals =
    (options.signals ?? true)
      ? exitOnSignals((signal) => logger.info({ signal, workers: live.size }, "http: stopping workers"), stop)
      : () => {};

  return { mode: "http", ready, workers: () => live.size, done, stop };
}

/**
 * Runs in a worker: lets the primary collect this worker's metrics, tells it when the knowledge is loaded,
 * and returns the scrape function `/metrics` uses (the sum over all workers, via the primary).
 */
export function joinCluster(registry: Registry): {
  announce(url: string): void;
  scrape(): Promise<{ text: string; contentType: string }>;
} {
  AggregatorRegistry.setRegistries([registry]);
  new AggregatorRegistry(); // installs prom-client's worker-side listener
  let next = 0;
  const waiting = new Map<number, (v: { text: string; contentType: string }) => void>();
  process.on("message", (m: unknown) => {
    if (isMessage(m) && m.newsdesk === "metrics" && "text" in m) {
      waiting.get(m.id)?.({ text: m.text, contentType: m.contentType });
      waiting.delete(m.id);
    }
  });
  return {
    announce(url) {
      process.send?.({ newsdesk: "ready", url } satisfies Message);
    },
    scrape() {
      const id = next++;
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          // The primary did not answer: this worker's own figures are better than nothing.
          registry.metrics().then((text) =>
            resolve({
              text: `# this worker only (cluster sum unavailable)\n${text}`,
              contentType: registry.contentType,
            }),
          );
        }, 6000);
        waiting.set(id, (v) => {
          clearTimeout(timer);
          resolve(v);
        });
        process.send?.({ newsdesk: "metrics", id } satisfies Message);
      });
    },
  };
}
