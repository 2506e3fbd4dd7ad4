import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCommandLine, runCommand, UsageError } from "../src/cli.ts";
import { answerLine, runConsole } from "../src/console.ts";
import { Newsdesk } from "../src/core/desk.ts";
import { loadKnowledge } from "../src/knowledge.ts";

const run = promisify(execFile);
let work: string;
let desk: Newsdesk;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "newsdesk-cli-"));
  desk = Newsdesk.build((await loadKnowledge("knowledge")).articles);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs the real CLI as `npm run --silent cli -- …` would, in a clean working directory. */
async function cli(...args: string[]) {
  const tsx = join(process.cwd(), "node_modules/.bin/tsx");
  try {
    const { stdout, stderr } = await run(tsx, [join(process.cwd(), "src/cli.ts"), ...args], {
      cwd: work,
      env: { ...process.env, KNOWLEDGE_DIR: join(process.cwd(), "knowledge"), DISCORD_TOKEN: "" },
    });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

describe("the command line", () => {
  it("GIVEN ask --json WHEN run THEN stdout is exactly one JSON object in the documented shape", async () => {
    const { stdout, code } = await cli("ask", "Where did Assad flee?", "--json", "--limit", "2");
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(json).toMatchObject({ command: "ask", query: "Where did Assad flee?" });
    expect(json.results).toHaveLength(2);
    const [first] = json.results;
    expect(Object.keys(first).sort()).toEqual(["citation", "context", "score", "terms", "text"]);
    expect(typeof first.score).toBe("number");
    expect(Object.keys(first.context).sort()).toEqual(["after", "before"]);
    expect(Object.keys(first.citation).sort()).toEqual(
      ["article", "date", "paragraph", "sentence", "source", "title", "url"].sort(),
    );
    expect(first.text).toMatch(/fled to Russia/);
  }, 60_000);

  it("GIVEN who, summary and articles --json WHEN run THEN each prints one object with results", async () => {
    const who = JSON.parse((await cli("who", "novak", "--json")).stdout);
    expect(who.entity.name).toBe("Alexander Novak");
    expect(who.results.every((r: { text: string }) => r.text.includes("Novak"))).toBe(true);
    const summary = JSON.parse((await cli("summary", "--json")).stdout);
    expect(summary.article.id).toBe("syria-russia-2025-10-16");
    expect(summary.results.length).toBeGreaterThanOrEqual(3);
    const list = JSON.parse((await cli("articles", "--json")).stdout);
    expect(list.results[0].id).toBe("syria-russia-2025-10-16");
  }, 60_000);

  it("GIVEN a bad option WHEN run THEN it exits 2 naming the option", async () => {
    const bad = await cli("ask", "x", "--limit", "zero");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--limit must be a whole number/);
    const unknown = await cli("ask", "x", "--frobnicate");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--frobnicate/);
  }, 60_000);

  it("GIVEN a missing knowledge folder WHEN run THEN the error names the folder", async () => {
    const missing = await cli("ask", "x", "--knowledge", join(work, "nowhere"));
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("nowhere");
  }, 60_000);

  it("GIVEN an unknown command WHEN parsed and run THEN a UsageError lists the commands", () => {
    expect(() => runCommand(desk, parseCommandLine(["frob"]))).toThrow(UsageError);
    expect(() => runCommand(desk, parseCommandLine(["frob"]))).toThrow(/ask, who, summary, articles/);
  });
});

describe("the local console", () => {
  it("GIVEN a reader that goes away WHEN the console writes THEN it closes quietly instead of crashing", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const done = runConsole(desk, { input, output });
    output.destroy(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
    input.write("/ask reconstruction\n");
    await expect(done).resolves.toBeUndefined();
  });

  it("GIVEN /ask in the console WHEN answered THEN it prints what the CLI prints", async () => {
    const viaConsole = answerLine(desk, "/ask reconstruction");
    const { stdout } = await cli("ask", "reconstruction");
    expect(`${viaConsole}\n`).toBe(stdout);
    expect(answerLine(desk, "reconstruction")).toBe(viaConsole);
  }, 60_000);

  it("GIVEN lines on stdin WHEN the input ends THEN the console answers each and closes cleanly", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let text = "";
    output.on("data", (d) => {
      text += d;
    });
    const done = runConsole(desk, { input, output });
    input.write("/who putin\n/nonsense\n\n/summary\n");
    input.end();
    await done;
    expect(text).toMatch(/running locally/);
    expect(text).toMatch(/Vladimir Putin \(person\)/);
    expect(text).toMatch(/unknown command "nonsense"/);
    expect(text).toMatch(/Summary: /);
    expect(text.trimEnd().endsWith("bye")).toBe(true);
  });
});
