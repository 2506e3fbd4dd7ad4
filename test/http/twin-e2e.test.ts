/**
 * HTTP mode end to end against discord-digital-twin. The twin only delivers interactions over its
 * gateway, so this test plays the part of Discord's "Interactions Endpoint URL" delivery: each
 * INTERACTION_CREATE the twin emits is signed with the application's key and POSTed to our endpoint, and
 * the HTTP response body is handed to the twin's interaction callback route, as Discord does. Follow-ups
 * and edits go from the bot to the twin over REST (DISCORD_API_URL). Assertions are on what the channel
 * shows, as in the gateway e2e.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type APIMessage,
  ApplicationCommandOptionType,
  ChannelType,
  InteractionType,
  PermissionFlagsBits,
  REST,
} from "discord.js";
import { DigitalDiscord } from "discord-digital-twin";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commands as defaultCommands } from "../../commands/index.ts";
import type { Command } from "../../commands/types.ts";
import { parseConfig } from "../../src/config.ts";
import { deployCommands } from "../../src/discord/deploy.ts";
import { type HttpMode, startHttpMode } from "../../src/http/start.ts";
import { createSigner } from "../../src/http/verify.ts";
import {
  ackOf,
  message,
  type PinFront,
  permissionsWithout,
  setPermissions,
  startPinFront,
} from "../discord/twin.ts";
import { captureLogger } from "./helpers.ts";

const signer = createSigner("77".repeat(32));
let discord: DigitalDiscord;
let front: PinFront;
let app: HttpMode;
let cacheDir: string;
let general: string;
let alice: string;
let bob: string;
const relayed: { id: string; status: number }[] = [];

/** A command that takes longer than the auto-defer delay. */
const slow: Command = {
  data: { name: "slow", description: "takes its time", type: 1 },
  async execute(ctx) {
    await new Promise((r) => setTimeout(r, 400));
    await ctx.responder.reply({ content: "finished after a while" });
  },
};

interface TwinGateway {
  broadcast(event: string, data: unknown): void;
}

/** Discord's side of an Interactions Endpoint URL: sign, POST, pass the response body to the callback. */
function relayToEndpoint(gateway: TwinGateway) {
  const original = gateway.broadcast.bind(gateway);
  gateway.broadcast = (event, data) => {
    if (event !== "INTERACTION_CREATE") return original(event, data);
    const interaction = data as { id: string; token: string };
    void (async () => {
      const body = JSON.stringify(interaction);
      const res = await fetch(`${app.server.url}/interactions`, {
        method: "POST",
        body,
        headers: signer.headers(body),
      });
      relayed.push({ id: interaction.id, status: res.status });
      if (res.status !== 200) return;
      await fetch(`${discord.restUrl}/v10/interactions/${interaction.id}/${interaction.token}/callback`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: await res.text(),
      });
    })();
  };
}

async function commandId(name: string): Promise<string> {
  const c = await discord.prisma.applicationCommand.findFirst({ where: { name } });
  if (!c) throw new Error(`command ${name} is not registered`);
  return c.id;
}

async function slash(
  user: string,
  name: string,
  options: { name: string; type: number; value: unknown }[] = [],
) {
  const started = performance.now();
  const { id } = await discord
    .channel(general)
    .user(user)
    .runSlashCommand({ name, options: options as never });
  const ack = await ackOf(discord, id, started);
  return { ack, msg: ack.messageId ? await message(discord, general, ack.messageId) : null };
}

type Button = { label?: string; custom_id?: string };
const buttonsOf = (m: APIMessage | null): Button[] =>
  ((m?.components ?? []) as unknown as { components?: Button[] }[]).flatMap((r) => r.components ?? []);
const ephemeral = (m: APIMessage | null) => ((m?.flags ?? 0) & 64) !== 0;
const question = (q: string) => [{ name: "question", type: ApplicationCommandOptionType.String, value: q }];

beforeAll(async () => {
  discord = new DigitalDiscord({
    guild: { name: "Newsdesk over HTTP" },
    channels: [{ name: "general", type: ChannelType.GuildText }],
    users: [{ username: "alice" }, { username: "bob" }],
  });
  await discord.start();
  relayToEndpoint((discord as unknown as { server: { gateway: TwinGateway } }).server.gateway);
  general = (await discord.prisma.channel.findFirst({ where: { name: "general" } }))!.id;
  const users = await discord.prisma.user.findMany({ where: { bot: false }, orderBy: { username: "asc" } });
  alice = users[0]!.id;
  bob = users[1]!.id;
  const ordinary = permissionsWithout(PermissionFlagsBits.ManageMessages, PermissionFlagsBits.PinMessages);
  await setPermissions(discord, discord.guildId, bob, ordinary);
  front = await startPinFront(discord);
  const rest = new REST({ api: front.url }).setToken(discord.botToken);
  await deployCommands({
    rest,
    applicationId: discord.botUserId,
    guildId: discord.guildId,
    data: [...defaultCommands, slow].map((c) => c.data),
  });
  cacheDir = mkdtempSync(join(tmpdir(), "newsdesk-twin-http-"));
  const { logger } = captureLogger();
  app = await startHttpMode(
    parseConfig({
      INTERACTIONS_PORT: "0",
      DISCORD_PUBLIC_KEY: signer.publicKeyHex,
      DISCORD_TOKEN: discord.botToken,
      DISCORD_API_URL: front.url,
      COOLDOWN_SECONDS: "0",
    }),
    logger,
    {
      knowledgeDirs: ["knowledge", "test/fixtures/discord"],
      cacheDir,
      signals: false,
      server: { commands: [...defaultCommands, slow], autoDeferMs: 150 },
    },
  );
}, 30_000);

afterAll(async () => {
  await app?.stop();
  await front?.close();
  await discord?.stop();
  if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
});

describe("HTTP mode against the local Discord", () => {
  it("GIVEN /ask THEN the channel shows the quoted answer, delivered as the HTTP response", async () => {
    const { ack, msg } = await slash(alice, "ask", question("harbour committee marathon session"));
    expect(ack.type).toBe(4);
    expect(relayed.find((r) => r.id === ack.interactionId)?.status).toBe(200);
    expect(msg?.embeds[0]?.description).toMatch(/harbour/i);
    expect(msg?.author.id).toBe(discord.botUserId);
  });

  it("GIVEN an answer WHEN alice clicks More and bob clicks it too THEN hers pages in place and bob gets a private copy", async () => {
    const { msg } = await slash(alice, "ask", question("harbour"));
    const more = buttonsOf(msg).find((b) => b.label && /More|▶/.test(b.label))!;
    expect(more?.custom_id).toBeDefined();
    const started = performance.now();
    const click = await discord
      .channel(general)
      .user(alice)
      .clickButton({ messageId: msg!.id, customId: more.custom_id! });
    const ack = await ackOf(discord, click.id, started);
    expect(ack.type).toBe(7);
    const paged = await message(discord, general, msg!.id);
    expect(paged.embeds[0]?.description).not.toEqual(msg!.embeds[0]?.description);

    const bobClick = await discord
      .channel(general)
      .user(bob)
      .clickButton({ messageId: msg!.id, customId: more.custom_id! });
    const bobAck = await ackOf(discord, bobClick.id, performance.now());
    expect(bobAck.type).toBe(4);
    expect(ephemeral(await message(discord, general, bobAck.messageId!))).toBe(true);
  });

  it("GIVEN autocomplete for /who THEN choices come back as a type 8 response", async () => {
    const started = performance.now();
    const { id } = await discord.simulateInteraction({
      type: InteractionType.ApplicationCommandAutocomplete,
      channelId: general,
      userId: alice,
      data: {
        id: await commandId("who"),
        name: "who",
        type: 1,
        options: [{ name: "name", type: ApplicationCommandOptionType.String, value: "a", focused: true }],
      },
    });
    const ack = await ackOf(discord, id, started);
    expect(ack.type).toBe(8);
    expect(Array.isArray((ack.data as { choices?: unknown[] }).choices)).toBe(true);
  });

  it("GIVEN Find sources on a message THEN a private answer", async () => {
    const posted = await discord
      .channel(general)
      .user(alice)
      .sendMessage({ content: "The harbour committee met all night" });
    const { id } = await discord.simulateInteraction({
      type: InteractionType.ApplicationCommand,
      channelId: general,
      userId: bob,
      data: {
        id: await commandId("Find sources"),
        name: "Find sources",
        type: 3,
        target_id: posted.id,
        resolved: { messages: { [posted.id]: posted } },
      },
    });
    const ack = await ackOf(discord, id, performance.now());
    const msg = await message(discord, general, ack.messageId!);
    expect(ephemeral(msg)).toBe(true);
    expect(msg.embeds[0]?.author?.name).toMatch(/^🔎 The harbour committee/);
  });

  it("GIVEN a slow command THEN the HTTP response defers it and the answer arrives by REST edit", async () => {
    const { ack } = await slash(alice, "slow");
    expect(ack.type).toBe(5);
    // The twin creates the message on the first edit of a deferred reply.
    const filled = await (async () => {
      for (let i = 0; i < 150; i++) {
        const row = await discord.prisma.interactionResponse.findUnique({
          where: { interactionId: ack.interactionId },
        });
        const m = row?.messageId ? await message(discord, general, row.messageId) : null;
        if (m?.content) return m;
        await new Promise((r) => setTimeout(r, 20));
      }
      return null;
    })();
    expect(filled?.content).toBe("finished after a while");
  });

  it("GIVEN bob without Pin Messages WHEN /summary pin:true THEN he is told privately and nothing is pinned", async () => {
    const { msg } = await slash(bob, "summary", [
      { name: "pin", type: ApplicationCommandOptionType.Boolean, value: true },
    ]);
    expect(ephemeral(msg)).toBe(true);
    expect(msg?.content).toMatch(/Pin Messages permission/);
    expect(front.pinRequests).toBe(0);
  });
});
