/**
 * The HTTP interactions endpoint, over the wire on 127.0.0.1: signatures, limits, the same commands,
 * buttons, autocomplete and context menu as the gateway, deferral with a REST follow-up, health, metrics,
 * REST failures (500s, hangs) and graceful shutdown.
 */
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commands as defaultCommands } from "../../commands/index.ts";
import type { Command } from "../../commands/types.ts";
import { parseConfig } from "../../src/config.ts";
import { type HttpMode, startHttpMode } from "../../src/http/start.ts";
import { createSigner } from "../../src/http/verify.ts";
import {
  askCommand,
  autocomplete,
  buttonClick,
  captureLogger,
  customIds,
  type FakeRest,
  findSources,
  slashCommand,
  startFakeRest,
  waitUntil,
} from "./helpers.ts";

const signer = createSigner("11".repeat(32));
const stranger = createSigner("22".repeat(32));
let fake: FakeRest;
let app: HttpMode;
let url: string;
let cacheDir: string;
const { logger, out } = captureLogger("debug");
let releaseSlow: () => void = () => {};

/** A command that waits until the test releases it (to exercise defer + follow-up and shutdown). */
const slow: Command = {
  data: { name: "slow", description: "waits", type: 1 },
  async execute(ctx) {
    await new Promise<void>((r) => {
      releaseSlow = r;
    });
    await ctx.responder.reply({ content: "done slowly" });
  },
};

async function post(body: string, headers: Record<string, string>) {
  const res = await fetch(`${url}/interactions`, { method: "POST", body, headers });
  const text = await res.text();
  let json: Record<string, unknown> | null = null;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {}
  return { status: res.status, json, text };
}

async function signed(payload: unknown, key = signer, ts?: number) {
  const body = JSON.stringify(payload);
  return post(body, key.headers(body, ts));
}

type Data = {
  content?: string;
  embeds?: { author?: { name?: string }; description?: string }[];
  flags?: number;
  choices?: { name: string; value: string }[];
  components?: unknown[];
  allowed_mentions?: { parse: unknown[] };
};
const data = (r: { json: Record<string, unknown> | null }) => (r.json?.data ?? {}) as Data;

beforeAll(async () => {
  fake = await startFakeRest();
  cacheDir = mkdtempSync(join(tmpdir(), "newsdesk-http-"));
  const config = parseConfig({
    INTERACTIONS_PORT: "0",
    DISCORD_PUBLIC_KEY: signer.publicKeyHex,
    DISCORD_API_URL: fake.url,
    COOLDOWN_SECONDS: "0",
  });
  app = await startHttpMode(config, logger, {
    knowledgeDirs: ["knowledge", "test/fixtures/discord"],
    cacheDir,
    signals: false,
    retry: { attempts: 3, baseDelayMs: 20, timeoutMs: 300 },
    server: { commands: [...defaultCommands, slow], autoDeferMs: 150 },
  });
  url = app.server.url;
});

afterAll(async () => {
  releaseSlow();
  await app?.stop();
  await fake?.close();
  rmSync(cacheDir, { recursive: true, force: true });
});

describe("signatures and limits", () => {
  it("GIVEN a signed PING THEN it answers {type:1}", async () => {
    const r = await signed({ type: 1, id: "1", application_id: "1", token: "t" });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ type: 1 });
  });

  it("GIVEN no signature, a wrong one, or another key's THEN 401 and nothing runs", async () => {
    const body = JSON.stringify(askCommand("harbour"));
    const before = fake.calls.length;
    expect((await post(body, { "content-type": "application/json" })).status).toBe(401);
    const h = signer.headers(body);
    const flipped = `${h["x-signature-ed25519"]!.startsWith("0") ? "1" : "0"}${h["x-signature-ed25519"]!.slice(1)}`;
    expect((await post(body, { ...h, "x-signature-ed25519": flipped })).status).toBe(401);
    expect((await signed(JSON.parse(body), stranger)).status).toBe(401);
    // The signature covers the body: the same headers over a changed body fail.
    expect((await post(body.replace("harbour", "harbouR"), h)).status).toBe(401);
    expect(fake.calls.length).toBe(before);
  });

  it("GIVEN a timestamp over 5 minutes old or more than 5 s ahead THEN 401; 3 s ahead is accepted", async () => {
    const now = Math.floor(Date.now() / 1000);
    const stale = await signed(askCommand("harbour"), signer, now - 301);
    expect(stale.status).toBe(401);
    expect(stale.json?.message).toBe("stale timestamp");
    expect((await signed(askCommand("harbour"), signer, now + 30)).status).toBe(401);
    expect((await signed({ type: 1 }, signer, now + 3)).status).toBe(200);
  });

  it("GIVEN the exact same signed request twice THEN the replay is refused", async () => {
    const body = JSON.stringify({ type: 1, nonce: Math.random() });
    const h = signer.headers(body);
    expect((await post(body, h)).status).toBe(200);
    const again = await post(body, h);
    expect(again.status).toBe(401);
    expect(again.json?.message).toBe("replayed request");
  });

  it("GIVEN a body over 1 MiB, declared or streamed without a length THEN 413 without reading it all", async () => {
    const big = `{"type":1,"pad":"${"x".repeat(1024 * 1024)}"}`;
    const declared = await post(big, signer.headers(big));
    expect(declared.status).toBe(413);
    // Chunked: no content-length; the server counts and stops at the limit while we keep sending.
    const status = await new Promise<number>((resolve, reject) => {
      const u = new URL(`${url}/interactions`);
      const req = http.request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname,
          method: "POST",
          headers: { ...signer.headers("{}"), "transfer-encoding": "chunked" },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let sent = 0;
      const pump = () => {
        while (sent < 4 * 1024 * 1024) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once("drain", pump);
        }
        req.end();
      };
      pump();
    }).catch(() => 413);
    expect(status).toBe(413);
  });

  it("GIVEN a good signature over malformed JSON, a non-interaction, or a wrong content type THEN 400/400/415", async () => {
    const bad = '{"type": 2, "id": ';
    expect((await post(bad, signer.headers(bad))).status).toBe(400);
    const notInteraction = '{"hello":"world"}';
    expect((await post(notInteraction, signer.headers(notInteraction))).status).toBe(400);
    const ping = '{"type":1,"x":1}';
    expect((await post(ping, { ...signer.headers(ping), "content-type": "text/plain" })).status).toBe(415);
  });

  it("GIVEN GET on /interactions or an unknown path THEN 405 / 404", async () => {
    expect((await fetch(`${url}/interactions`)).status).toBe(405);
    expect((await fetch(`${url}/nope`)).status).toBe(404);
  });
});

describe("the same commands as the gateway", () => {
  it("GIVEN /ask WHEN signed THEN the HTTP body is the answer (type 4) quoting the article, mentions off", async () => {
    const r = await signed(askCommand("harbour committee marathon session"));
    expect(r.status).toBe(200);
    expect(r.json?.type).toBe(4);
    const d = data(r);
    expect(d.allowed_mentions).toEqual({ parse: [] });
    expect(JSON.stringify(d.embeds)).toMatch(/harbour/i);
    expect(customIds(d).some((id) => id.startsWith("ask1:") || id.startsWith("ctx1:"))).toBe(true);
  });

  it("GIVEN a click on More THEN the message is updated in place (type 7) with the next page", async () => {
    const first = await signed(askCommand("harbour"));
    const d = data(first);
    const next = customIds(d).find((id) => id.startsWith("ask1:1:"));
    expect(next).toBeDefined();
    const shown = { id: "800000000000000100", channel_id: "300000000000000003", ...d };
    const r = await signed(buttonClick(shown, next!));
    expect(r.status).toBe(200);
    expect(r.json?.type).toBe(7);
    expect(JSON.stringify(data(r).embeds)).not.toEqual(JSON.stringify(d.embeds));
  });

  it("GIVEN /who autocomplete THEN type 8 with at most 25 choices", async () => {
    const r = await signed(autocomplete("who", "name", "a"));
    expect(r.status).toBe(200);
    expect(r.json?.type).toBe(8);
    const choices = data(r).choices ?? [];
    expect(choices.length).toBeLessThanOrEqual(25);
    for (const c of choices) expect(c.name.length).toBeLessThanOrEqual(100);
  });

  it("GIVEN Find sources on a message THEN a private answer (ephemeral flag)", async () => {
    const r = await signed(findSources("The harbour committee met for a marathon session"));
    expect(r.json?.type).toBe(4);
    expect((data(r).flags ?? 0) & 64).toBe(64);
  });

  it("GIVEN a modal submit (no command uses modals yet) THEN the router's polite private refusal, as on the gateway", async () => {
    const r = await signed({ ...askCommand("x"), type: 5, data: { custom_id: "nope:1", components: [] } });
    expect(r.json?.type).toBe(4);
    expect((data(r).flags ?? 0) & 64).toBe(64);
    expect(data(r).content).toMatch(/expired/);
  });

  it("GIVEN /help and /articles THEN type 4 answers", async () => {
    for (const name of ["help", "articles"]) {
      const r = await signed(slashCommand(name));
      expect(r.json?.type, name).toBe(4);
    }
  });

  it("GIVEN a slow handler THEN it is deferred (type 5) in time and finished by PATCH @original over REST", async () => {
    const startedAt = performance.now();
    const r = await signed(slashCommand("slow"));
    expect(r.json?.type).toBe(5);
    expect(performance.now() - startedAt).toBeLessThan(2000);
    const before = fake.calls.length;
    releaseSlow();
    await waitUntil("the follow-up", () => fake.calls.length > before);
    const call = fake.calls.at(-1)!;
    expect(call.method).toBe("PATCH");
    expect(call.path).toMatch(/^\/webhooks\/\d+\/itoken-\d+\/messages\/@original$/);
    expect((call.body as { content?: string }).content).toBe("done slowly");
  });
});

describe("health, readiness, metrics", () => {
  it("GIVEN a loaded server THEN /healthz and /readyz are 200 and /metrics counts commands and knowledge", async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    // The memo keeps an answer from its second ask, so the third is a hit.
    for (let i = 0; i < 3; i++) await signed(askCommand("ferry timetable"));
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/newsdesk_memo_lookups\{result="hit"\} [1-9]/);
    expect(text).toMatch(
      /newsdesk_interactions_total\{kind="command",command="ask",outcome="answered"\} [1-9]/,
    );
    expect(text).toMatch(
      /newsdesk_interaction_response_seconds_bucket\{le="0.05",kind="command",command="ask"\}/,
    );
    expect(text).toMatch(/newsdesk_http_requests_total\{route="interactions",status="401"\} [1-9]/);
    expect(text).toMatch(/newsdesk_knowledge_articles [1-9]/);
    expect(text).toMatch(/newsdesk_knowledge_sentences [1-9]/);
  });

  it("GIVEN knowledge still loading THEN /readyz is 503, PING works and commands get 503", async () => {
    const fresh = await import("../../src/http/server.ts");
    const { createRetryingRest } = await import("../../src/http/rest.ts");
    const config = parseConfig({
      INTERACTIONS_PORT: "0",
      DISCORD_PUBLIC_KEY: signer.publicKeyHex,
      DISCORD_API_URL: fake.url,
    });
    const s = await fresh.startInteractionsServer({
      config,
      logger,
      rest: createRetryingRest({ apiUrl: fake.url, token: null, logger }),
    });
    try {
      expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${s.url}/readyz`)).status).toBe(503);
      const ping = JSON.stringify({ type: 1 });
      expect(
        (await fetch(`${s.url}/interactions`, { method: "POST", body: ping, headers: signer.headers(ping) }))
          .status,
      ).toBe(200);
      const ask = JSON.stringify(askCommand("harbour"));
      expect(
        (await fetch(`${s.url}/interactions`, { method: "POST", body: ask, headers: signer.headers(ask) }))
          .status,
      ).toBe(503);
    } finally {
      await s.close();
    }
  });
});

describe("REST failures after the first response", () => {
  it("GIVEN the REST API answers 500 THEN the follow-up is retried with backoff, logged, and the server keeps serving", async () => {
    fake.mode = "fail";
    const before = fake.calls.length;
    try {
      const r = await signed(slashCommand("slow"));
      expect(r.json?.type).toBe(5);
      releaseSlow();
      // 3 attempts for the edit, then the router's "something went wrong" edit also gets 3.
      await waitUntil("retries to give up", () => /failed after 3 attempt/.test(out.text), 5000);
      expect(fake.calls.length - before).toBeGreaterThanOrEqual(3);
      expect(out.text).toMatch(/failing; retrying|failed; retrying/);
    } finally {
      fake.mode = "ok";
    }
    const ok = await signed(askCommand("harbour"));
    expect(ok.json?.type).toBe(4);
  });

  it("GIVEN the REST API hangs THEN each attempt times out, is retried, given up and logged; the server keeps serving", async () => {
    fake.mode = "hang";
    out.text = "";
    try {
      const r = await signed(slashCommand("slow"));
      expect(r.json?.type).toBe(5);
      releaseSlow();
      await waitUntil("timeouts to give up", () => /failed after 3 attempt/.test(out.text), 8000);
    } finally {
      fake.mode = "ok";
    }
    expect((await signed(askCommand("harbour"))).json?.type).toBe(4);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/newsdesk_rest_calls_total\{outcome="failed"\} [1-9]/);
    expect(metrics).toMatch(/newsdesk_rest_calls_total\{outcome="retried"\} [1-9]/);
  });
});
