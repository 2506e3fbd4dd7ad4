import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from "discord.js";
import { compactId, makeId } from "../src/discord/custom-id.ts";
import { renderArticles } from "../src/discord/render.ts";
import type { Command, Context, MessageBody } from "./types.ts";

export const ARTICLES_PAGE_SIZE = 10;

export const data = {
  name: "articles",
  type: ApplicationCommandType.ChatInput,
  description: "List the articles I know, newest first",
  options: [
    {
      type: ApplicationCommandOptionType.String,
      name: "filter",
      description: "Only articles with this word",
      required: false,
      max_length: 80,
    },
  ],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

/** `arts1:<page>:<owner>:<filter>` (pages are 1-based). */
export function articlesId(page: number, owner: string, filter: string): string | null {
  return makeId("arts1", [page, compactId(owner)], filter);
}

export function articlesPage(ctx: Context, filter: string, page: number, owner: string): MessageBody {
  const list = ctx.desk.listArticles(filter || undefined, {
    page,
    pageSize: ARTICLES_PAGE_SIZE,
    guild: ctx.interaction.guildId,
  });
  return renderArticles(list, {
    filter: filter || null,
    nav: {
      prev: list.page > 1 ? articlesId(list.page - 1, owner, filter) : null,
      next: list.page < list.pages ? articlesId(list.page + 1, owner, filter) : null,
    },
  });
}

export default {
  data,
  async execute(ctx) {
    const filter =
      typeof ctx.interaction.options.filter === "string" ? ctx.interaction.options.filter.trim() : "";
    await ctx.responder.reply(articlesPage(ctx, filter.slice(0, 80), 1, ctx.interaction.user.id));
  },
} satisfies Command;
