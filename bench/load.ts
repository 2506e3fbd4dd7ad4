/**
 * Load test of the HTTP interactions endpoint (`npm run bench:load`), on 127.0.0.1 only.
 *
 * A child process serves the BBC + Reuters corpora (openKnowledge with both folders; the index cache makes
 * every run after the first fast) with DISCORD_API_URL pointed at a local sink that counts any REST call.
 * This process then drives it with autocannon at concurrency 50: GET /healthz (the framework floor), signed
 * `/ask` slash commands and signed autocomplete requests (`/who name`, `/summary article`), each request
 * signed afresh (unique interaction id, so the replay guard never fires). Every response is checked: 200
 * and the expected interaction response type; deferred answers (type 5) are counted, not hidden.
 *
 * `/ask` runs twice: "ask distinct" sends a different question every time (built at run time from the
 * corpora's article titles, so no memo or warm cache makes it easy), "ask" repeats 30 hand-written ones.
 *
 * Each row is measured after a warm-up of the same scenario (default 10,000 requests) over 20,000 requests
 * (default). Measured with a timeline (--timeline): after only 500 warm-up requests a server under this
 * load takes about 8 s (10,000 requests) to reach its steady rate (throughput ramps from ~800 to ~1,500
 * req/s for distinct questions, with both cores busy its JIT and GC threads get little time). Short, cold
 * runs therefore measure the start-up, not the server; --warmup 500 --amount 5000 shows it. (Each run's
 * first requests used to wait 0.2-1 s more: the cluster hands a worker new connections one at a time,
 * each acknowledged in a turn of the worker's event loop, and a turn answered every waiting request.
 * The server now answers one request per turn, src/http/turns.ts.)
 *
 *   npm run bench:load [-- --amount 20000 --warmup 10000 --connections 50 --workers 2 --json]
 *   other flags: --servers memo|no-memo|both, --only healthz,ask distinct,…, --settle <s> (wait after start,
 *   default 6: the servers warm their term cache), --prof <dir> (CPU profiles of the servers),
 *   --node-flags "<flags>" (extra Node.js flags for the servers, e.g. --trace-gc), --semi-space <MB> (the
 *   servers' --max-semi-space-size; default: the value in package.json's start script, 0 for Node's own),
 *   --timeline <prefix> (writes <prefix>-<server>-<scenario>.json: [ms since start, latency ms] per response)
 *
 * Targets on the 2-core box: `/ask` p99 ≤ 50 ms, autocomplete p99 ≤ 20 ms, zero errors.
 */
import { fork } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { parseConfig } from "../src/config.ts";
import { createSigner } from "../src/http/verify.ts";
import { loadKnowledge } from "../src/knowledge.ts";
import { createLogger } from "../src/log.ts";

const CORPORA = ["bbc", "reuters"].map((c) =>
  fileURLToPath(new URL(`../../shared/corpora/${c}`, import.meta.url)),
);
const SEED = "5a".repeat(32);
const args = process.argv.slice(2);
const textArg = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const arg = (name: string, fallback: number) => {
  const v = textArg(name);
  return v ? Number(v) : fallback;
};

/** Questions a newsroom's readers might type (written for this bench; no corpus text). */
export const QUESTIONS = [
  "What did the Bank of England decide on interest rates?",
  "Who won the election?",
  "Why did oil prices rise?",
  "How much did Microsoft earn?",
  "Why did the dollar fall against the yen?",
  "What did the Chelsea manager say?",
  "What happened to wheat exports?",
  "How big is the trade deficit with Japan?",
  "Who is the new chief executive?",
  "What did the chancellor announce in the budget?",
  "Where will the Olympics be held?",
  "What did the prime minister say about Iraq?",
  "How did the stock market close?",
  "What are coffee prices doing?",
  "Who bought the company?",
  "What did OPEC agree?",
  "How many jobs will be cut?",
  "What did the central bank say about inflation?",
  "Which film won the award?",
  "What is happening with mobile phone sales?",
  "Who was injured before the match?",
  "What did the court rule?",
  "How much gold was produced?",
  "What did the union say about the strike?",
  "Why were shares down?",
  "What are the sugar quotas?",
  "Who will play in the final?",
  "What is the forecast for growth?",
  "How did the pound trade?",
  "What did the minister say about immigration?",
];
const WHO_PREFIXES = [
  "Tony",
  "Gordon",
  "Blair",
  "Bush",
  "Micro",
  "Chel",
  "Arsen",
  "Yuk",
  "Jose",
  "Ken",
  "Mar",
  "Jo",
];
const ARTICLE_PREFIXES = ["oil", "bank", "wheat", "Chel", "market", "tax", "film", "rate", "gold", "union"];

// ---------------------------------------------------------------------------------------------------------
// Child: the server under test.
if (args.includes("--serve")) {
  const [{ startHttp }, { default: cluster }] = await Promise.all([
    import("../src/http/start.ts"),
    import("node:cluster"),
  ]);
  const signer = createSigner(SEED);
  const config = parseConfig({
    INTERACTIONS_PORT: "0",
    DISCORD_PUBLIC_KEY: signer.publicKeyHex,
    DISCORD_API_URL: process.env.SINK_URL ?? "http://127.0.0.1:9/api",
    COOLDOWN_SECONDS: "0",
    LOG_LEVEL: "warn",
    HTTP_WORKERS: String(arg("workers", 1)),
  });
  const logger = createLogger({ level: "error", destination: process.stderr });
  // As `npm start` does: with --workers > 1 this process supervises workers that run this file again.
  const app = await startHttp(config, logger, { knowledgeDirs: CORPORA, memoEntries: arg("memo", 5000) });
  if (cluster.isPrimary) process.send?.({ url: "url" in app ? app.url : app.server.url });
} else {
  await main();
}

interface Counts {
  [key: string]: number;
}

async function main(): Promise<void> {
  const amount = arg("amount", 20_000);
  const warmup = arg("warmup", 10_000);
  const connections = arg("connections", 50);
  const json = args.includes("--json");
  const log = (m: string) => {
    if (!json) console.error(m);
  };

  // The REST sink: DISCORD_API_URL for the server; anything arriving here is follow-up traffic.
  let restCalls = 0;
  const sink = http.createServer((req, res) => {
    restCalls++;
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"id":"1","channel_id":"1"}');
    });
  });
  await new Promise<void>((r) => sink.listen(0, "127.0.0.1", r));
  const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/api`;

  // The servers' young generation as `npm start` sets it (package.json), unless --semi-space says otherwise.
  const startScript = (
    JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      scripts: { start: string };
    }
  ).scripts.start;
  const semi = arg("semi-space", Number(/--max-semi-space-size=(\d+)/.exec(startScript)?.[1] ?? 0));
  log(
    `load: servers run with ${semi > 0 ? `--max-semi-space-size=${semi}` : "Node's default young generation"}`,
  );
  const profDir = textArg("prof");
  const serve = async (memo: number) => {
    const started = performance.now();
    const child = fork(
      fileURLToPath(import.meta.url),
      ["--serve", "--memo", String(memo), "--workers", String(arg("workers", 1))],
      {
        env: { ...process.env, SINK_URL: sinkUrl },
        execArgv: [
          "--import",
          "tsx",
          ...(semi > 0 ? [`--max-semi-space-size=${semi}`] : []),
          ...(profDir ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : []),
          ...(textArg("node-flags")?.split(" ") ?? []),
        ],
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      },
    );
    const url = await new Promise<string>((resolve, reject) => {
      child.once("message", (m) => resolve((m as { url: string }).url));
      child.once("exit", (code) => reject(new Error(`load: server exited with ${code}`)));
    });
    log(
      `load: server (memo ${memo}) ready at ${url} in ${Math.round((performance.now() - started) / 1000)} s`,
    );
    return { url, child };
  };
  // Without the answer memo (every request reaches the core) and with it (the default in HTTP mode).
  // --servers memo|no-memo|both, --only healthz,ask,… pick a subset (profiling, quick checks).
  const which = textArg("servers") ?? "both";
  const only = textArg("only")?.split(",");

  const signer = createSigner(SEED);
  let seq = 0;
  const interaction = (type: number, data: unknown) => {
    seq++;
    const id = String(1_300_000_000_000_000_000n + BigInt(seq));
    const user = String(400_000_000_000_000_000n + BigInt(seq % 997));
    return JSON.stringify({
      id,
      application_id: "100000000000000001",
      type,
      token: `bench-${id}`,
      version: 1,
      guild_id: "200000000000000002",
      channel_id: "300000000000000003",
      member: { user: { id: user, username: `reader${seq % 997}` }, permissions: "0" },
      data,
    });
  };
  // Distinct questions, one per request: built from the corpora's article titles (read at run time,
  // shuffled with a fixed seed), so neither the answer memo nor a warm term cache can make them easy.
  const titles = [
    ...new Set(
      (await Promise.all(CORPORA.map((d) => loadKnowledge(d)))).flatMap((k) =>
        k.articles.map((a) => a.title),
      ),
    ),
  ];
  let state = 42;
  for (let i = titles.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    const j = state % (i + 1);
    [titles[i], titles[j]] = [titles[j]!, titles[i]!];
  }
  const TEMPLATES = [(t: string) => `What happened: ${t}?`, (t: string) => t, (t: string) => `Why ${t}?`];
  const distinct = (i: number) => TEMPLATES[i % TEMPLATES.length]!(titles[i % titles.length]!);
  log(`load: ${titles.length} distinct article titles for distinct questions`);

  const makers: Record<string, (i: number) => string> = {
    "ask distinct": (i) =>
      interaction(2, {
        id: "1",
        name: "ask",
        type: 1,
        options: [{ name: "question", type: 3, value: distinct(i) }],
      }),
    ask: (i) =>
      interaction(2, {
        id: "1",
        name: "ask",
        type: 1,
        options: [{ name: "question", type: 3, value: QUESTIONS[i % QUESTIONS.length] }],
      }),
    "autocomplete who": (i) =>
      interaction(4, {
        id: "2",
        name: "who",
        type: 1,
        options: [{ name: "name", type: 3, value: WHO_PREFIXES[i % WHO_PREFIXES.length], focused: true }],
      }),
    "autocomplete summary": (i) =>
      interaction(4, {
        id: "3",
        name: "summary",
        type: 1,
        options: [
          { name: "article", type: 3, value: ARTICLE_PREFIXES[i % ARTICLE_PREFIXES.length], focused: true },
        ],
      }),
  };

  const rows: Record<string, unknown>[] = [];
  let sequence = 0;
  let failed = false;
  const run = async (server: string, url: string, name: string, expectType: number | null, warm = 0) => {
    const types: Counts = {};
    let bad = 0;
    let n = 0;
    const make = makers[name];
    // Signed before the run (each unique; valid for 5 minutes), so the client's CPU goes to sending.
    // `sequence` runs on across runs: a measured run never repeats its warm-up's distinct questions.
    const presigned = make
      ? Array.from({ length: (warm || amount) + connections * 4 }, () => {
          const body = make(sequence++);
          return { body, headers: signer.headers(body) };
        })
      : [];
    // This process's own garbage (the corpora read for titles, the last run's responses) is collected
    // now, not in the middle of the run where its pause would count as the server's latency.
    (globalThis as { gc?: () => void }).gc?.();
    const began = performance.now();
    const timeline: [number, number][] = [];
    const instance = autocannon({
      url,
      connections,
      amount: warm || amount,
      requests: [
        make
          ? {
              method: "POST",
              path: "/interactions",
              setupRequest: (req: Record<string, unknown>) => {
                const signed = presigned[n++];
                if (!signed) throw new Error(`load: ${name}: more requests than presigned`);
                return { ...req, ...signed };
              },
              onResponse: (status: number, body: string) => {
                if (status !== 200) {
                  bad++;
                  return;
                }
                const t = String((JSON.parse(body) as { type: number }).type);
                types[t] = (types[t] ?? 0) + 1;
                if (expectType !== null && Number(t) !== expectType && t !== "5") bad++;
              },
            }
          : { method: "GET", path: "/healthz" },
      ],
    });
    if (textArg("timeline") && !warm) {
      (instance as unknown as NodeJS.EventEmitter).on(
        "response",
        (_client: unknown, _status: number, _bytes: number, ms: number) => {
          timeline.push([Math.round(performance.now() - began), ms]);
        },
      );
    }
    const result = await instance;
    const seconds = (performance.now() - began) / 1000;
    if (textArg("timeline") && !warm) {
      writeFileSync(
        `${textArg("timeline")}-${server.replace(" ", "-")}-${name.replace(" ", "-")}.json`,
        JSON.stringify(timeline),
      );
    }
    const errors = result.errors + result.timeouts + result.non2xx + bad;
    if (warm) {
      if (errors > 0) failed = true;
      log(`load: ${server} ${name}: warm-up of ${warm} requests, ${errors} errors`);
      return;
    }
    if (errors > 0) failed = true;
    const row = {
      server,
      workers: arg("workers", 1),
      scenario: name,
      requests: result.requests.total,
      errors,
      deferred: types["5"] ?? 0,
      // autocannon ends an `amount` run on a 1-second tick, so total/duration is coarse for short runs;
      // Little's law (connections / mean latency) gives the rate the server sustained.
      "req/s": Math.round((connections * 1000) / Math.max(result.latency.average, 0.001)),
      "wall s": Math.round(seconds * 10) / 10,
      "p50 ms": result.latency.p50,
      "p90 ms": result.latency.p90,
      "p99 ms": result.latency.p99,
      "max ms": result.latency.max,
      types: JSON.stringify(types),
    };
    rows.push(row);
    log(`load: ${name}: ${JSON.stringify(row)}`);
  };

  // One server at a time, stopped before the next starts: an idle server's workers still collect
  // their garbage (V8's memory reducer runs full collections of their ~300 MB heaps once their
  // allocation drops), and on two cores that CPU came out of the measured server's share.
  let metrics = "";
  for (const [label, memoEntries] of [
    ["no memo", 0],
    ["memo", 5000],
  ] as const) {
    if (which === (memoEntries > 0 ? "no-memo" : "memo")) continue;
    log(
      `load: starting the ${label} server on ${CORPORA.join(" + ")} (the first run builds the index cache, ~60 s)…`,
    );
    const server = await serve(memoEntries);
    await new Promise((r) => setTimeout(r, arg("settle", 6) * 1000));
    // Each scenario: a warm-up (JIT; fills the memo where there is one), then the measured run.
    for (const [name, type] of [
      ["healthz", null],
      ["ask distinct", 4],
      ["ask", 4],
      ["autocomplete who", 8],
      ["autocomplete summary", 8],
    ] as const) {
      if (only && !only.includes(name)) continue;
      await run(label, server.url, name, type, warmup);
      await run(label, server.url, name, type);
    }
    metrics = await (await fetch(`${server.url}/metrics`)).text();
    server.child.kill("SIGTERM");
    await new Promise((r) => server.child.once("exit", r));
  }
  sink.close();

  const out = { corpora: CORPORA, connections, amountPerScenario: amount, restCallsToSink: restCalls, rows };
  if (json) console.log(JSON.stringify(out, null, 2));
  else {
    console.table(rows);
    console.log(`REST calls that left the server (to the local sink): ${restCalls}`);
    const ask = /newsdesk_interactions_total\{kind="command",command="ask",outcome="(\w+)"\} (\d+)/g;
    for (const m of metrics.matchAll(ask)) console.log(`server metrics: ask ${m[1]} = ${m[2]}`);
  }
  if (failed) {
    console.error("load: some requests failed");
    process.exitCode = 1;
  }
}
