import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseAllowlist } from "../../src/ingest/address.ts";
import { runIngestCommand } from "../../src/ingest/cli.ts";
import { loadKnowledge } from "../../src/knowledge.ts";
import { type LocalServer, startServer } from "./local-server.ts";

const page = readFileSync(new URL("../fixtures/ingest/news-jsonld.html", import.meta.url));
let dir: string;
let server: LocalServer;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "newsdesk-cli-"));
  server = await startServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(page);
  });
});
afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe("cli ingest", () => {
  it("GIVEN a URL and --json WHEN run THEN one object gives the new article's id, title, date, source, url and sentence count", async () => {
    const out = await runIngestCommand(`${server.origin}/harvest`, {
      knowledgeDir: join(dir, "knowledge"),
      allowlist: parseAllowlist(server.hostPort),
      guild: "777777777777777777",
      json: true,
    });
    expect(out.exitCode).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({
      id: "guilds/777777777777777777/2025-08-30-orchard-growers-expect-record-apple-harvest",
      title: "Orchard growers expect record apple harvest",
      date: "2025-08-30",
      source: "Valley Farm News",
      url: `${server.origin}/harvest`,
      sentences: 3,
    });
    const { articles } = await loadKnowledge(join(dir, "knowledge"));
    expect(articles.map((a) => a.guild)).toEqual(["777777777777777777"]);
  });

  it("GIVEN a local file WHEN run without --json THEN a line says what was added", async () => {
    const file = join(dir, "strike.txt");
    await writeFile(file, "Port strike ends\n\nDockers returned to work on Monday. The deal raises pay.\n");
    const out = await runIngestCommand(file, {
      knowledgeDir: join(dir, "k"),
      allowlist: [],
      guild: null,
      json: false,
    });
    expect(out).toEqual({
      stdout: 'Added "Port strike ends" as ingested/undated-port-strike-ends: 2 sentences.',
      exitCode: 0,
    });
  });

  it("GIVEN an empty allow-list WHEN a loopback URL is ingested THEN exit code 1 gives the refusal, with no connection", async () => {
    const out = await runIngestCommand(`${server.origin}/harvest`, {
      knowledgeDir: join(dir, "k"),
      allowlist: [],
      guild: null,
      json: true,
    });
    expect(out.exitCode).toBe(1);
    expect(JSON.parse(out.stdout)).toEqual({
      error: {
        code: "refused",
        message: `refused: 127.0.0.1 is a loopback address; add ${server.hostPort} to INGEST_ALLOWLIST to allow it`,
      },
    });
    expect(server.connections()).toBe(0);
  });

  it("GIVEN no target or a missing file WHEN run THEN it says what is wrong", async () => {
    const options = { knowledgeDir: join(dir, "k"), allowlist: [], guild: null, json: false };
    expect((await runIngestCommand(undefined, options)).exitCode).toBe(2);
    expect(await runIngestCommand(join(dir, "nope.md"), options)).toEqual({
      stdout: `ingest: ${join(dir, "nope.md")}: no such file`,
      exitCode: 1,
    });
  });
});
