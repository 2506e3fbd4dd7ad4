import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ApplicationCommandOptionType, ChannelType } from "discord.js";
import { DigitalDiscord } from "discord-digital-twin";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ackOf, message } from "./twin.ts";

/**
 * Child processes run in an empty temporary folder, so a developer's own `.env` (which could hold a real
 * token or switch modes) is never read, and the index cache lands there too.
 */
const ROOT = resolve(".");
const TSX = pathToFileURL(join(ROOT, "node_modules/tsx/dist/loader.mjs")).href;
const KNOWLEDGE = join(ROOT, "knowledge");
let cwd: string;

function run(script: string, env: Record<string, string>) {
  return spawn(process.execPath, ["--import", TSX, join(ROOT, script)], {
    cwd,
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

let discord: DigitalDiscord;
beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), "newsdesk-process-"));
  discord = new DigitalDiscord({
    channels: [{ name: "general", type: ChannelType.GuildText }],
    users: [{ username: "u" }],
  });
  await discord.start();
});
afterAll(async () => {
  await discord?.stop();
  rmSync(cwd, { recursive: true, force: true });
});

/** Runs `npm run deploy`'s entry point without blocking this process (which serves the twin). */
function deploy(
  env: Record<string, string>,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = run("src/discord/deploy-main.ts", env);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("exit", (status) => resolve({ status, stdout, stderr }));
  });
}

describe("npm run deploy", () => {
  it("GIVEN no token or application id THEN it exits 1 naming both keys", async () => {
    const r = await deploy({ DISCORD_API_URL: discord.restUrl });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/DISCORD_TOKEN[\s\S]*DISCORD_APPLICATION_ID/);
  });

  it("GIVEN the token, application and guild THEN it registers the nine commands to that server", async () => {
    const r = await deploy({
      DISCORD_TOKEN: discord.botToken,
      DISCORD_APPLICATION_ID: discord.botUserId,
      DISCORD_GUILD_ID: discord.guildId,
      DISCORD_API_URL: discord.restUrl,
      LOG_LEVEL: "silent",
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `Registered ask, who, summary, articles, help, Find sources, ingest, forget, feed to server ${discord.guildId}`,
    );
    expect(await discord.prisma.applicationCommand.count({ where: { guildId: discord.guildId } })).toBe(9);
  });
});

describe("npm start with DISCORD_TOKEN", () => {
  it("GIVEN the token and the local Discord's URL THEN src/main.ts connects, answers /ask, and exits 0 on SIGTERM", async () => {
    const child = run("src/main.ts", {
      DISCORD_TOKEN: discord.botToken,
      DISCORD_API_URL: discord.restUrl,
      KNOWLEDGE_DIR: KNOWLEDGE,
      LOG_LEVEL: "info",
    });
    let err = "";
    child.stderr.on("data", (d) => {
      err += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const start = Date.now();
    while (!err.includes("bot: connected") && Date.now() - start < 30_000)
      await new Promise((r) => setTimeout(r, 50));
    expect(err).toContain("bot: connected");
    const channelId = (await discord.prisma.channel.findFirst())!.id;
    const userId = (await discord.getFirstNonBotUserId())!;
    const { id } = await discord
      .channel(channelId)
      .user(userId)
      .runSlashCommand({
        name: "ask",
        options: [
          { name: "question", type: ApplicationCommandOptionType.String, value: "Where did Assad flee?" },
        ],
      });
    const ack = await ackOf(discord, id, performance.now());
    expect((await message(discord, channelId, ack.messageId!)).embeds[0]?.description).toContain("asylum");
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(err).toContain("bot: stopped");
    expect(err).not.toContain(discord.botToken);
  });
});

describe("bot process", () => {
  it("GIVEN a running bot process WHEN a promise rejects unhandled THEN it is logged and the bot keeps answering; SIGTERM stops it cleanly", async () => {
    const child = run("test/discord/bot-child.ts", {
      DISCORD_TOKEN: discord.botToken,
      DISCORD_API_URL: discord.restUrl,
      KNOWLEDGE_DIR: KNOWLEDGE,
      LOG_LEVEL: "info",
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const start = Date.now();
    while (!out.includes("ALIVE") && Date.now() - start < 20_000) await new Promise((r) => setTimeout(r, 50));
    expect(out, err).toContain("ALIVE");
    expect(err).toContain("unhandled rejection");
    expect(err).toContain("stray rejection on purpose");

    const channelId = (await discord.prisma.channel.findFirst())!.id;
    const userId = (await discord.getFirstNonBotUserId())!;
    const { id } = await discord
      .channel(channelId)
      .user(userId)
      .runSlashCommand({
        name: "ask",
        options: [{ name: "question", type: ApplicationCommandOptionType.String, value: "reconstruction" }],
      });
    const ack = await ackOf(discord, id, performance.now());
    expect((await message(discord, channelId, ack.messageId!)).embeds.length).toBeGreaterThan(0);

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(err).toContain("bot: stopped");
    expect(err).not.toContain(discord.botToken);
  });
});
