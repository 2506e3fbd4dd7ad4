/**
 * Gateway sharding (src/discord/shard.ts) against discord-digital-twin: `SHARD_COUNT=2` starts two shard
 * processes through discord.js's ShardingManager, each loading the knowledge and identifying with its
 * `[shard, count]`; a slash command in each server is answered.
 *
 * The twin ignores `shard` in IDENTIFY and broadcasts every event to every connection, so real Discord's
 * routing (a guild's events go to shard `(guild_id >> 22) % count`) is added here in the test, around the
 * twin's gateway: IDENTIFY's shard is recorded per connection and guild events (READY's guild list,
 * GUILD_CREATE, INTERACTION_CREATE…) only reach the connection whose shard owns the guild.
 */
import { ApplicationCommandOptionType, ChannelType, REST } from "discord.js";
import { DigitalDiscord } from "discord-digital-twin";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.ts";
import { deployCommands } from "../../src/discord/deploy.ts";
import { resolveShardCount, type ShardsHandle, startShards } from "../../src/discord/shard.ts";
import { ackOf, message } from "../discord/twin.ts";
import { captureLogger } from "./helpers.ts";

const COUNT = 2;
const GUILD_EVEN = String((1n << 22n) * 10_000_000_000n); // shard 0 of 2
const GUILD_ODD = String((1n << 22n) * 10_000_000_001n); // shard 1 of 2
const shardOf = (guildId: string) => Number((BigInt(guildId) >> 22n) % BigInt(COUNT));

interface TwinClient {
  shard?: [number, number];
}
interface TwinGateway {
  clients: TwinClient[];
  handleMessage(client: TwinClient, raw: string): Promise<void>;
  sendDispatch(client: TwinClient, event: string, data: unknown): void;
}

let discord: DigitalDiscord;
let shards: ShardsHandle | null = null;
let channelEven: string;
let channelOdd: string;
let user: string;
/** Which shard connection each interaction was delivered to. */
const delivered = new Map<string, number>();

/** Makes the twin's gateway route guild events by shard, as Discord does. */
function routeByShard(gateway: TwinGateway) {
  const handle = gateway.handleMessage.bind(gateway);
  gateway.handleMessage = async (client, raw) => {
    const payload = JSON.parse(raw) as { op: number; d?: { shard?: [number, number] } };
    if (payload.op === 2 && payload.d?.shard) client.shard = payload.d.shard;
    return handle(client, raw);
  };
  const send = gateway.sendDispatch.bind(gateway);
  gateway.sendDispatch = (client, event, data) => {
    const [id, count] = client.shard ?? [0, 1];
    const owns = (guildId: unknown) =>
      typeof guildId !== "string" || Number((BigInt(guildId) >> 22n) % BigInt(count)) === id;
    const d = data as { guild_id?: unknown; id?: unknown; guilds?: { id: string }[] };
    if (event === "READY" && d.guilds)
      return send(client, event, { ...d, guilds: d.guilds.filter((g) => owns(g.id)) });
    if (event === "GUILD_CREATE" && !owns(d.id)) return;
    if (event !== "GUILD_CREATE" && !owns(d.guild_id)) return;
    if (event === "INTERACTION_CREATE") delivered.set(String(d.id), id);
    send(client, event, data);
  };
}

beforeAll(async () => {
  discord = new DigitalDiscord({
    guilds: [
      { id: GUILD_EVEN, name: "Even", channels: [{ name: "news", type: ChannelType.GuildText }] },
      { id: GUILD_ODD, name: "Odd", channels: [{ name: "news", type: ChannelType.GuildText }] },
    ],
    users: [{ username: "reader" }],
  });
  await discord.start();
  routeByShard((discord as unknown as { server: { gateway: TwinGateway } }).server.gateway);
  const channels = await discord.prisma.channel.findMany();
  channelEven = channels.find((c) => c.guildId === GUILD_EVEN)!.id;
  channelOdd = channels.find((c) => c.guildId === GUILD_ODD)!.id;
  user = (await discord.prisma.user.findFirst({ where: { bot: false } }))!.id;
  const rest = new REST({ api: discord.restUrl }).setToken(discord.botToken);
  for (const guildId of [GUILD_EVEN, GUILD_ODD]) {
    await deployCommands({ rest, applicationId: discord.botUserId, guildId });
  }
}, 30_000);

afterAll(async () => {
  await shards?.stop();
  await discord?.stop();
});

describe("gateway sharding", () => {
  it("GIVEN SHARD_COUNT=auto THEN the count comes from DISCORD_API_URL's /gateway/bot (the twin says 1)", async () => {
    const config = parseConfig({
      DISCORD_TOKEN: discord.botToken,
      DISCORD_API_URL: discord.restUrl,
      SHARD_COUNT: "auto",
    });
    expect(await resolveShardCount(config)).toBe(1);
  });

  it("GIVEN SHARD_COUNT=2 THEN two shard processes connect as [0,2] and [1,2] and each answers its own server", async () => {
    const { logger, out } = captureLogger();
    const envBefore = process.env.KNOWLEDGE_DIR;
    const config = parseConfig({
      DISCORD_TOKEN: discord.botToken,
      DISCORD_API_URL: discord.restUrl,
      SHARD_COUNT: String(COUNT),
      KNOWLEDGE_DIR: "test/fixtures/discord",
      LOG_LEVEL: "warn",
      COOLDOWN_SECONDS: "0",
    });
    shards = await startShards(config, logger, { spawnDelayMs: 100, readyTimeoutMs: 40_000, signals: false });
    expect(shards.count).toBe(COUNT);
    expect(process.env.KNOWLEDGE_DIR).toBe(envBefore); // the children's environment was set only while spawning
    expect(out.text).toMatch(/every shard is connected/);
    const gateway = (discord as unknown as { server: { gateway: TwinGateway } }).server.gateway;
    expect(gateway.clients.map((c) => c.shard?.join("/")).sort()).toEqual(["0/2", "1/2"]);
    const pids = [...shards.manager.shards.values()].map((s) => s.process?.pid);
    expect(new Set(pids).size).toBe(COUNT);
    expect(pids).not.toContain(process.pid);

    for (const [guildId, channelId] of [
      [GUILD_EVEN, channelEven],
      [GUILD_ODD, channelOdd],
    ] as const) {
      const started = performance.now();
      const { id } = await discord
        .channel(channelId)
        .user(user)
        .runSlashCommand({
          name: "ask",
          guildId,
          options: [{ name: "question", type: ApplicationCommandOptionType.String, value: "harbour" }],
        });
      const ack = await ackOf(discord, id, started);
      expect(delivered.get(id)).toBe(shardOf(guildId));
      expect(ack.type).toBe(4);
      const shown = await message(discord, channelId, ack.messageId!);
      expect(JSON.stringify(shown.embeds)).toMatch(/harbour/i);
    }
  }, 60_000);

  it("GIVEN the manager stops THEN every shard process exits", async () => {
    const children = [...(shards?.manager.shards.values() ?? [])].map((s) => s.process);
    await shards?.stop();
    for (const child of children) expect(child?.exitCode ?? child?.signalCode).not.toBeNull();
    shards = null;
  }, 20_000);
});
