import { ApplicationCommandType, type RESTPostAPIContextMenuApplicationCommandsJSONBody } from "discord.js";
import { truncate } from "../src/discord/limits.ts";
import { askPage, QUESTION_MAX } from "./ask.ts";
import { type Command, UserError } from "./types.ts";

export const SOURCES_PREFIX = "🔎 ";

export const data = {
  name: "Find sources",
  type: ApplicationCommandType.Message,
} as const satisfies RESTPostAPIContextMenuApplicationCommandsJSONBody;

/** The searchable text of a message: its content, else its embeds' titles and descriptions. */
export function messageText(message: {
  content?: string;
  embeds?: readonly { title?: string; description?: string }[];
}): string {
  const content = message.content?.trim() ?? "";
  if (content) return content;
  return (message.embeds ?? [])
    .map((e) => [e.title, e.description].filter(Boolean).join(" "))
    .join(" ")
    .trim();
}

export default {
  data,
  ephemeral: () => true,
  async execute(ctx) {
    const target = ctx.interaction.targetMessage;
    if (!target) throw new UserError("I could not read that message. Please try again.");
    // Mentions and links say nothing about the news; drop them before searching.
    const text = messageText(target)
      .replace(/<[@#][!&]?\d+>|<a?:\w+:\d+>|https?:\/\/\S+/g, " ")
      .replace(/\s+/g, " ")
      .trim();
    if (!text) throw new UserError("That message has no text I can look up.");
    const query = truncate(text, QUESTION_MAX).replace(/…$/, "");
    const body = askPage(ctx, query, 0, {
      owner: ctx.interaction.user.id,
      private: true,
      header: SOURCES_PREFIX,
    });
    await ctx.responder.reply(body, { ephemeral: true });
  },
} satisfies Command;
