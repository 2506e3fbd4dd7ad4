import { PermissionFlagsBits } from "discord.js";
import { describe, expect, it } from "vitest";
import summary from "../../commands/summary.ts";
import type { Context, Desk, Interaction, MessageBody, Responder } from "../../commands/types.ts";
import { UserError } from "../../commands/types.ts";
import { parseConfig } from "../../src/config.ts";

/**
 * Focused tests for what the local Discord cannot show: it always reports the bot's channel permissions
 * as 2^40-1 (which has Administrator), so "the bot lacks Pin Messages" is exercised here.
 */
function ctx(over: Partial<Interaction>, pin: (c: string, m: string) => Promise<void> = async () => {}) {
  const sent: { body: MessageBody; ephemeral?: boolean }[] = [];
  let summaries = 0;
  const desk = {
    summary: () => {
      summaries++;
      return {
        status: "ok",
        message: null,
        article: null,
        query: "x",
        results: [
          {
            text: "A sentence.",
            score: 1,
            context: { before: null, after: null },
            terms: [],
            citation: {
              article: "a",
              title: "T",
              date: null,
              source: null,
              url: null,
              paragraph: 1,
              sentence: 1,
            },
          },
        ],
      };
    },
  } as unknown as Desk;
  const responder = {
    state: "pending",
    async reply(body: MessageBody, o?: { ephemeral?: boolean }) {
      sent.push({ body, ...(o?.ephemeral ? { ephemeral: true } : {}) });
    },
    async followUp(body: MessageBody, o?: { ephemeral?: boolean }) {
      sent.push({ body, ...(o?.ephemeral ? { ephemeral: true } : {}) });
      return { id: "5" };
    },
    async original() {
      return { id: "55", channelId: "2" };
    },
  } as unknown as Responder;
  const interaction: Interaction = {
    id: "1",
    token: "t",
    applicationId: "a",
    kind: "command",
    commandName: "summary",
    commandType: 1,
    options: { pin: true },
    focused: null,
    customId: null,
    message: null,
    targetMessage: null,
    user: { id: "9", username: "m" },
    guildId: "1",
    channelId: "2",
    memberPermissions: PermissionFlagsBits.PinMessages,
    appPermissions: PermissionFlagsBits.PinMessages | PermissionFlagsBits.SendMessages,
    locale: null,
    ...over,
  };
  const c: Context = {
    interaction,
    responder,
    desk,
    config: parseConfig({}),
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    discord: { pin },
  };
  return { c, sent, summaries: () => summaries };
}

describe("/summary pin", () => {
  it("GIVEN the bot lacks Pin Messages in the channel THEN the moderator is told before anything is posted", async () => {
    const { c, sent, summaries } = ctx({ appPermissions: PermissionFlagsBits.SendMessages });
    await expect(summary.execute(c)).rejects.toThrow(/I don't have the Pin Messages permission/);
    expect(sent).toEqual([]);
    expect(summaries()).toBe(0);
  });

  it("GIVEN a member with Manage Messages but not Pin Messages THEN pinning is refused", async () => {
    const { c } = ctx({ memberPermissions: PermissionFlagsBits.ManageMessages });
    await expect(summary.execute(c)).rejects.toBeInstanceOf(UserError);
  });

  it("GIVEN an Administrator THEN the summary is posted and pinned by its message id", async () => {
    const pinned: string[] = [];
    const { c, sent } = ctx({ memberPermissions: PermissionFlagsBits.Administrator }, async (ch, m) => {
      pinned.push(`${ch}/${m}`);
    });
    await summary.execute(c);
    expect(pinned).toEqual(["2/55"]);
    expect(sent[0]?.ephemeral).toBeUndefined();
    expect(sent[1]).toMatchObject({ ephemeral: true, body: { content: "📌 Pinned." } });
  });

  it("GIVEN Discord answers 30003 or 50013 THEN the reason is a UserError; other failures propagate", async () => {
    for (const [code, re] of [
      [30003, /pin limit/],
      [50013, /lack the permission/],
    ] as const) {
      const { c } = ctx({}, async () => {
        throw Object.assign(new Error("api"), { code });
      });
      await expect(summary.execute(c)).rejects.toThrow(re);
    }
    const { c } = ctx({}, async () => {
      throw new Error("network down");
    });
    await expect(summary.execute(c)).rejects.toThrow("network down");
  });
});
