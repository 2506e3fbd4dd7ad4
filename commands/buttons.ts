/**
 * Button handlers. Everything a click needs is in its custom id or in the message it sits on, so clicks
 * work after a restart and on any replica. Clicks on someone else's answer get a private copy of the page
 * instead of changing their message; outdated or malformed ids get a polite "expired".
 */
import { compactId, expandId, readId, shortHash } from "../src/discord/custom-id.ts";
import { QUESTION_PREFIX, renderContext, renderNotice } from "../src/discord/render.ts";
import { EXPIRED } from "../src/discord/router.ts";
import { articlesPage } from "./articles.ts";
import { askPage, SHARE_ID } from "./ask.ts";
import { SOURCES_PREFIX } from "./find-sources.ts";
import { type ComponentHandler, type Context, type MessageBody, UserError } from "./types.ts";
import { whoPage } from "./who.ts";

function pageNumber(s: string | undefined, min: number): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < min || n > 10_000) throw new UserError(EXPIRED);
  return n;
}

function owner(s: string | undefined): string {
  const id = s === undefined ? null : expandId(s);
  if (!id) throw new UserError(EXPIRED);
  return id;
}

/** Owner's click: replace the page in place. Anyone else: a private copy, their message untouched. */
async function showPage(ctx: Context, ownerId: string, make: (owner: string) => MessageBody): Promise<void> {
  if (ctx.interaction.user.id === ownerId) {
    await ctx.responder.update(make(ownerId));
  } else {
    await ctx.responder.reply(make(ctx.interaction.user.id), { ephemeral: true });
  }
}

export const askButton: ComponentHandler = {
  prefix: "ask1",
  async handle(ctx, payload) {
    const parsed = readId(payload, 4);
    if (!parsed) throw new UserError(EXPIRED);
    const [pageText, ownerText, privText, mode] = parsed.fields;
    const page = pageNumber(pageText, 0);
    const ownerId = owner(ownerText);
    const author = ctx.interaction.message?.embeds?.[0]?.author?.name ?? "";
    const header = author.startsWith(SOURCES_PREFIX) ? SOURCES_PREFIX : QUESTION_PREFIX;
    let question: string;
    if (mode === "q") question = parsed.tail;
    else if (mode === "h") {
      // The question did not fit in the id: read it back from the answer's author line, check the hash.
      const shown = author.startsWith(header) ? author.slice(header.length) : "";
      if (!shown || shortHash(shown) !== parsed.tail) throw new UserError(EXPIRED);
      question = shown;
    } else throw new UserError(EXPIRED);
    const priv = privText === "1";
    await showPage(ctx, ownerId, (who) =>
      askPage(ctx, question, page, { owner: who, private: priv || who !== ownerId, header }),
    );
  },
};

export const whoButton: ComponentHandler = {
  prefix: "who1",
  async handle(ctx, payload) {
    const parsed = readId(payload, 2);
    if (!parsed?.tail) throw new UserError(EXPIRED);
    const page = pageNumber(parsed.fields[0], 0);
    const ownerId = owner(parsed.fields[1]);
    await showPage(ctx, ownerId, (who) => whoPage(ctx, parsed.tail, page, who));
  },
};

export const articlesButton: ComponentHandler = {
  prefix: "arts1",
  async handle(ctx, payload) {
    const parsed = readId(payload, 2);
    if (!parsed) throw new UserError(EXPIRED);
    const page = pageNumber(parsed.fields[0], 1);
    const ownerId = owner(parsed.fields[1]);
    await showPage(ctx, ownerId, (who) => articlesPage(ctx, parsed.tail, page, who));
  },
};

export const contextButton: ComponentHandler = {
  prefix: "ctx1",
  async handle(ctx, payload) {
    const parsed = readId(payload, 1);
    if (!parsed?.tail) throw new UserError(EXPIRED);
    const sentence = pageNumber(parsed.fields[0], 1);
    const passages = ctx.desk.context(parsed.tail, sentence, 2, { guild: ctx.interaction.guildId });
    if (passages.length === 0) throw new UserError(EXPIRED);
    await ctx.responder.reply(renderContext(passages, sentence), { ephemeral: true });
  },
};

/** Share: post the private answer the button sits on to the channel, as it is, with who shared it. */
export const shareButton: ComponentHandler = {
  prefix: SHARE_ID,
  async handle(ctx) {
    const message = ctx.interaction.message;
    if (!message?.embeds || message.embeds.length === 0) throw new UserError(EXPIRED);
    const contextRows = (message.components ?? [])
      .map((row) => ({
        ...row,
        components: ("components" in row ? row.components : []).filter(
          (c) => "custom_id" in c && typeof c.custom_id === "string" && c.custom_id.startsWith("ctx1:"),
        ),
      }))
      .filter((row) => row.components.length > 0);
    const body: MessageBody = {
      ...renderNotice(`Shared by <@${ctx.interaction.user.id}>`),
      embeds: message.embeds,
    };
    if (contextRows.length > 0) body.components = contextRows as NonNullable<MessageBody["components"]>;
    await ctx.responder.reply(body);
  },
};

export const buttons: readonly ComponentHandler[] = [
  askButton,
  whoButton,
  articlesButton,
  contextButton,
  shareButton,
];

/** For tests: the owner segment a paging id carries for a user. */
export const ownerSegment = compactId;
