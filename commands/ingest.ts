/**
 * `/ingest url:<link>` | `file:<attachment>` | (nothing: a modal to paste text with a title): moderators
 * add an article to this server's knowledge. The reply says what was added and gives a first summary.
 */
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ComponentType,
  PermissionFlagsBits,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
  TextInputStyle,
} from "discord.js";
import { escapeMarkdown, truncate } from "../src/discord/limits.ts";
import { renderSummary } from "../src/discord/render.ts";
import { isIngestError } from "../src/ingest/index.ts";
import type { AddedArticle, Command, Context, IngestServices, MessageBody } from "./types.ts";
import { UserError } from "./types.ts";

/** Adding and removing a server's articles and feeds needs Manage Server. */
export const INGEST_PERMISSION = PermissionFlagsBits.ManageGuild;

export const MODAL_ID = "ingest:text";
export const TEXT_MAX = 4000;

export const data = {
  name: "ingest",
  type: ApplicationCommandType.ChatInput,
  description: "Add a news article for this server: a link, a file, or (no option) pasted text",
  default_member_permissions: String(INGEST_PERMISSION),
  contexts: [0],
  options: [
    {
      type: ApplicationCommandOptionType.String,
      name: "url",
      description: "Link to the article page (http or https)",
      required: false,
      max_length: 2000,
    },
    {
      type: ApplicationCommandOptionType.Attachment,
      name: "file",
      description: "A .md, .txt or .html file with the article",
      required: false,
    },
  ],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

function can(permissions: bigint | null, bit: bigint): boolean {
  if (permissions === null) return false;
  return (permissions & PermissionFlagsBits.Administrator) !== 0n || (permissions & bit) !== 0n;
}

/**
 * The checks every ingestion command makes: in a server, by a member with Manage Server (Discord hides the
 * command from others by default, but server settings can change that), on a bot that writes knowledge.
 */
export function moderatorServices(ctx: Context, what: string): { guildId: string; services: IngestServices } {
  const { interaction } = ctx;
  if (!interaction.guildId) throw new UserError(`${what} only works in a server.`);
  if (!can(interaction.memberPermissions, INGEST_PERMISSION)) {
    throw new UserError(`You need the Manage Server permission for ${what.toLowerCase()}.`);
  }
  if (!ctx.ingest) throw new UserError("Adding articles is not enabled on this bot.");
  return { guildId: interaction.guildId, services: ctx.ingest };
}

/** Turns an ingestion refusal (SSRF, rate limit, duplicate, bad file…) into a message for the moderator. */
export async function refusalsShown<T>(work: Promise<T>, outcome = "Not added"): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (isIngestError(err)) throw new UserError(`${outcome}: ${escapeMarkdown(truncate(err.message, 1800))}`);
    throw err;
  }
}

export function renderAdded(added: AddedArticle, ctx: Context, guildId: string): MessageBody {
  const about = [added.date, added.source].filter(Boolean).map((s) => escapeMarkdown(String(s)));
  const count = `${added.sentences} sentence${added.sentences === 1 ? "" : "s"}`;
  const content = truncate(
    `✅ Added **${escapeMarkdown(truncate(added.title, 300))}** (${[...about, count].join(" · ")}). Ask about it with /ask; remove it with /forget.`,
    1900,
  );
  const summary = ctx.desk.summary(added.id, { guild: guildId });
  const digest = summary.status === "ok" && summary.results.length > 0 ? renderSummary(summary) : {};
  return { content, ...(digest.embeds ? { embeds: digest.embeds } : {}) };
}

export default {
  data,
  ephemeral: () => true,
  async execute(ctx) {
    const { guildId, services } = moderatorServices(ctx, "Adding articles");
    const { interaction } = ctx;
    const url = typeof interaction.options.url === "string" ? interaction.options.url.trim() : "";
    const fileId = typeof interaction.options.file === "string" ? interaction.options.file : "";
    if (url && fileId) throw new UserError("Give either a link or a file, not both.");
    if (!url && !fileId) {
      await ctx.responder.showModal({
        custom_id: MODAL_ID,
        title: "Add an article",
        components: [
          {
            type: ComponentType.ActionRow,
            components: [
              {
                type: ComponentType.TextInput,
                custom_id: "title",
                label: "Title",
                style: TextInputStyle.Short,
                required: true,
                max_length: 200,
              },
            ],
          },
          {
            type: ComponentType.ActionRow,
            components: [
              {
                type: ComponentType.TextInput,
                custom_id: "text",
                label: "Article text (paragraphs separated by a blank line)",
                style: TextInputStyle.Paragraph,
                required: true,
                min_length: 20,
                max_length: TEXT_MAX,
              },
            ],
          },
        ],
      });
      return;
    }
    // Fetching can take up to 10 s.
    await ctx.responder.defer({ ephemeral: true });
    let added: AddedArticle;
    if (url) {
      added = await refusalsShown(services.addUrl(url, guildId));
    } else {
      const attachment = interaction.attachments?.[fileId];
      if (!attachment) throw new UserError("I could not see the attached file; please attach it again.");
      added = await refusalsShown(services.addAttachment(attachment, guildId));
    }
    ctx.logger.info(`ingest: ${interaction.user.id} added ${added.id} in ${guildId}`);
    await ctx.responder.reply(renderAdded(added, ctx, guildId), { ephemeral: true });
  },
  async modal(ctx, payload) {
    if (payload !== "text") throw new UserError("This form has expired. Please run /ingest again.");
    const { guildId, services } = moderatorServices(ctx, "Adding articles");
    const title = ctx.interaction.fields?.title?.trim() ?? "";
    const text = ctx.interaction.fields?.text ?? "";
    if (!title || !text.trim()) throw new UserError("Give the article a title and its text.");
    await ctx.responder.defer({ ephemeral: true });
    const added = await refusalsShown(services.addText(truncate(title, 200), text, guildId));
    ctx.logger.info(`ingest: ${ctx.interaction.user.id} added ${added.id} in ${guildId} (pasted)`);
    await ctx.responder.reply(renderAdded(added, ctx, guildId), { ephemeral: true });
  },
} satisfies Command;
