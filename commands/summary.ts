import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  PermissionFlagsBits,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from "discord.js";
import { truncate } from "../src/discord/limits.ts";
import { renderNotice, renderSummary } from "../src/discord/render.ts";
import { type Command, UserError } from "./types.ts";

/** Pinning needs Pin Messages (Discord split it from Manage Messages); Administrator implies it. */
export const PIN_PERMISSION = PermissionFlagsBits.PinMessages;

export const data = {
  name: "summary",
  type: ApplicationCommandType.ChatInput,
  description: "A short digest of an article, quoted verbatim; moderators can pin it",
  default_member_permissions: String(PIN_PERMISSION),
  options: [
    {
      type: ApplicationCommandOptionType.String,
      name: "article",
      description: "Which article (default: the newest)",
      required: false,
      max_length: 100,
      autocomplete: true,
    },
    {
      type: ApplicationCommandOptionType.Boolean,
      name: "pin",
      description: "Post the summary to the channel and pin it (moderators)",
      required: false,
    },
  ],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

function can(permissions: bigint | null, bit: bigint): boolean {
  if (permissions === null) return false;
  return (permissions & PermissionFlagsBits.Administrator) !== 0n || (permissions & bit) !== 0n;
}

function apiCode(err: unknown): number | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : null;
}

export default {
  data,
  async execute(ctx) {
    const { interaction } = ctx;
    const pin = interaction.options.pin === true;
    if (pin) {
      if (!interaction.guildId || !interaction.channelId)
        throw new UserError("Summaries can only be pinned in a server channel.");
      if (!can(interaction.memberPermissions, PIN_PERMISSION)) {
        throw new UserError("You need the Pin Messages permission in this channel to pin a summary.");
      }
      if (interaction.appPermissions !== null && !can(interaction.appPermissions, PIN_PERMISSION)) {
        throw new UserError(
          "I don't have the Pin Messages permission in this channel. Ask a moderator to grant it.",
        );
      }
    }
    const article = typeof interaction.options.article === "string" ? interaction.options.article.trim() : "";
    const summary = ctx.desk.summary(article || null, { guild: interaction.guildId });
    if (summary.status !== "ok" || summary.results.length === 0) {
      throw new UserError(summary.message ?? `I found no article matching “${truncate(article, 100)}”.`);
    }
    await ctx.responder.reply(renderSummary(summary));
    if (!pin) return;
    const posted = await ctx.responder.original();
    try {
      await ctx.discord.pin(posted.channelId, posted.id);
    } catch (err) {
      const code = apiCode(err);
      if (code === 30003) {
        throw new UserError(
          "The summary is posted, but this channel is at its pin limit. Unpin an older message and try again.",
        );
      }
      if (code === 50013 || code === 50001) {
        throw new UserError(
          "The summary is posted, but I lack the permission to pin messages in this channel.",
        );
      }
      throw err;
    }
    await ctx.responder.followUp(renderNotice("📌 Pinned."), { ephemeral: true });
  },
  async autocomplete(ctx) {
    const prefix = ctx.interaction.focused?.value ?? "";
    const items = ctx.desk.suggestArticles(prefix.slice(0, 100), { guild: ctx.interaction.guildId });
    await ctx.responder.autocomplete(
      items
        .filter((a) => a.id.length <= 100)
        .slice(0, 25)
        .map((a) => {
          const suffix = a.date ? ` · ${a.date}` : "";
          return { name: `${truncate(a.title, 100 - suffix.length)}${suffix}`, value: a.id.slice(0, 100) };
        }),
    );
  },
} satisfies Command;
