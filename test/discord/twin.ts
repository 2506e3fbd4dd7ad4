/**
 * Test harness around discord-digital-twin (a local Discord REST API + gateway on 127.0.0.1):
 * acting as users (slash commands, autocomplete, buttons, message context menu) and reading what the
 * channel shows. Plus a small REST front for the one thing the twin lacks: pins.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { type APIMessage, PermissionFlagsBits } from "discord.js";
import type { DigitalDiscord } from "discord-digital-twin";

export interface Ack {
  interactionId: string;
  type: number;
  messageId: string | null;
  data: Record<string, unknown> | null;
  /** Milliseconds from sending the interaction to the bot's first response reaching Discord. */
  ms: number;
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined>,
  timeout = 5000,
): Promise<T> {
  const start = Date.now();
  while (Date.now() - start < timeout) {
    const v = await fn();
    if (v !== null && v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export async function ackOf(discord: DigitalDiscord, interactionId: string, started: number): Promise<Ack> {
  const row = await waitFor(`ack of ${interactionId}`, async () => {
    const r = await discord.prisma.interactionResponse.findUnique({ where: { interactionId } });
    return r?.acknowledged ? r : null;
  });
  return {
    interactionId,
    type: row.type,
    messageId: row.messageId,
    data: row.data ? (JSON.parse(row.data) as Record<string, unknown>) : null,
    ms: performance.now() - started,
  };
}

export async function messages(discord: DigitalDiscord, channelId: string): Promise<APIMessage[]> {
  return discord.channel(channelId).getMessages();
}

export async function message(discord: DigitalDiscord, channelId: string, id: string): Promise<APIMessage> {
  return waitFor(`message ${id}`, async () => (await messages(discord, channelId)).find((m) => m.id === id));
}

/** Newest bot message after `afterId` matching `predicate`. */
export async function nextBotMessage(
  discord: DigitalDiscord,
  channelId: string,
  afterId: string,
  predicate: (m: APIMessage) => boolean = () => true,
): Promise<APIMessage> {
  return waitFor("bot message", async () =>
    (await messages(discord, channelId))
      .filter((m) => BigInt(m.id) > BigInt(afterId) && m.author.id === discord.botUserId)
      .reverse()
      .find(predicate),
  );
}

export interface PinFront {
  url: string;
  /** When true, pinning answers 403 Missing Permissions (50013), as Discord does when the bot lacks it. */
  botCannotPin: boolean;
  pinRequests: number;
  close(): Promise<void>;
}

function json(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/**
 * A REST front on 127.0.0.1 that forwards everything to the twin except Discord's pin endpoint
 * (`PUT /channels/{c}/messages/pins/{m}`), which the twin does not implement. It stores the pin in the
 * twin's own message table (`pinned`) and answers like Discord: 204, 30003 at 50 pins, 50013 when the
 * bot lacks the permission, 10008 for an unknown message. Used as DISCORD_API_URL, like a REST proxy.
 */
export async function startPinFront(discord: DigitalDiscord): Promise<PinFront> {
  const front: PinFront = { url: "", botCannotPin: false, pinRequests: 0, close: async () => {} };
  const server = http.createServer(async (req, res) => {
    const pin = /^\/api\/v10\/channels\/(\d+)\/messages\/pins\/(\d+)$/.exec(req.url ?? "");
    if (pin && req.method === "PUT") {
      front.pinRequests++;
      const [, channelId, messageId] = pin as unknown as [string, string, string];
      if (front.botCannotPin) return json(res, 403, { code: 50013, message: "Missing Permissions" });
      const count = await discord.prisma.message.count({ where: { channelId, pinned: true } });
      if (count >= 50) return json(res, 400, { code: 30003, message: "Maximum number of pins reached (50)" });
      const m = await discord.prisma.message.findUnique({ where: { id: messageId } });
      if (!m || m.channelId !== channelId) return json(res, 404, { code: 10008, message: "Unknown Message" });
      await discord.prisma.message.update({ where: { id: messageId }, data: { pinned: true } });
      res.writeHead(204);
      return res.end();
    }
    const upstream = http.request(
      { host: "127.0.0.1", port: discord.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => json(res, 502, { message: "twin unreachable" }));
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  front.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  front.close = () => new Promise((resolve) => server.close(() => resolve()));
  return front;
}

/** Every permission bit Discord defines today (bits 0–51). */
const ALL_PERMISSIONS = (1n << 52n) - 1n;

/** All permissions except `without` (Administrator is always left out: it would imply the rest). */
export function permissionsWithout(...without: bigint[]): bigint {
  return without.reduce((p, bit) => p & ~bit, ALL_PERMISSIONS & ~PermissionFlagsBits.Administrator);
}

/** Sets a member's permissions in a server of the twin. */
export async function setPermissions(
  discord: DigitalDiscord,
  guildId: string,
  userId: string,
  permissions: bigint,
): Promise<void> {
  await discord.prisma.guildMember.update({
    where: { guildId_userId: { guildId, userId } },
    data: { permissions: String(permissions) },
  });
}
