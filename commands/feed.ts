/**
 * `/feed add url:<rss-or-atom> [channel]`, `/feed list`, `/feed remove url:<autocomplete>`: moderators follow
 * news feeds; new items become this server's articles, optionally announced in a channel.
 */
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ChannelType,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from "discord.js";
import { escapeMarkdown, truncate } from "../src/discord/limits.ts";
import { COLOR, renderNotice } from "../src/discord/render.ts";
import { INGEST_PERMISSION, moderatorServices, refusalsShown } from "./ingest.ts";
import type { Command, Context, FeedView } from "./types.ts";
import { UserError } from "./types.ts";

export const data = {
  name: "feed",
  type: ApplicationCommandType.ChatInput,
  description: "Follow RSS or Atom feeds: new items become this server's articles",
  default_member_permissions: String(INGEST_PERMISSION),
  contexts: [0],
  options: [
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: "add",
      description: "Follow a feed",
      options: [
        {
          type: ApplicationCommandOptionType.String,
          name: "url",
          description: "The feed's address (RSS or Atom)",
          required: true,
          max_length: 2000,
        },
        {
          type: ApplicationCommandOptionType.Channel,
          name: "channel",
          description: "Post a one-line notice here when a new article arrives",
          required: false,
          channel_types: [ChannelType.GuildText, ChannelType.GuildAnnouncement],
        },
      ],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: "list",
      description: "The feeds this server follows",
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: "remove",
      description: "Stop following a feed",
      options: [
        {
          type: ApplicationCommandOptionType.String,
          name: "url",
          description: "Which feed",
          required: true,
          max_length: 2000,
          autocomplete: true,
        },
      ],
    },
  ],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

function feedsOf(ctx: Context) {
  const { guildId, services } = moderatorServices(ctx, "Following feeds");
  if (!services.feeds) throw new UserError("Feeds are not polled by this bot.");
  return { guildId, feeds: services.feeds };
}

function state(feed: FeedView): string {
  if (feed.errors > 0)
    return `⚠️ failing (${feed.errors}×): ${escapeMarkdown(truncate(feed.lastError ?? "", 200))}`;
  if (feed.lastPolledAt === null) return "not polled yet";
  return `✅ checked <t:${Math.floor(feed.lastPolledAt / 1000)}:R>`;
}

export default {
  data,
  ephemeral: () => true,
  async execute(ctx) {
    const { interaction } = ctx;
    const sub = interaction.subcommand;
    if (sub === "list") {
      const { guildId, feeds } = feedsOf(ctx);
      const list = feeds.list(guildId);
      if (list.length === 0) {
        await ctx.responder.reply(renderNotice("This server follows no feeds yet. Add one with /feed add."), {
          ephemeral: true,
        });
        return;
      }
      const lines = list.map((f, i) => {
        const name = f.title ? `**${escapeMarkdown(truncate(f.title, 100))}** ` : "";
        const where = f.channelId ? ` · notices in <#${f.channelId}>` : "";
        return `${i + 1}. ${name}${escapeMarkdown(truncate(f.url, 300))}\n   ${state(f)}${where}`;
      });
      await ctx.responder.reply(
        {
          embeds: [
            {
              color: COLOR.list,
              title: `Feeds followed here (${list.length})`,
              description: truncate(lines.join("\n"), 4000),
            },
          ],
        },
        { ephemeral: true },
      );
      return;
    }
    const url = typeof interaction.options.url === "string" ? interaction.options.url.trim() : "";
    if (!url) throw new UserError("Give the feed's address.");
    if (sub === "add") {
      const { guildId, feeds } = feedsOf(ctx);
      const channel = typeof interaction.options.channel === "string" ? interaction.options.channel : null;
      // The first poll happens now: a URL that is not a usable feed is refused right away.
      await ctx.responder.defer({ ephemeral: true });
      const { feed, added } = await refusalsShown(
        feeds.add(url, { guildId, addedBy: interaction.user.id, channelId: channel }),
        "Not followed",
      );
      const name = feed.title ? `**${escapeMarkdown(truncate(feed.title, 200))}** ` : "";
      const took =
        added.length === 0
          ? "no new articles yet"
          : `${added.length} article${added.length === 1 ? "" : "s"} added now`;
      const where = channel ? `; notices go to <#${channel}>` : "";
      ctx.logger.info(`feed: ${interaction.user.id} follows ${feed.url} in ${guildId}`);
      await ctx.responder.reply(
        renderNotice(
          `📡 Following ${name}${escapeMarkdown(feed.url)} (${took}${where}). New items are checked regularly.`,
        ),
        { ephemeral: true },
      );
      return;
    }
    if (sub === "remove") {
      const { guildId, feeds } = feedsOf(ctx);
      const removed = await refusalsShown(feeds.remove(url, guildId), "Not removed");
      await ctx.responder.reply(
        renderNotice(
          `Stopped following ${escapeMarkdown(removed.url)}. Articles it brought stay; remove them with /forget.`,
        ),
        { ephemeral: true },
      );
      return;
    }
    throw new UserError("Use /feed add, /feed list or /feed remove.");
  },
  async autocomplete(ctx) {
    const guildId = ctx.interaction.guildId;
    const feeds = ctx.ingest?.feeds;
    if (!guildId || !feeds) return ctx.responder.autocomplete([]);
    const typed = (ctx.interaction.focused?.value ?? "").trim().toLowerCase();
    await ctx.responder.autocomplete(
      feeds
        .list(guildId)
        .filter((f) => f.url.length <= 100)
        .filter(
          (f) =>
            typed === "" ||
            f.url.toLowerCase().includes(typed) ||
            (f.title ?? "").toLowerCase().includes(typed),
        )
        .slice(0, 25)
        .map((f) => ({ name: truncate(f.title ? `${f.title} · ${f.url}` : f.url, 100), value: f.url })),
    );
  },
} satisfies Command;
