/**
 * `/forget article:<autocomplete>`: a moderator removes an article this server added. Shared knowledge and
 * other servers' articles cannot be chosen, and are refused if typed.
 */
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from "discord.js";
import { escapeMarkdown, truncate } from "../src/discord/limits.ts";
import { renderNotice } from "../src/discord/render.ts";
import { INGEST_PERMISSION, moderatorServices } from "./ingest.ts";
import type { Command } from "./types.ts";
import { UserError } from "./types.ts";

export const data = {
  name: "forget",
  type: ApplicationCommandType.ChatInput,
  description: "Remove an article this server added",
  default_member_permissions: String(INGEST_PERMISSION),
  contexts: [0],
  options: [
    {
      type: ApplicationCommandOptionType.String,
      name: "article",
      description: "Which article (only this server's own additions)",
      required: true,
      max_length: 100,
      autocomplete: true,
    },
  ],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

/** Choice values are file names within the server's folder (ids would carry the long server id). */
function fileName(id: string): string {
  return id.slice(id.lastIndexOf("/") + 1);
}

export default {
  data,
  ephemeral: () => true,
  async execute(ctx) {
    const { guildId, services } = moderatorServices(ctx, "Removing articles");
    const article =
      typeof ctx.interaction.options.article === "string" ? ctx.interaction.options.article.trim() : "";
    if (!article) throw new UserError("Choose the article to remove.");
    let removed: { id: string; title: string };
    try {
      removed = await services.forget(article, guildId);
    } catch (err) {
      if ((err as { code?: unknown }).code === "not-found") {
        throw new UserError(
          `I found no article “${escapeMarkdown(truncate(article, 100))}” added in this server. Only articles this server added can be removed; pick one from the list.`,
        );
      }
      throw err;
    }
    ctx.logger.info(`forget: ${ctx.interaction.user.id} removed ${removed.id} in ${guildId}`);
    await ctx.responder.reply(
      renderNotice(
        `🗑️ Removed **${escapeMarkdown(truncate(removed.title, 300))}**. It no longer appears in answers here.`,
      ),
      { ephemeral: true },
    );
  },
  async autocomplete(ctx) {
    const guildId = ctx.interaction.guildId;
    if (!guildId || !ctx.ingest) return ctx.responder.autocomplete([]);
    const typed = (ctx.interaction.focused?.value ?? "").trim().toLowerCase().slice(0, 100);
    const own = await ctx.ingest.listOwn(guildId);
    const matching = own.filter(
      (a) =>
        typed === "" || a.title.toLowerCase().includes(typed) || fileName(a.id).toLowerCase().includes(typed),
    );
    await ctx.responder.autocomplete(
      matching
        .filter((a) => fileName(a.id).length <= 100)
        .slice(0, 25)
        .map((a) => {
          const suffix = a.date ? ` · ${a.date}` : "";
          return { name: `${truncate(a.title, 100 - suffix.length)}${suffix}`, value: fileName(a.id) };
        }),
    );
  },
} satisfies Command;
