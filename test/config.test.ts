import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { CONFIG_KEYS, ConfigError, loadConfig, parseConfig, requireKeys } from "../src/config.ts";
import { createLogger, lazyChild } from "../src/log.ts";

const TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.secret-part-of-the-token";

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    parseConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe("config", () => {
  it("GIVEN an empty environment WHEN parsed THEN defaults apply and the result is frozen", () => {
    const c = parseConfig({});
    expect(c.discordToken).toBeNull();
    expect(c.discordApiUrl).toBe("https://discord.com/api");
    expect(c.knowledgeDir).toBe("./knowledge");
    expect(c.logLevel).toBe("info");
    expect(c.cooldownSeconds).toBe(3);
    expect(c.interactionsHost).toBe("127.0.0.1");
    expect(c.shardCount).toBeNull();
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("GIVEN several malformed keys WHEN parsed THEN one error names every bad key", () => {
    const problems = problemsOf({
      DISCORD_APPLICATION_ID: "abc",
      DISCORD_GUILD_ID: "12",
      DISCORD_API_URL: "ftp://x",
      LOG_LEVEL: "loud",
      COOLDOWN_SECONDS: "-1",
      INTERACTIONS_PORT: "70000",
      DISCORD_PUBLIC_KEY: "xyz",
      SHARD_COUNT: "many",
      HTTP_WORKERS: "0",
    });
    for (const key of [
      "DISCORD_APPLICATION_ID",
      "DISCORD_GUILD_ID",
      "DISCORD_API_URL",
      "LOG_LEVEL",
      "COOLDOWN_SECONDS",
      "INTERACTIONS_PORT",
      "DISCORD_PUBLIC_KEY",
      "SHARD_COUNT",
      "HTTP_WORKERS",
    ]) {
      expect(
        problems.some((p) => p.startsWith(key)),
        key,
      ).toBe(true);
    }
  });

  it("GIVEN a token with whitespace WHEN parsed THEN the error names the key but never shows the token", () => {
    const bad = `${TOKEN} extra`;
    try {
      parseConfig({ DISCORD_TOKEN: bad });
      expect.unreachable();
    } catch (e) {
      expect(String((e as Error).message)).toContain("DISCORD_TOKEN");
      expect(String((e as Error).message)).not.toContain("secret-part");
    }
  });

  it("GIVEN INTERACTIONS_PORT without a public key THEN the missing key is named", () => {
    expect(problemsOf({ INTERACTIONS_PORT: "8080" }).join()).toContain("DISCORD_PUBLIC_KEY is required");
  });

  it("GIVEN HTTP_WORKERS unset, auto or a number THEN it is 1, auto or that number; junk is named", () => {
    expect(parseConfig({}).httpWorkers).toBe(1);
    expect(parseConfig({ HTTP_WORKERS: "auto" }).httpWorkers).toBe("auto");
    expect(parseConfig({ HTTP_WORKERS: "3" }).httpWorkers).toBe(3);
    expect(problemsOf({ HTTP_WORKERS: "two" }).join()).toContain('HTTP_WORKERS must be 1–256 or "auto", got');
  });

  it("GIVEN SHARD_COUNT auto or a number THEN it is accepted", () => {
    expect(parseConfig({ SHARD_COUNT: "auto" }).shardCount).toBe("auto");
    expect(parseConfig({ SHARD_COUNT: "4" }).shardCount).toBe(4);
  });

  it("GIVEN a .env file and a real variable WHEN loaded THEN the real variable wins", () => {
    const dir = mkdtempSync(join(tmpdir(), "newsdesk-config-"));
    const file = join(dir, ".env");
    writeFileSync(
      file,
      "LOG_LEVEL=debug\nKNOWLEDGE_DIR=./elsewhere\nDISCORD_API_URL=http://127.0.0.1:9/api/\n",
    );
    const c = loadConfig({ envFile: file, env: { LOG_LEVEL: "warn" } });
    expect(c.logLevel).toBe("warn");
    expect(c.knowledgeDir).toBe("./elsewhere");
    expect(c.discordApiUrl).toBe("http://127.0.0.1:9/api");
  });

  it("GIVEN deploy needs the token and application id WHEN they are unset THEN both are named", () => {
    expect(() => requireKeys(parseConfig({}), ["DISCORD_TOKEN", "DISCORD_APPLICATION_ID"])).toThrow(
      /DISCORD_TOKEN[\s\S]*DISCORD_APPLICATION_ID/,
    );
  });

  it("GIVEN .env.example THEN it lists every key with a comment above it", async () => {
    const { readFileSync } = await import("node:fs");
    const lines = readFileSync(new URL("../.env.example", import.meta.url), "utf8").split("\n");
    for (const key of CONFIG_KEYS) {
      const i = lines.findIndex((l) => l.startsWith(`${key}=`));
      expect(i, key).toBeGreaterThan(0);
      expect(lines[i - 1]?.startsWith("#"), key).toBe(true);
    }
  });
});

describe("log", () => {
  /** A log destination that keeps what is written. */
  const collect = () => {
    let out = "";
    const sink = new Writable({
      write(chunk, _enc, cb) {
        out += chunk.toString();
        cb();
      },
    });
    return { sink, text: () => out };
  };

  it("GIVEN the token in a message, a field and an error WHEN logged THEN it never reaches the output", () => {
    const { sink, text } = collect();
    const logger = createLogger({ level: "debug", secrets: [TOKEN], destination: sink });
    logger.info(`logging in with ${TOKEN}`);
    logger.info({ token: TOKEN, config: { discordToken: TOKEN } }, "config");
    logger.error({ err: new Error(`bad auth ${TOKEN}`) }, "failed");
    logger.warn({ nested: { text: `x ${TOKEN} y` } }, "nested");
    expect(text()).toContain("logging in with [redacted]");
    expect(text()).toContain("bad auth [redacted]");
    expect(text()).not.toContain("secret-part");
  });

  it("GIVEN a lazy child WHEN it writes at an enabled level THEN the line carries its bindings (token still redacted), and below the level nothing is made", () => {
    const { sink, text } = collect();
    const logger = createLogger({ level: "warn", secrets: [TOKEN], destination: sink });
    let children = 0;
    const child = logger.child.bind(logger);
    logger.child = ((...args: Parameters<typeof child>) => {
      children++;
      return child(...args);
    }) as typeof logger.child;
    const log = lazyChild(logger, { interaction: "42" });
    log.info({ n: 1 }, "quiet");
    log.debug({ n: 2 }, "quieter");
    expect(children).toBe(0);
    expect(text()).toBe("");
    log.warn({ detail: `x ${TOKEN}` }, "loud");
    log.error({ n: 3 }, "louder");
    expect(children).toBe(1);
    const lines = text()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.interaction, l.msg])).toEqual([
      ["42", "loud"],
      ["42", "louder"],
    ]);
    expect(text()).toContain("x [redacted]");
  });
});
