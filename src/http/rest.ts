/**
 * The REST client of the HTTP interactions endpoint: discord.js's `REST` pointed at DISCORD_API_URL, with
 * its own immediate retries turned off and replaced by retries with exponential backoff and jitter for
 * server errors (5xx), timeouts and dropped connections. 4xx answers are not retried (they will not
 * change); 429 stays with discord.js's rate-limit handling. When the last attempt fails the error is
 * logged and thrown to the caller (the router's central catch), never left unhandled.
 *
 * Caveat: a POST that timed out may have been applied by Discord; retrying it can post a follow-up twice.
 *
 * @example
 * const rest = createRetryingRest({ apiUrl: config.discordApiUrl, token: config.discordToken, logger });
 * await rest.post(Routes.webhook(appId, token), { body, auth: false });
 */
import { HTTPError, REST } from "discord.js";
import type { RestClient } from "../discord/responder.ts";
import type { AppLogger } from "../log.ts";
import type { Metrics } from "./metrics.ts";

export interface RetryOptions {
  /** Tries in all, the first included (default 4). */
  attempts?: number;
  /** Delay before the first retry; doubles each time, ±50 % jitter (default 250 ms). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Per-attempt timeout (default 5,000 ms). */
  timeoutMs?: number;
}

const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/** Whether a failed REST call may succeed if tried again. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof HTTPError) return err.status >= 500;
  if (!(err instanceof Error)) return false;
  if (err.name === "AbortError" || err.name === "TimeoutError") return true;
  const code = (err as { code?: string }).code ?? (err.cause as { code?: string } | undefined)?.code;
  return code !== undefined && NETWORK_CODES.has(code);
}

/** Wraps `inner` so every call is retried per `isRetryable`. */
export function withRetries(
  inner: RestClient,
  options: RetryOptions & { logger: AppLogger; metrics?: Metrics; sleep?: (ms: number) => Promise<void> },
): RestClient {
  const attempts = Math.max(1, options.attempts ?? 4);
  const base = options.baseDelayMs ?? 250;
  const max = options.maxDelayMs ?? 4000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const { logger, metrics } = options;

  async function call<T>(method: string, route: string, op: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await op();
        metrics?.rest.inc({ outcome: "ok" });
        return result;
      } catch (err) {
        // Interaction tokens sit in webhook routes; log the route shape, not the token.
        const where = `${method} ${route.replace(/\/webhooks\/(\d+)\/[^/]+/, "/webhooks/$1/…")}`;
        if (!isRetryable(err) || attempt >= attempts) {
          if (isRetryable(err)) {
            metrics?.rest.inc({ outcome: "failed" });
            logger.error({ err, attempts: attempt }, `rest: ${where} failed after ${attempt} attempt(s)`);
          }
          throw err;
        }
        const delay = Math.min(max, base * 2 ** (attempt - 1)) * (0.5 + Math.random());
        metrics?.rest.inc({ outcome: "retried" });
        logger.warn(
          { err: (err as Error).message, attempt, delayMs: Math.round(delay) },
          `rest: ${where} failed; retrying`,
        );
        await sleep(delay);
      }
    }
  }

  return {
    get: (route, o) => call("GET", route, () => inner.get(route, o)),
    post: (route, o) => call("POST", route, () => inner.post(route, o)),
    patch: (route, o) => call("PATCH", route, () => inner.patch(route, o)),
    put: (route, o) => call("PUT", route, () => inner.put(route, o)),
    delete: (route, o) => call("DELETE", route, () => inner.delete(route, o)),
  };
}

/** discord.js REST at `apiUrl` (token optional: interaction webhooks need none) with backoff retries. */
export function createRetryingRest(
  options: RetryOptions & { apiUrl: string; token: string | null; logger: AppLogger; metrics?: Metrics },
): RestClient {
  const rest = new REST({ api: options.apiUrl, retries: 0, timeout: options.timeoutMs ?? 5000 });
  if (options.token) rest.setToken(options.token);
  return withRetries(rest, options);
}
