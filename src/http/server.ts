/**
 * Discord's HTTP interactions endpoint ("Interactions Endpoint URL") on node:http, plus health, readiness
 * and Prometheus metrics. Every interaction goes through the same dispatcher (normaliser → RestResponder →
 * router → commands) as the gateway: the responder's first response becomes the HTTP response body, later
 * ones (filling in a deferred reply, follow-ups) go over REST to DISCORD_API_URL.
 *
 * Routes:
 * - `POST /interactions`: signature checked over the raw body before parsing. 401 missing/bad signature,
 *   stale timestamp (> 5 min old or > 5 s ahead) or a replay seen by this process; 413 over 1 MiB (reading
 *   stops); 415 not JSON; 400 malformed JSON or not an interaction; 503 before the knowledge is loaded
 *   (PING is answered even then, so the developer portal can save the URL during start-up).
 * - `GET /healthz` 200 while the process is up; `GET /readyz` 200 once knowledge is loaded, else 503;
 *   `GET /metrics` Prometheus text.
 *
 * No per-request state outlives a request (button custom ids carry what a click needs), so replicas behind
 * any load balancer answer alike. The replay guard is per process (see `ReplayGuard`).
 *
 * @example
 * const server = await startInteractionsServer({ config, logger, rest });
 * server.setDesk(desk); // ready
 * await server.close(); // stop accepting, finish in-flight, close
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { APIInteraction, APIInteractionResponse } from "discord.js";
import { commands as defaultCommands, components as defaultComponents } from "../../commands/index.ts";
import {
  type Command,
  type ComponentHandler,
  type Desk,
  type IngestServices,
  UserError,
} from "../../commands/types.ts";
import type { Config } from "../config.ts";
import { createDispatcher, type Dispatcher } from "../discord/dispatch.ts";
import type { RestClient } from "../discord/responder.ts";
import { type AppLogger, lazyChild } from "../log.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import { TurnQueue } from "./turns.ts";
import { createVerifier, defaultVerifyBackend, MAX_AGE_SECONDS, MAX_SKEW_SECONDS } from "./verify.ts";

export const MAX_BODY_BYTES = 1024 * 1024;

export interface InteractionsServerOptions {
  config: Config;
  logger: AppLogger;
  /** REST client for follow-ups and edits (see `createRetryingRest`). */
  rest: RestClient;
  /** Defaults to config.discordPublicKey. */
  publicKey?: string;
  /** Defaults to config.interactionsHost / interactionsPort (0 picks a free port). */
  host?: string;
  port?: number;
  commands?: readonly Command[];
  components?: readonly ComponentHandler[];
  autoDeferMs?: number;
  maxBodyBytes?: number;
  metrics?: Metrics;
  now?: () => number;
  /** Signatures remembered for replay detection (default 50,000; oldest forgotten first). */
  replayCapacity?: number;
  /** Longest wait for in-flight work on close (default 10 s). */
  closeGraceMs?: number;
  /** What `GET /metrics` answers (default: this server's registry; cluster workers: the sum over workers). */
  scrape?: () => Promise<{ text: string; contentType: string }>;
}

export interface InteractionsServer {
  readonly url: string;
  readonly port: number;
  readonly metrics: Metrics;
  /** Serves commands from `desk` (with /ingest, /forget and /feed when `ingest` is given); /readyz turns 200. */
  setDesk(
    desk: Desk & { articles?: { length: number }; sentenceCount?: number },
    extras?: { ingest?: IngestServices },
  ): void;
  /** Requests and follow-ups still running. */
  inFlight(): number;
  /** Stops accepting, lets in-flight requests and their follow-ups finish (≤ closeGraceMs), closes. */
  close(): Promise<void>;
}

/**
 * Remembers the signatures of accepted requests for as long as their timestamp is valid, so an exact
 * replay to the same process is refused. Bounded: past `capacity` the oldest are forgotten. Per process:
 * a replay sent to another replica is not caught (only TLS and the 5-minute window protect there).
 */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();
  constructor(
    private readonly capacity: number,
    private readonly ttlMs: number,
  ) {}

  /** true if `signature` was already accepted (a replay); otherwise remembers it. */
  check(signature: string, nowMs: number): boolean {
    for (const [sig, expires] of this.seen) {
      if (expires > nowMs && this.seen.size < this.capacity) break;
      this.seen.delete(sig);
    }
    const key = signature.toLowerCase();
    if (this.seen.has(key)) return true;
    this.seen.set(key, nowMs + this.ttlMs);
    return false;
  }

  get size(): number {
    return this.seen.size;
  }
}

type Outcome = "answered" | "deferred" | "refused" | "failed" | "unanswered";

interface Track {
  failed: "refused" | "failed" | null;
}

const KIND: Record<number, string> = {
  1: "ping",
  2: "command",
  3: "component",
  4: "autocomplete",
  5: "modal",
};

function send(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  extra: Record<string, string> = {},
): Promise<void> {
  return new Promise((resolve) => {
    if (res.headersSent || res.destroyed) return resolve();
    const text = typeof body === "string" ? body : JSON.stringify(body);
    res.writeHead(status, {
      "content-type": typeof body === "string" ? "text/plain; charset=utf-8" : "application/json",
      "content-length": String(Buffer.byteLength(text)),
      ...extra,
    });
    res.once("close", () => resolve());
    res.end(text, () => resolve());
  });
}

/** Reads the body up to `limit` bytes; "too-large" as soon as it is exceeded (declared or counted). */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | "too-large" | "aborted"> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve("too-large");
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (v: Buffer | "too-large" | "aborted") => {
      if (done) return;
      done = true;
      req.off("data", onData);
      resolve(v);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        finish("too-large");
      } else chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => finish(Buffer.concat(chunks, size)));
    req.once("error", () => finish("aborted"));
    req.once("close", () => finish(req.complete ? Buffer.concat(chunks, size) : "aborted"));
  });
}

function commandLabel(raw: APIInteraction, known: ReadonlySet<string>): string {
  const data = (raw as { data?: { name?: unknown; custom_id?: unknown } }).data;
  let label: string | undefined;
  if (raw.type === 2 || raw.type === 4) label = typeof data?.name === "string" ? data.name : undefined;
  else if (raw.type === 3 || raw.type === 5) {
    const id = typeof data?.custom_id === "string" ? data.custom_id : "";
    label = id.split(":")[0];
  } else label = KIND[raw.type];
  // Labels come from signed requests, but keep Prometheus cardinality bounded anyway.
  return label && known.has(label) ? label : "other";
}

function isInteraction(v: unknown): v is APIInteraction {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const r = v as Record<string, unknown>;
  if (typeof r.type !== "number" || !(r.type in KIND)) return false;
  if (r.type === 1) return true;
  return typeof r.id === "string" && typeof r.token === "string" && typeof r.application_id === "string";
}

export async function startInteractionsServer(
  options: InteractionsServerOptions,
): Promise<InteractionsServer> {
  const { config, logger } = options;
  const publicKey = options.publicKey ?? config.discordPublicKey;
  if (!publicKey) throw new Error("http: DISCORD_PUBLIC_KEY is required for the interactions endpoint");
  const verify = createVerifier(publicKey);
  const now = options.now ?? Date.now;
  const limit = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const metrics = options.metrics ?? createMetrics();
  const replays = new ReplayGuard(
    options.replayCapacity ?? 50_000,
    (MAX_AGE_SECONDS + MAX_SKEW_SECONDS + 1) * 1000,
  );
  const commandList = options.commands ?? defaultCommands;
  const componentList = options.components ?? defaultComponents;
  const known = new Set<string>([
    ...commandList.map((c) => c.data.name),
    ...componentList.map((c) => c.prefix),
    "ping",
  ]);

  // Per-request tracking lives only while its request runs (keyed by interaction id, deleted at the end).
  const tracks = new Map<string, Track>();
  const mark = (id: string, err: unknown) => {
    const t = tracks.get(id);
    if (t) t.failed = err instanceof UserError ? "refused" : "failed";
  };
  const commands = commandList.map(
    (c): Command => ({
      ...c,
      data: c.data,
      async execute(ctx) {
        try {
          await c.execute(ctx);
        } catch (err) {
          mark(ctx.interaction.id, err);
          throw err;
        }
      },
    }),
  );
  const components = componentList.map(
    (c): ComponentHandler => ({
      prefix: c.prefix,
      async handle(ctx, payload) {
        try {
          await c.handle(ctx, payload);
        } catch (err) {
          mark(ctx.interaction.id, err);
          throw err;
        }
      },
    }),
  );

  let dispatch: Dispatcher | null = null;
  const turns = new TurnQueue();
  const jobs = new Set<Promise<void>>();
  let closing = false;
  let active = 0;

  async function interaction(req: http.IncomingMessage, res: http.ServerResponse, started: number) {
    const body = await readBody(req, limit);
    if (body === "aborted") return 0;
    if (body === "too-large") {
      res.once("finish", () => req.destroy());
      await send(res, 413, { message: `body over ${limit} bytes` }, { connection: "close" });
      return 413;
    }
    const header = (name: string) => {
      const v = req.headers[name];
      return typeof v === "string" ? v : undefined;
    };
    const signature = header("x-signature-ed25519");
    const verdict = verify({ signature, timestamp: header("x-signature-timestamp"), body, nowMs: now() });
    if (!verdict.ok) {
      await send(res, 401, { message: verdict.reason });
      return 401;
    }
    if (replays.check(signature as string, now())) {
      await send(res, 401, { message: "replayed request" });
      return 401;
    }
    const type = header("content-type") ?? "";
    if (!/^application\/json\s*(;|$)/i.test(type)) {
      await send(res, 415, { message: "content-type must be application/json" });
      return 415;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(body.toString("utf8"));
    } catch {
      await send(res, 400, { message: "malformed JSON" });
      return 400;
    }
    if (!isInteraction(raw)) {
      await send(res, 400, { message: "not a Discord interaction" });
      return 400;
    }
    const kind = KIND[raw.type] ?? "other";
    const command = commandLabel(raw, known);
    if (raw.type === 1) {
      await send(res, 200, { type: 1 });
      metrics.interactions.inc({ kind, command, outcome: "answered" });
      metrics.latency.observe({ kind, command }, (performance.now() - started) / 1000);
      return 200;
    }
    if (!dispatch) {
      await send(res, 503, { message: "knowledge is still loading" }, { "retry-after": "5" });
      return 503;
    }

    let firstType: number | null = null;
    const track: Track = { failed: null };
    tracks.set(raw.id, track);
    const initial = async (response: APIInteractionResponse) => {
      firstType = response.type;
      metrics.latency.observe({ kind, command }, (performance.now() - started) / 1000);
      await send(res, 200, response, closing ? { connection: "close" } : {});
    };
    const log = lazyChild(logger, { interaction: raw.id });
    // One answer per event-loop turn (see turns.ts), so new connections and other I/O are not held up.
    await turns.next();
    const job = dispatch(raw, initial)
      .catch((err) => log.error({ err }, "http: interaction crashed the router"))
      .then(async () => {
        if (firstType === null) {
          log.error({ kind, command }, "http: no response was produced; answering 500");
          await send(res, 500, { message: "no response" });
        }
        const outcome: Outcome =
          firstType === null
            ? "unanswered"
            : (track.failed ?? (firstType === 5 || firstType === 6 ? "deferred" : "answered"));
        metrics.interactions.inc({ kind, command, outcome });
      })
      .finally(() => {
        tracks.delete(raw.id);
        jobs.delete(job);
      });
    jobs.add(job);
    // The HTTP response goes out as soon as the first response exists; follow-ups continue in `job`.
    await new Promise<void>((resolve) => {
      if (res.writableFinished || res.destroyed) return resolve();
      res.once("close", () => resolve());
      job.then(() => resolve());
    });
    return res.statusCode;
  }

  const server = http.createServer(async (req, res) => {
    active++;
    const started = performance.now();
    const path = (req.url ?? "/").split("?")[0];
    let route = "other";
    let status = 0;
    try {
      if (path === "/interactions") {
        route = "interactions";
        if (req.method !== "POST") {
          status = 405;
          await send(res, 405, { message: "use POST" }, { allow: "POST" });
        } else status = await interaction(req, res, started);
      } else if (req.method === "GET" && path === "/healthz") {
        route = "healthz";
        status = 200;
        await send(res, 200, { status: "ok" });
      } else if (req.method === "GET" && path === "/readyz") {
        route = "readyz";
        status = dispatch && !closing ? 200 : 503;
        await send(res, status, { ready: status === 200 });
      } else if (req.method === "GET" && path === "/metrics") {
        route = "metrics";
        status = 200;
        const { text, contentType } = options.scrape
          ? await options.scrape()
          : { text: await metrics.registry.metrics(), contentType: metrics.registry.contentType };
        await send(res, 200, text, { "content-type": contentType });
      } else {
        status = 404;
        await send(res, 404, { message: "not found" });
      }
    } catch (err) {
      logger.error({ err, path }, "http: request failed");
      status = 500;
      await send(res, 500, { message: "internal error" });
    } finally {
      active--;
      if (status) metrics.http.inc({ route, status: String(status) });
    }
  });
  server.requestTimeout = 15_000;
  server.headersTimeout = 10_000;
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
    else socket.destroy();
  });

  const host = options.host ?? config.interactionsHost;
  const port = options.port ?? config.interactionsPort ?? 0;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}`;
  logger.info(
    { url, signatures: defaultVerifyBackend },
    "http: interactions endpoint listening on POST /interactions",
  );

  let closed: Promise<void> | null = null;
  return {
    url,
    port: address.port,
    metrics,
    setDesk(desk, extras = {}) {
      dispatch = createDispatcher({
        rest: options.rest,
        config,
        desk,
        logger,
        commands,
        components,
        ...(extras.ingest ? { ingest: extras.ingest } : {}),
        ...(options.autoDeferMs !== undefined ? { autoDeferMs: options.autoDeferMs } : {}),
      });
      if (desk.articles) metrics.articles.set(desk.articles.length);
      if (desk.sentenceCount !== undefined) metrics.sentences.set(desk.sentenceCount);
      metrics.ready.set(1);
    },
    inFlight: () => active + jobs.size,
    close() {
      closed ??= (async () => {
        closing = true;
        metrics.ready.set(0);
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const grace = new Promise<void>((r) => setTimeout(r, options.closeGraceMs ?? 10_000).unref());
        const drained = (async () => {
          while (active > 0 || jobs.size > 0) {
            await Promise.allSettled([...jobs]);
            await new Promise((r) => setTimeout(r, 10));
            server.closeIdleConnections();
          }
        })();
        await Promise.race([drained, grace]);
        server.closeAllConnections();
        await stopped;
        logger.info("http: interactions endpoint closed");
      })();
      return closed;
    },
  };
}
