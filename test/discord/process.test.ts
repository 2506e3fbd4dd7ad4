import { spawn } from "node:child_process";
import { ApplicationCommandOptionType, ChannelType, REST } from "discord.js";
import { DigitalDiscord } from "discord-digital-twin";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployCommands } from "../../src/discord/deploy.ts";
import { ackOf, message } from "./twin.ts";

let discord: DigitalDiscord;
beforeAll(async () => {
  discord = new DigitalDiscord({
    channels: [{ name: "general", type: ChannelType.GuildText }],
    users: [{ username: "u" }],
  });
  await discord.start();
  await deployCommands({
    rest: new REST({ api: discord.restUrl }).setToken(discord.botToken),
    applicationId: discord.botUserId,
    guildId: discord.guildId,
  });
});
afterAll(async () => {
  await discord?.stop();
});

describe("bot process", () => {
  it("GIVEN a running bot process WHEN a promise rejects unhandled THEN it is logged and the bot keeps answering; SIGTERM stops it cleanly", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "test/discord/bot-child.ts"], {
      env: {
        PATH: process.env.PATH,
        DISCORD_TOKEN: discord.botToken,
        DISCORD_API_URL: discord.restUrl,
        KNOWLEDGE_DIR: "knowledge",
        LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
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
