/**
 * HTTP_WORKERS: one `npm start` process supervising node:cluster workers that share the endpoint's port.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSigner } from "../../src/http/verify.ts";
import {
  askCommand,
  type FakeRest,
  type Replica,
  spawnReplica,
  startFakeRest,
  waitUntil,
} from "./helpers.ts";

const signer = createSigner("44".repeat(32));
let fake: FakeRest;
let cwd: string;
let server: Replica;

/** POSTs on a fresh connection each time (no keep-alive), so the primary hands each to a worker anew. */
function post(url: string, payload: unknown): Promise<{ status: number; body: string }> {
  const body = JSON.stringify(payload);
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/interactions`,
      { method: "POST", agent: false, headers: { ...signer.headers(body), connection: "close" } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          text += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Pids of the processes that logged `pattern` (pino JSON lines on stderr). */
function pidsLogging(logs: string, pattern: RegExp): number[] {
  const pids = new Set<number>();
  for (const line of logs.split("\n")) {
    if (!pattern.test(line)) continue;
    const pid = /"pid":(\d+)/.exec(line)?.[1];
    if (pid) pids.add(Number(pid));
  }
  return [...pids];
}

const metric = async (url: string, name: string) => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(name));
  return line ? Number(line.split(" ").pop()) : Number.NaN;
};

beforeAll(async () => {
  fake = await startFakeRest();
  cwd = mkdtempSync(join(tmpdir(), "newsdesk-cluster-"));
  cpSync(join(process.cwd(), "test/fixtures/discord"), join(cwd, "knowledge"), { recursive: true });
  server = await spawnReplica(
    {
      DISCORD_PUBLIC_KEY: signer.publicKeyHex,
      DISCORD_API_URL: fake.url,
      COOLDOWN_SECONDS: "0",
      KNOWLEDGE_DIR: join(cwd, "knowledge"),
      HTTP_WORKERS: "2",
    },
    cwd,
    /workers serving POST \/interactions/,
  );
}, 60_000);

afterAll(async () => {
  await fake?.close();
  rmSync(cwd, { recursive: true, force: true });
});

describe("HTTP_WORKERS=2", () => {
  it("GIVEN two workers THEN both loaded the knowledge (the second from the first's cache) and share one port", async () => {
    const ready = pidsLogging(server.logs(), /; ready/);
    expect(ready).toHaveLength(2);
    expect(ready).not.toContain(server.pid);
    expect(server.logs()).toMatch(/\(indexed in \d+ ms\); ready/);
    expect(server.logs()).toMatch(/\(index cache in \d+ ms\); ready/);

    const answers = await Promise.all(
      Array.from({ length: 12 }, () => post(server.url, askCommand("harbour"))),
    );
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect((JSON.parse(a.body) as { type: number }).type).toBe(4);
    }
    // /metrics on whichever worker answers sums both; knowledge gauges are not doubled.
    expect(
      await metric(
        server.url,
        'newsdesk_interactions_total{kind="command",command="ask",outcome="answered"}',
      ),
    ).toBe(12);
    expect(await metric(server.url, "newsdesk_ready")).toBe(1);
    expect(await metric(server.url, "newsdesk_knowledge_articles")).toBe(4);
  });

  it("GIVEN a worker that dies THEN the primary starts another and requests are still answered", async () => {
    const [victim] = pidsLogging(server.logs(), /; ready/);
    process.kill(victim!, "SIGKILL");
    await waitUntil("replacement", () => pidsLogging(server.logs(), /; ready/).length === 3, 30_000);
    expect(server.logs()).toMatch(/worker died; starting another/);
    for (let i = 0; i < 6; i++) expect((await post(server.url, askCommand("ferry"))).status).toBe(200);
  });

  it("GIVEN SIGTERM to the primary THEN the workers drain and exit, then the primary exits 0", async () => {
    const workers = pidsLogging(server.logs(), /; ready/);
    expect(await server.stop()).toBe(0);
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await waitUntil("workers gone", () => !workers.some(alive), 10_000);
    expect(server.logs()).toMatch(/interactions endpoint closed/);
  });
});
