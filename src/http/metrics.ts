/**
 * Prometheus metrics of the HTTP interactions endpoint (prom-client), one registry per server so that
 * several servers in one process (tests, replicas) never share counters.
 *
 * @example
 * const metrics = createMetrics();
 * metrics.interactions.inc({ kind: "command", command: "ask", outcome: "answered" });
 * res.end(await metrics.registry.metrics());
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export interface Metrics {
  readonly registry: Registry;
  /** Interactions by kind (command, autocomplete, component, modal, ping), command and outcome. */
  readonly interactions: Counter<"kind" | "command" | "outcome">;
  /** Seconds from the request arriving to the HTTP response (what Discord's 3 s window measures). */
  readonly latency: Histogram<"kind" | "command">;
  /** Every HTTP request by route and status code (401, 413, 400… show up here). */
  readonly http: Counter<"route" | "status">;
  /** REST calls after the first response (follow-ups, edits): retried, given up, succeeded after retry. */
  readonly rest: Counter<"outcome">;
  readonly articles: Gauge;
  readonly sentences: Gauge;
  /** 1 once the knowledge is loaded. */
  readonly ready: Gauge;
  /** Answer memo lookups by result (hit, miss), read from `memoStats` at scrape time. */
  readonly memo: Gauge<"result">;
  /** Where `memo` reads its figures; set when a memoised desk is installed. */
  memoStats: (() => { hits: number; misses: number; size: number }) | null;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: "newsdesk_" });
  const registers = [registry];
  const metrics: Metrics = {
    registry,
    interactions: new Counter({
      name: "newsdesk_interactions_total",
      help: "Interactions handled, by kind, command and outcome (answered, deferred, refused, failed, unanswered)",
      labelNames: ["kind", "command", "outcome"],
      registers,
    }),
    latency: new Histogram({
      name: "newsdesk_interaction_response_seconds",
      help: "Time from receiving an interaction to sending its HTTP response",
      labelNames: ["kind", "command"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5],
      registers,
    }),
    http: new Counter({
      name: "newsdesk_http_requests_total",
      help: "HTTP requests by route and status code",
      labelNames: ["route", "status"],
      registers,
    }),
    rest: new Counter({
      name: "newsdesk_rest_calls_total",
      help: "REST calls after the first response: ok, retried (one per retry), failed (given up)",
      labelNames: ["outcome"],
      registers,
    }),
    // Summed over cluster workers except these: every worker holds the same knowledge.
    articles: new Gauge({
      name: "newsdesk_knowledge_articles",
      help: "Articles loaded",
      registers,
      aggregator: "max",
    }),
    sentences: new Gauge({
      name: "newsdesk_knowledge_sentences",
      help: "Sentences indexed",
      registers,
      aggregator: "max",
    }),
    ready: new Gauge({
      name: "newsdesk_ready",
      help: "1 once the knowledge is loaded (in every worker)",
      registers,
      aggregator: "min",
    }),
    memo: new Gauge({
      name: "newsdesk_memo_lookups",
      help: "Answer memo lookups since start, by result (hit, miss), and entries held (size)",
      labelNames: ["result"],
      registers,
      collect() {
        const stats = metrics.memoStats?.();
        if (!stats) return;
        this.set({ result: "hit" }, stats.hits);
        this.set({ result: "miss" }, stats.misses);
        this.set({ result: "size" }, stats.size);
      },
    }),
    memoStats: null,
  };
  return metrics;
}
