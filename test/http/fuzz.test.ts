/**
 * Bad input, in bulk (seeded, ~3,000 requests): random, truncated and oversized bodies, wrong content
 * types and methods, garbage headers, stale, replayed and re-signed-with-another-key requests. None is
 * answered 2xx, the server stays up and answers normally afterwards, and its heap does not grow.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.ts";
import { type HttpMode, startHttpMode } from "../../src/http/start.ts";
import { createSigner } from "../../src/http/verify.ts";
import { askCommand, autocomplete, captureLogger, type FakeRest, startFakeRest } from "./helpers.ts";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const signer = createSigner("55".repeat(32));
const other = createSigner("66".repeat(32));
let fake: FakeRest;
let app: HttpMode;
let cacheDir: string;
const { logger } = captureLogger("warn");

/** Small seeded PRNG (mulberry32) so a failure can be replayed. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(20261129);
const int = (n: number) => Math.floor(random() * n);
const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;

interface Case {
  category: string;
  method?: string;
  path?: string;
  body: Buffer | string;
  headers: Record<string, string>;
  /** Statuses this case may get. */
  expect: readonly number[];
}

let unique = 0;

function cases(n: number): Case[] {
  const out: Case[] = [];
  // Trailing whitespace keeps the JSON but makes every body (and so every signature) unique: identical
  // signed bodies within the same second would be refused as replays, which is a separate test.
  const distinct = (json: string) => `${json}${" ".repeat(unique++ % 8000)}`;
  const valid = () =>
    distinct(JSON.stringify(pick([askCommand("harbour"), autocomplete("who", "name", "ha"), { type: 1 }])));
  const now = Math.floor(Date.now() / 1000);
  const makers: (() => Case)[] = [
    () => ({ category: "random bytes, no signature", body: bytes(int(2000)), headers: {}, expect: [401] }),
    () => {
      const body = bytes(int(2000));
      return {
        category: "random bytes, random signature",
        body,
        headers: { ...signer.headers("x"), "content-type": pick(["application/json", "text/plain", ""]) },
        expect: [401],
      };
    },
    () => {
      const full = valid();
      const body = full.slice(0, int(full.length));
      return { category: "truncated after signing", body, headers: signer.headers(full), expect: [401] };
    },
    () => {
      const full = valid().trimEnd();
      const body = distinct(full.slice(0, int(full.length - 1)));
      return { category: "truncated JSON, signed", body, headers: signer.headers(body), expect: [400] };
    },
    () => {
      const body = valid();
      return { category: "another key", body, headers: other.headers(body), expect: [401] };
    },
    () => {
      const body = valid();
      return {
        category: "stale or future timestamp",
        body,
        headers: signer.headers(body, pick([now - 301 - int(100_000), now + 6 + int(1000), 0])),
        expect: [401],
      };
    },
    () => {
      const body = valid();
      const ct = pick([
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonp",
        "application/xml",
      ]);
      return {
        category: "wrong content type, signed",
        body,
        headers: { ...signer.headers(body), "content-type": ct },
        expect: [415],
      };
    },
    () => {
      const body = JSON.stringify(
        pick([
          [],
          42,
          "ping",
          null,
          { type: 99 },
          { type: "1" },
          { type: 2 },
          { type: 3, id: 1, token: "t", application_id: "1" },
          { type: 4, id: "1" },
        ]),
      ).concat(" ".repeat(unique++ % 8000));
      return {
        category: "JSON that is no interaction, signed",
        body,
        headers: signer.headers(body),
        expect: [400],
      };
    },
    () => {
      const body = valid();
      const h = signer.headers(body);
      const bad = pick([
        { "x-signature-ed25519": "zz".repeat(64) },
        { "x-signature-ed25519": h["x-signature-ed25519"]!.slice(0, 100) },
        { "x-signature-timestamp": "soon" },
        { "x-signature-timestamp": `${h["x-signature-timestamp"]}.5` },
        { "x-signature-timestamp": "-1" },
      ]);
      return { category: "garbage signature headers", body, headers: { ...h, ...bad }, expect: [401] };
    },
    () => ({
      category: "wrong method",
      method: pick(["GET", "PUT", "DELETE", "PATCH"]),
      body: "",
      headers: {},
      expect: [405],
    }),
  ];
  for (let i = 0; i < n; i++) out.push(pick(makers)());
  return out;
}

async function send(c: Case): Promise<number> {
  const method = c.method ?? "POST";
  const res = await fetch(`${app.server.url}${c.path ?? "/interactions"}`, {
    method,
    headers: c.headers,
    ...(method === "GET" || method === "HEAD" ? {} : { body: c.body }),
  });
  await res.arrayBuffer();
  return res.status;
}

async function runAll(list: readonly Case[], concurrency = 25) {
  const seen: { c: Case; status: number }[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < list.length) {
        const c = list[next++]!;
        seen.push({ c, status: await send(c) });
      }
    }),
  );
  return seen;
}

beforeAll(async () => {
  fake = await startFakeRest();
  cacheDir = mkdtempSync(join(tmpdir(), "newsdesk-fuzz-"));
  app = await startHttpMode(
    parseConfig({
      INTERACTIONS_PORT: "0",
      DISCORD_PUBLIC_KEY: signer.publicKeyHex,
      DISCORD_API_URL: fake.url,
      COOLDOWN_SECONDS: "0",
    }),
    logger,
    { knowledgeDirs: ["knowledge", "test/fixtures/discord"], cacheDir, signals: false },
  );
});

afterAll(async () => {
  await app?.stop();
  await fake?.close();
  rmSync(cacheDir, { recursive: true, force: true });
});

describe("fuzzing the interactions endpoint", () => {
  it("GIVEN ~3,000 bad requests THEN none is 2xx, each gets its expected refusal, and the heap stays flat", async () => {
    await runAll(cases(300)); // warm-up: JIT, sockets, lazily built tables
    const list = cases(2500); // allocated before measuring: the requests themselves are not the server's
    const seen: Awaited<ReturnType<typeof runAll>> = [];
    seen.length = 0;
    gc();
    const before = process.memoryUsage().heapUsed;
    seen.push(...(await runAll(list)));
    gc();
    const after = process.memoryUsage().heapUsed;

    const wrong = seen.filter(({ c, status }) => !c.expect.includes(status));
    expect(wrong.slice(0, 5).map(({ c, status }) => `${c.category}: ${status}`)).toEqual([]);
    expect(seen.filter(({ status }) => status >= 200 && status < 300)).toHaveLength(0);
    const categories = new Set(seen.map(({ c }) => c.category));
    expect(categories.size).toBe(10);
    // Flat: well under 1 KB retained per request (2,500 requests).
    expect(after - before).toBeLessThan(2.5 * 1024 * 1024);
  }, 30_000);

  it("GIVEN bodies over 1 MiB, signed THEN 413 every time and the heap does not keep them", async () => {
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 20; i++) {
      const body = `{"type":1,"pad":"${"y".repeat(1024 * 1024 + int(512 * 1024))}"}`;
      expect(await send({ category: "oversized", body, headers: signer.headers(body), expect: [413] })).toBe(
        413,
      );
    }
    gc();
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(4 * 1024 * 1024);
  });

  it("GIVEN good requests replayed 200 times THEN the first is answered and every replay refused", async () => {
    const originals = [askCommand("harbour"), autocomplete("who", "name", "ha")].map((p) => {
      const body = JSON.stringify(p);
      return { body, headers: signer.headers(body) };
    });
    for (const o of originals) expect(await send({ category: "original", ...o, expect: [200] })).toBe(200);
    const replays = Array.from({ length: 200 }, (_, i) => ({
      category: "replay",
      ...originals[i % 2]!,
      expect: [401],
    }));
    const seen = await runAll(replays);
    expect(seen.every(({ status }) => status === 401)).toBe(true);
  });

  it("GIVEN signed interactions with odd shapes THEN each gets 200 or 400, never a 5xx", async () => {
    const odd: unknown[] = [];
    const shapes = [
      { data: null },
      { data: { name: "ask", options: "x" } },
      { data: { name: "ask", options: [{ name: "question", type: 3, value: { deep: 1 } }] } },
      { data: { name: "ask", options: [{ name: "question", type: 3, value: "x".repeat(50_000) }] } },
      { data: { name: "who", options: [{ name: "name", value: "\u0000\ud800", focused: true }] }, type: 4 },
      { data: { custom_id: "ask1:999999999:zz:1:q:" }, type: 3, message: null },
      { data: { custom_id: "ask1:0:!!:1:h:abc" }, type: 3, message: { embeds: "no" } },
      { data: { custom_id: ":".repeat(100) }, type: 3 },
      { data: { custom_id: "share1" }, type: 3, message: { embeds: [{ description: "@everyone" }] } },
      {
        data: {
          name: "Find sources",
          type: 3,
          target_id: "1",
          resolved: { messages: { 1: { content: 5 } } },
        },
      },
      {
        data: { name: "summary", options: [{ name: "pin", type: 5, value: true }] },
        member: null,
        user: null,
      },
      { data: { custom_id: "x" }, type: 5 },
      { member: { user: "nobody", permissions: "not a number" } },
    ];
    for (const [i, shape] of shapes.entries()) {
      odd.push({ ...askCommand("harbour"), ...shape, id: `99${i}${Date.now()}` });
    }
    for (const payload of odd) {
      const body = JSON.stringify(payload);
      const status = await send({ category: "odd", body, headers: signer.headers(body), expect: [200, 400] });
      expect([200, 400], body.slice(0, 200)).toContain(status);
    }
  });

  it("GIVEN all that THEN the server is still up and answering real requests", async () => {
    expect((await fetch(`${app.server.url}/healthz`)).status).toBe(200);
    const body = JSON.stringify(askCommand("harbour committee"));
    const res = await fetch(`${app.server.url}/interactions`, {
      method: "POST",
      body,
      headers: signer.headers(body),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { type: number }).type).toBe(4);
  });
});
