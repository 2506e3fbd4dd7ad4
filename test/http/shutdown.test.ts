/**
 * Graceful shutdown of the HTTP endpoint: in process (an in-flight request and its follow-up finish after
 * close() starts; new connections are refused) and as `npm start` runs it (SIGTERM → drain → exit 0).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { commands as defaultCommands } from "../../commands/index.ts";
import type { Command } from "../../commands/types.ts";
import { parseConfig } from "../../src/config.ts";
import { startHttpMode } from "../../src/http/start.ts";
import { createSigner } from "../../src/http/verify.ts";
import { captureLogger, slashCommand, spawnReplica, startFakeRest, waitUntil } from "./helpers.ts";

const signer = createSigner("44".repeat(32));

describe("graceful shutdown", () => {
  it("GIVEN a request in flight WHEN close() starts THEN new connections are refused, the request and its follow-up finish, then it closes", async () => {
    const fake = await startFakeRest();
    const cacheDir = mkdtempSync(join(tmpdir(), "newsdesk-shutdown-"));
    let release: () => void = () => {};
    let entered = false;
    const slow: Command = {
      data: { name: "slow", description: "waits", type: 1 },
      async execute(ctx) {
        entered = true;
        await new Promise<void>((r) => {
          release = r;
        });
        await ctx.responder.reply({ content: "first" });
        await ctx.responder.followUp({ content: "second" });
      },
    };
    const { logger } = captureLogger();
    const app = await startHttpMode(
      parseConfig({
        INTERACTIONS_PORT: "0",
        DISCORD_PUBLIC_KEY: signer.publicKeyHex,
        DISCORD_API_URL: fake.url,
      }),
      logger,
      {
        knowledgeDirs: ["knowledge"],
        cacheDir,
        signals: false,
        server: { commands: [...defaultCommands, slow], autoDeferMs: 10_000 },
      },
    );
    try {
      const body = JSON.stringify(slashCommand("slow"));
      const pending = fetch(`${app.server.url}/interactions`, {
        method: "POST",
        body,
        headers: signer.headers(body),
      });
      await waitUntil("the handler to start", () => entered);
      const closing = app.stop();
      let closed = false;
      void closing.then(() => {
        closed = true;
      });
      await new Promise((r) => setTimeout(r, 50));
      expect(closed).toBe(false);
      await expect(fetch(`${app.server.url}/healthz`)).rejects.toThrow();
      release();
      const res = await pending;
      expect(res.status).toBe(200);
      expect(((await res.json()) as { type: number }).type).toBe(4);
      await closing;
      // The follow-up went out before close() resolved.
      expect(
        fake.calls.some((c) => c.method === "POST" && (c.body as { content?: string }).content === "second"),
      ).toBe(true);
    } finally {
      release();
      await app.stop();
      await fake.close();
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it("GIVEN `npm start` with INTERACTIONS_PORT WHEN it gets SIGTERM THEN it drains and exits 0", async () => {
    const replica = await spawnReplica({
      DISCORD_PUBLIC_KEY: signer.publicKeyHex,
      DISCORD_API_URL: "http://127.0.0.1:9/api",
      KNOWLEDGE_DIR: "knowledge",
    });
    try {
      expect((await fetch(`${replica.url}/readyz`)).status).toBe(200);
      const ping = JSON.stringify({ type: 1 });
      const pong = await fetch(`${replica.url}/interactions`, {
        method: "POST",
        body: ping,
        headers: signer.headers(ping),
      });
      expect(await pong.json()).toEqual({ type: 1 });
    } finally {
      expect(await replica.stop()).toBe(0);
    }
    expect(replica.logs()).toMatch(/http: shutting down/);
    expect(replica.logs()).toMatch(/interactions endpoint closed/);
  }, 30_000);
});
