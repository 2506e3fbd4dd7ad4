/**
 * Helpers for the HTTP interactions tests: signed requests, interaction payloads as Discord sends them,
 * a fake Discord REST API on 127.0.0.1 (records follow-ups; can fail with 500 or hang) and a log sink.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { createLogger } from "../../src/log.ts";

export const APP_ID = "100000000000000001";
export const GUILD_ID = "200000000000000002";
export const CHANNEL_ID = "300000000000000003";
export const ALICE = "400000000000000004";
export const BOB = "500000000000000005";

let seq = 0;
/** A fresh snowflake-like interaction id. */
export function nextId(): string {
  seq++;
  return String(900_000_000_000_000_000n + BigInt(Date.now() % 1_000_000) * 1000n + BigInt(seq));
}

function base(type: number, user = ALICE) {
  const id = nextId();
  return {
    id,
    application_id: APP_ID,
    type,
    token: `itoken-${id}`,
    version: 1,
    guild_id: GUILD_ID,
    channel_id: CHANNEL_ID,
    channel: { id: CHANNEL_ID, type: 0 },
    member: { user: { id: user, username: user === ALICE ? "alice" : "bob" }, permissions: "2147483647" },
    app_permissions: "2147483647",
    locale: "en-US",
  };
}

export function slashCommand(
  name: string,
  options: { name: string; type: number; value: unknown }[] = [],
  user = ALICE,
) {
  return { ...base(2, user), data: { id: "600000000000000006", name, type: 1, options } };
}

export function askCommand(question: string, user = ALICE) {
  return slashCommand("ask", [{ name: "question", type: 3, value: question }], user);
}

export function autocomplete(command: string, option: string, value: string, user = ALICE) {
  return {
    ...base(4, user),
    data: {
      id: "600000000000000007",
      name: command,
      type: 1,
      options: [{ name: option, type: 3, value, focused: true }],
    },
  };
}

export interface ShownMessage {
  id: string;
  channel_id: string;
  content?: string;
  embeds?: unknown[];
  components?: unknown[];
}

export function buttonClick(message: ShownMessage, customId: string, user = ALICE) {
  return {
    ...base(3, user),
    message: {
      ...message,
      author: { id: APP_ID, username: "newsdesk" },
      timestamp: new Date().toISOString(),
    },
    data: { custom_id: customId, component_type: 2 },
  };
}

export function findSources(text: string, user = ALICE) {
  const target = "700000000000000008";
  return {
    ...base(2, user),
    data: {
      id: "600000000000000009",
      name: "Find sources",
      type: 3,
      target_id: target,
      resolved: {
        messages: {
          [target]: {
            id: target,
            channel_id: CHANNEL_ID,
            content: text,
            author: { id: BOB, username: "bob" },
          },
        },
      },
    },
  };
}

/** Every button custom id on a message body (rows of components). */
export function customIds(data: { components?: unknown[] }): string[] {
  const rows = (data.components ?? []) as { components?: { custom_id?: string }[] }[];
  return rows.flatMap((r) => r.components ?? []).flatMap((c) => (c.custom_id ? [c.custom_id] : []));
}

export interface RestCall {
  method: string;
  path: string;
  body: unknown;
}

export interface FakeRest {
  url: string;
  calls: RestCall[];
  /** "ok" answers like Discord; "fail" answers 500; "hang" never answers. */
  mode: "ok" | "fail" | "hang";
  close(): Promise<void>;
}

/** A stand-in for Discord's REST API on 127.0.0.1 (DISCORD_API_URL). */
export async function startFakeRest(): Promise<FakeRest> {
  const fake: FakeRest = { url: "", calls: [], mode: "ok", close: async () => {} };
  let n = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = text;
      }
      fake.calls.push({
        method: req.method ?? "",
        path: decodeURIComponent(req.url ?? "").replace(/^\/api\/v10/, ""),
        body,
      });
      if (fake.mode === "hang") return; // never answers; the client's timeout must fire
      if (fake.mode === "fail") {
        res.writeHead(500, { "content-type": "application/json" });
        return res.end(JSON.stringify({ message: "500: Internal Server Error", code: 0 }));
      }
      n++;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ id: String(800_000_000_000_000_000n + BigInt(n)), channel_id: CHANNEL_ID }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  fake.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return fake;
}

/** A pino logger writing into a string, for asserting on logs. */
export function captureLogger(level = "info") {
  const out = { text: "" };
  const sink = new Writable({
    write(chunk, _e, cb) {
      out.text += chunk.toString();
      cb();
    },
  });
  return { logger: createLogger({ level, destination: sink }), out };
}

export async function waitUntil(what: string, fn: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!fn()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface Replica {
  readonly url: string;
  readonly pid: number;
  readonly logs: () => string;
  /** SIGTERM and the exit code. */
  stop(): Promise<number | null>;
}

const REPO = process.cwd();

/**
 * Starts `src/main.ts` (what `npm start` runs) as its own process with `env`, in `cwd` (where its `.cache`
 * goes), and resolves once it says it is ready. Only 127.0.0.1.
 */
export async function spawnReplica(
  env: Record<string, string>,
  cwd = REPO,
  ready: RegExp = /; ready/,
): Promise<Replica> {
  const { spawn } = await import("node:child_process");
  const { pathToFileURL } = await import("node:url");
  const { join } = await import("node:path");
  const child = spawn(
    process.execPath,
    [
      "--import",
      pathToFileURL(join(REPO, "node_modules/tsx/dist/loader.mjs")).href,
      join(REPO, "src/main.ts"),
    ],
    {
      env: { PATH: process.env.PATH ?? "", INTERACTIONS_HOST: "127.0.0.1", INTERACTIONS_PORT: "0", ...env },
      cwd,
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  try {
    await waitUntil("replica ready", () => ready.test(stderr) || child.exitCode !== null, 30_000);
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  const url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(stderr)?.[1];
  if (!url || child.exitCode !== null) {
    child.kill("SIGKILL");
    throw new Error(`replica did not start:\n${stderr}`);
  }
  return {
    url,
    pid: child.pid!,
    logs: () => stderr,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
