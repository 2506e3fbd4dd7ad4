import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from "discord.js";
import type { Passage } from "../src/core/types.ts";
import { compactId, makeId, shortHash } from "../src/discord/custom-id.ts";
import { renderAnswer } from "../src/discord/render.ts";
import { type Command, type Context, type MessageBody, UserError } from "./types.ts";

/** Longest question accepted (Discord enforces it in the client; the handler re-checks). Fits an embed author line. */
export const QUESTION_MAX = 240;
export const ASK_PAGE_SIZE = 3;

export const data = {
  name: "ask",
  type: ApplicationCommandType.ChatInput,
  description: "Answer a question by quoting the news, word for word, with sources",
  options: [
    {
      type: ApplicationCommandOptionType.String,
      name: "question",
      description: "What do you want to know? e.g. Where did Assad flee?",
      required: true,
      min_length: 1,
      max_length: QUESTION_MAX,
    },
    {
      type: ApplicationCommandOptionType.Boolean,
      name: "private",
      description: "Only you see the answer (you can Share it afterwards)",
      required: false,
    },
  ],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

/** Checks a question typed by a user; throws a UserError explaining what to change. */
export function checkQuestion(raw: unknown, what = "question"): string {
  const q = typeof raw === "string" ? raw.trim() : "";
  if (q.length === 0)
    throw new UserError(`Please type a ${what}, for example: /ask question: reconstruction`);
  if (q.length > QUESTION_MAX) {
    throw new UserError(
      `Your ${what} is ${q.length.toLocaleString("en")} characters long; the limit is ${QUESTION_MAX}. Please shorten it.`,
    );
  }
  return q;
}

/**
 * Custom id of a paging button: `ask1:<page>:<owner>:<private>:q:<question>` when the question fits in 100
 * characters, else `ask1:<page>:<owner>:<private>:h:<hash>`; the click then reads the question back from
 * the answer's author line (every answer shows it there verbatim) and checks it against the hash.
 */
export function askId(page: number, owner: string, priv: boolean, question: string): string {
  const head = [page, compactId(owner), priv ? 1 : 0];
  return (
    makeId("ask1", [...head, "q"], question) ??
    (makeId("ask1", [...head, "h"], shortHash(question)) as string)
  );
}

/** Custom id of a Context button: `ctx1:<sentence>:<article id>`; null when the id is too long. */
export function contextId(p: Passage): string | null {
  return makeId("ctx1", [p.citation.sentence], p.citation.article);
}

export const SHARE_ID = "share1";

/** One page of an answer, with its buttons. */
export function askPage(
  ctx: Context,
  question: string,
  page: number,
  options: { owner: string; private: boolean; header?: string },
): MessageBody {
  const answer = ctx.desk.ask(question, {
    limit: ASK_PAGE_SIZE + 1,
    offset: page * ASK_PAGE_SIZE,
    guild: ctx.interaction.guildId,
  });
  const hasMore = answer.results.length > ASK_PAGE_SIZE;
  const shown = { ...answer, results: answer.results.slice(0, ASK_PAGE_SIZE) };
  return renderAnswer(shown, {
    page,
    pageSize: ASK_PAGE_SIZE,
    ...(options.header ? { title: options.header } : {}),
    nav: {
      prev: page > 0 ? askId(page - 1, options.owner, options.private, question) : null,
      next: hasMore ? askId(page + 1, options.owner, options.private, question) : null,
      share: options.private ? SHARE_ID : null,
      context: (p) => contextId(p),
    },
  });
}

export default {
  data,
  ephemeral: (i) => i.options.private === true,
  async execute(ctx) {
    const question = checkQuestion(ctx.interaction.options.question);
    const priv = ctx.interaction.options.private === true;
    const body = askPage(ctx, question, 0, { owner: ctx.interaction.user.id, private: priv });
    await ctx.responder.reply(body, { ephemeral: priv });
  },
} satisfies Command;
