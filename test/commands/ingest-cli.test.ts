/**
 * `npm run --silent cli -- ingest <url|file> [--guild ID] [--json]` as a child process (the real src/cli.ts,
 * in an empty working directory so no developer .env is read), against a local HTTP server on 127.0.0.1,
 * then `ask --guild` about the new article.
 */
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runConsole } from "../../src/console.ts";
import { Newsdesk } from "../../src/core/desk.ts";
import { parseAllowlist } from "../../src/ingest/index.ts";
import { loadKnowledge } from "../../src/knowledge.ts";
import { consoleIngest } from "../../src/main.ts";
import { type LocalServer, startServer } from "../ingest/local-server.ts";

const run = promisify(execFile);
const A = "111111111111111111";
const B = "222222222222222222";
let work: string;
let knowledge: string;
let site: LocalServer;

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Tidal mill | Estuary Post</title>
<meta property="og:title" content="Tidal mill grinds flour again"><meta property="og:site_name" content="Estuary Post">
<meta property="article:published_time" content="2025-11-03T10:00:00Z"></head><body><article>
<h1>Tidal mill grinds flour again</h1>
<p>The tidal mill at Wickham Reach ground its first sack of flour in ninety years on Saturday, the mill trust said.</p>
<p>Millwright Jonas Whitaker rebuilt the oak waterwheel using drawings found in the parish archive.</p>
<p>Visitors can buy the stoneground flour at the mill shop every weekend until the end of March.</p>
</article></body></html>`;

async function cli(args: string[], env: Record<string, string> = {}) {
  const tsx = join(process.cwd(), "node_modules/.bin/tsx");
  try {
    const { stdout, stderr } = await run(tsx, [join(process.cwd(), "src/cli.ts"), ...args], {
      cwd: work,
      env: { ...process.env, KNOWLEDGE_DIR: knowledge, DISCORD_TOKEN: "", INGEST_ALLOWLIST: "", ...env },
    });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

beforeAll(async () => {
  site = await startServer((req, res) => {
    if (req.url === "/ropewalk.html") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(
        PAGE.replace(/Tidal mill grinds flour again/g, "Old ropewalk becomes a library")
          .replace(
            /<p>.*<\/p>/gs,
            "<p>The old ropewalk in Harlow Quay opened as a public library on Sunday, the town council said.</p><p>Its shelves run the full length of the building where ropes were once twisted by hand.</p>",
          )
          .replace("2025-11-03", "2025-11-09"),
      );
      return;
    }
    if (req.url === "/mill.html") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(PAGE);
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found");
  });
  work = mkdtempSync(join(tmpdir(), "newsdesk-ingest-cli-"));
  knowledge = join(work, "knowledge");
  mkdirSync(knowledge);
  copyFileSync("knowledge/syria-russia-2025-10-16.txt", join(knowledge, "syria-russia-2025-10-16.txt"));
});

afterAll(async () => {
  await site?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("cli ingest", () => {
  it("GIVEN an empty allow-list WHEN a 127.0.0.1 URL is ingested THEN it is refused with the reason and the server sees no connection", async () => {
    const { stdout, code } = await cli(["ingest", `${site.origin}/mill.html`, "--guild", A, "--json"]);
    expect(code).toBe(1);
    const out = JSON.parse(stdout) as { error: { code: string; message: string } };
    expect(out.error.code).toBe("refused");
    expect(out.error.message).toMatch(/127\.0\.0\.1/);
    expect(site.connections()).toBe(0);
  });

  it("GIVEN the server allow-listed WHEN ingested for server A with --json THEN one object describes the article, and ask --guild A cites it while B does not see it", async () => {
    const env = { INGEST_ALLOWLIST: site.hostPort };
    const added = await cli(["ingest", `${site.origin}/mill.html`, "--guild", A, "--json"], env);
    expect(added.code).toBe(0);
    const summary = JSON.parse(added.stdout) as Record<string, unknown>;
    expect(summary).toEqual({
      id: `guilds/${A}/2025-11-03-tidal-mill-grinds-flour-again`,
      title: "Tidal mill grinds flour again",
      date: expect.stringMatching(/^2025-11-03/),
      source: "Estuary Post",
      url: `${site.origin}/mill.html`,
      sentences: 3,
    });

    const inA = await cli(["ask", "Wickham Reach tidal mill", "--guild", A, "--json"]);
    const answer = JSON.parse(inA.stdout) as { results: { text: string; citation: { article: string } }[] };
    expect(answer.results[0]?.citation.article).toBe(summary.id);
    expect(answer.results.map((r) => r.text).join(" ")).toMatch(/ninety years/);

    const inB = await cli(["ask", "Wickham Reach tidal mill", "--guild", B, "--json"]);
    expect(inB.stdout).not.toMatch(/ninety years|Whitaker/);

    const again = await cli(["ingest", `${site.origin}/mill.html`, "--guild", A], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already added: "Tidal mill grinds flour again"/);
  });

  it("GIVEN a local .txt file WHEN ingested without --guild THEN it is shared knowledge that every server can ask about", async () => {
    const file = join(work, "ferry.txt");
    writeFileSync(
      file,
      "Ferry returns to Orrin Sound\n\nThe Orrin Sound ferry resumed sailings on Friday after a new pier was finished, the operator said.\n",
    );
    const added = await cli(["ingest", file]);
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(
      /^Added "Ferry returns to Orrin Sound" as ingested\/undated-ferry-returns-to-orrin-sound: 1 sentence\./,
    );
    const inB = await cli(["ask", "Orrin Sound ferry", "--guild", B]);
    expect(inB.stdout).toMatch(/new pier was finished/);
  });
});

describe("console /ingest", () => {
  it("GIVEN the local console WHEN /ingest <url> --guild A is typed THEN it is added and the next /ask for A answers from it at once", async () => {
    const desk = Newsdesk.build((await loadKnowledge(knowledge)).articles);
    const config = { knowledgeDir: knowledge, ingestAllowlist: parseAllowlist(site.hostPort) };
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = "";
    output.on("data", (d) => {
      shown += d.toString();
    });
    const done = runConsole(desk, {
      input,
      output,
      banner: "",
      ingest: (line) => consoleIngest(line, config, desk),
    });
    input.end(
      `/ingest ${site.origin}/ropewalk.html --guild ${A}\n/ask Harlow Quay ropewalk library --guild ${A}\n/ask Harlow Quay ropewalk library --guild ${B}\n`,
    );
    await done;
    const [added, inA, inB] = shown.split("newsdesk> ").slice(1);
    expect(added).toMatch(
      /^Added "Old ropewalk becomes a library" \(2025-11-09.*Estuary Post\) as guilds\/111111111111111111\/2025-11-09-old-ropewalk-becomes-a-library: 2 sentences\./,
    );
    expect(inA).toMatch(/opened as a public/);
    expect(inB).not.toMatch(/opened as a public/);
  });
});
