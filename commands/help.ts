import { ApplicationCommandType, type RESTPostAPIChatInputApplicationCommandsJSONBody } from "discord.js";
import { renderHelp } from "../src/discord/render.ts";
import type { Command, Desk } from "./types.ts";

export const data = {
  name: "help",
  type: ApplicationCommandType.ChatInput,
  description: "What I can do, with examples from the news I know",
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

const STOP = new Set([
  "the",
  "and",
  "for",
  "with",
  "from",
  "that",
  "this",
  "after",
  "over",
  "into",
  "says",
  "said",
]);

/** Examples drawn from the loaded knowledge: the newest article and the most mentioned people. */
export function helpFacts(desk: Desk, guild: string | null) {
  const list = desk.listArticles(undefined, { page: 1, pageSize: 1, guild });
  const newest = list.results[0] ?? null;
  const people = desk
    .suggestEntities("", { guild })
    .filter((e) => e.kind === "person")
    .map((e) => e.name);
  const words = (newest?.title ?? "")
    .split(/[^\p{L}\p{N}'-]+/u)
    .filter((w: string) => w.length > 3 && !STOP.has(w.toLowerCase()));
  return {
    articles: list.total,
    newest: newest ? { title: newest.title, date: newest.date } : null,
    people,
    exampleQuestion: words.length > 0 ? words.slice(0, 2).join(" ") : null,
  };
}

export default {
  data,
  ephemeral: () => true,
  async execute(ctx) {
    await ctx.responder.reply(renderHelp(helpFacts(ctx.desk, ctx.interaction.guildId)), { ephemeral: true });
  },
} satisfies Command;
