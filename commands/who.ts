import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from "discord.js";
import { compactId, makeId } from "../src/discord/custom-id.ts";
import { truncate } from "../src/discord/limits.ts";
import { renderWho } from "../src/discord/render.ts";
import { contextId } from "./ask.ts";
import { type Command, type Context, type MessageBody, UserError } from "./types.ts";

export const NAME_MAX = 80;
export const WHO_PAGE_SIZE = 5;

export const data = {
  name: "who",
  type: ApplicationCommandType.ChatInput,
  description: "Follow a person (or place, group) through the news",
  options: [
    {
      type: ApplicationCommandOptionType.String,
      name: "name",
      description: "Who? e.g. Putin",
      required: true,
      min_length: 1,
      max_length: NAME_MAX,
      autocomplete: true,
    },
  ],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

/** `who1:<page>:<owner>:<name>`; null (no paging) when the name does not fit. */
export function whoId(page: number, owner: string, name: string): string | null {
  return makeId("who1", [page, compactId(owner)], name);
}

export function whoPage(ctx: Context, name: string, page: number, owner: string): MessageBody {
  const who = ctx.desk.who(name, {
    limit: WHO_PAGE_SIZE + 1,
    offset: page * WHO_PAGE_SIZE,
    guild: ctx.interaction.guildId,
  });
  const hasMore = who.results.length > WHO_PAGE_SIZE;
  const shown = { ...who, results: who.results.slice(0, WHO_PAGE_SIZE) };
  return renderWho(shown, {
    page,
    pageSize: WHO_PAGE_SIZE,
    query: name,
    nav: {
      prev: page > 0 ? whoId(page - 1, owner, name) : null,
      next: hasMore ? whoId(page + 1, owner, name) : null,
      context: (p) => contextId(p),
    },
  });
}

export default {
  data,
  async execute(ctx) {
    const name = typeof ctx.interaction.options.name === "string" ? ctx.interaction.options.name.trim() : "";
    if (!name) throw new UserError("Please type a name, for example: /who name: Putin");
    if (name.length > NAME_MAX)
      throw new UserError(`That name is ${name.length} characters; the limit is ${NAME_MAX}.`);
    await ctx.responder.reply(whoPage(ctx, name, 0, ctx.interaction.user.id));
  },
  async autocomplete(ctx) {
    const prefix = ctx.interaction.focused?.value ?? "";
    const names = ctx.desk.suggestEntities(prefix.slice(0, NAME_MAX), { guild: ctx.interaction.guildId });
    await ctx.responder.autocomplete(
      names.slice(0, 25).map((n) => {
        const suffix = ` (${n.count})`;
        return { name: `${truncate(n.name, 100 - suffix.length)}${suffix}`, value: n.name.slice(0, 100) };
      }),
    );
  },
} satisfies Command;
