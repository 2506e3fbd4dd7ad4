/**
 * The ingestion commands without Discord: permission re-checks in the handlers, option handling, refusals
 * shown to the moderator, and how raw interactions carry modal fields, attachments and subcommands.
 */
import { type APIInteraction, PermissionFlagsBits } from "discord.js";
import { describe, expect, it } from "vitest";
import feed from "../../commands/feed.ts";
import forget from "../../commands/forget.ts";
import ingest from "../../commands/ingest.ts";
import type {
  AddedArticle,
  Context,
  Desk,
  IngestServices,
  Interaction,
  MessageBody,
  Responder,
} from "../../commands/types.ts";
import { UserError } from "../../commands/types.ts";
import { parseConfig } from "../../src/config.ts";
import { silentLogger } from "../../src/core/types.ts";
import { FeedNotifier, shardStateFile } from "../../src/discord/ingest.ts";
import { fromApiInteraction } from "../../src/discord/interaction.ts";
import type { RestClient } from "../../src/discord/responder.ts";
import { type FeedRecord, IngestError } from "../../src/ingest/index.ts";

const GUILD = "123456789012345678";
const MOD = PermissionFlagsBits.ManageGuild | PermissionFlagsBits.SendMessages;
const MEMBER = PermissionFlagsBits.SendMessages | PermissionFlagsBits.ManageMessages;

const ADDED: AddedArticle = {
  id: `guilds/${GUILD}/2025-10-20-lighthouse`,
  title: "Lighthouse *shines* again",
  date: "2025-10-20",
  source: "Coastal Courier",
  url: "https://courier.example/lighthouse",
  sentences: 4,
};

function interaction(over: Partial<Interaction> = {}): Interaction {
  return {
    id: "1",
    token: "t",
    applicationId: "2",
    kind: "command",
    commandName: "ingest",
    commandType: 1,
    options: {},
    focused: null,
    customId: null,
    message: null,
    targetMessage: null,
    user: { id: "42", username: "alice" },
    guildId: GUILD,
    channelId: "7",
    memberPermissions: MOD,
    appPermissions: null,
    locale: null,
    ...over,
  };
}

interface Recorded {
  calls: string[];
  replies: { body: MessageBody; ephemeral: boolean }[];
  modals: unknown[];
  choices: { name: string; value: string }[][];
  deferred: boolean;
}

function context(over: Partial<Interaction>, services: Partial<IngestServices> | null = {}) {
  const rec: Recorded = { calls: [], replies: [], modals: [], choices: [], deferred: false };
  const responder: Responder = {
    state: "pending",
    async reply(body, options) {
      rec.replies.push({ body, ephemeral: options?.ephemeral ?? false });
    },
    async defer() {
      rec.deferred = true;
    },
    async deferUpdate() {},
    async update() {},
    async autocomplete(choices) {
      rec.choices.push([...choices]);
    },
    async showModal(modal) {
      rec.modals.push(modal);
    },
    async followUp() {
      return { id: "9" };
    },
    async original() {
      return { id: "9", channelId: "7" };
    },
  };
  const record =
    (name: string, result: unknown) =>
    async (...args: unknown[]) => {
      rec.calls.push(`${name} ${JSON.stringify(args)}`);
      if (result instanceof Error) throw result;
      return result;
    };
  const full: IngestServices = {
    addUrl: record("addUrl", ADDED) as IngestServices["addUrl"],
    addAttachment: record("addAttachment", ADDED) as IngestServices["addAttachment"],
    addText: record("addText", ADDED) as IngestServices["addText"],
    listOwn: record("listOwn", []) as IngestServices["listOwn"],
    forget: record("forget", { id: ADDED.id, title: ADDED.title }) as IngestServices["forget"],
    feeds: null,
    ...services,
  };
  const desk = {
    summary: () => ({ status: "no-match", message: null, article: null, results: [] }),
  } as unknown as Desk;
  const ctx: Context = {
    interaction: interaction(over),
    responder,
    desk,
    config: parseConfig({}),
    logger: silentLogger,
    discord: { pin: async () => {} },
    ...(services === null ? {} : { ingest: full }),
  };
  return { ctx, rec };
}

async function refusal(run: Promise<void>): Promise<string> {
  try {
    await run;
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error("expected a refusal");
}

describe("/ingest, /forget and /feed handlers", () => {
  it("GIVEN a member without Manage Server WHEN any ingestion command or the modal runs THEN it is refused before anything is fetched or removed", async () => {
    const cases: [Partial<Interaction>, (ctx: Context) => Promise<void>][] = [
      [{ options: { url: "https://x.example/a" } }, (c) => ingest.execute(c)],
      [
        { kind: "modal", customId: "ingest:text", fields: { title: "T", text: "Some text here." } },
        (c) => ingest.modal(c, "text"),
      ],
      [{ commandName: "forget", options: { article: "a" } }, (c) => forget.execute(c)],
      [
        { commandName: "feed", subcommand: "add", options: { url: "https://x.example/rss" } },
        (c) => feed.execute(c),
      ],
    ];
    for (const [over, run] of cases) {
      const { ctx, rec } = context({ ...over, memberPermissions: MEMBER });
      expect(await refusal(run(ctx))).toMatch(/Manage Server permission/);
      expect(rec.calls).toEqual([]);
      expect(rec.deferred).toBe(false);
    }
  });

  it("GIVEN an administrator WHEN /ingest url runs THEN it defers privately, adds for this server and replies with title, date, source and sentence count", async () => {
    const { ctx, rec } = context({
      options: { url: " https://x.example/a " },
      memberPermissions: PermissionFlagsBits.Administrator,
    });
    await ingest.execute(ctx);
    expect(rec.deferred).toBe(true);
    expect(rec.calls).toEqual([`addUrl ["https://x.example/a","${GUILD}"]`]);
    expect(rec.replies[0]?.ephemeral).toBe(true);
    expect(rec.replies[0]?.body.content).toBe(
      "✅ Added **Lighthouse \\*shines\\* again** (2025-10-20 · Coastal Courier · 4 sentences). Ask about it with /ask; remove it with /forget.",
    );
  });

  it("GIVEN a direct message, both options, or a bot without ingestion THEN each gets a clear refusal", async () => {
    expect(
      await refusal(ingest.execute(context({ guildId: null, options: { url: "https://x" } }).ctx)),
    ).toMatch(/only works in a server/);
    expect(await refusal(ingest.execute(context({ options: { url: "https://x", file: "1" } }).ctx))).toMatch(
      /either a link or a file/,
    );
    expect(await refusal(ingest.execute(context({ options: { url: "https://x" } }, null).ctx))).toMatch(
      /not enabled/,
    );
    expect(await refusal(feed.execute(context({ commandName: "feed", subcommand: "list" }).ctx))).toMatch(
      /Feeds are not polled/,
    );
  });

  it("GIVEN no option WHEN /ingest runs THEN a modal asks for a title and up to 4,000 characters of text", async () => {
    const { ctx, rec } = context({});
    await ingest.execute(ctx);
    const modal = rec.modals[0] as {
      custom_id: string;
      components: { components: { custom_id: string; max_length: number }[] }[];
    };
    expect(modal.custom_id).toBe("ingest:text");
    expect(modal.components.map((r) => [r.components[0]!.custom_id, r.components[0]!.max_length])).toEqual([
      ["title", 200],
      ["text", 4000],
    ]);
  });

  it("GIVEN the pipeline refuses (SSRF, rate limit) or fails otherwise THEN refusals reach the moderator escaped, other errors go to the central catch", async () => {
    const ssrf = new IngestError(
      "refused",
      "refused: 127.0.0.1 is a loopback address; allow it with INGEST_ALLOWLIST",
    );
    const { ctx } = context(
      { options: { url: "http://127.0.0.1:9/x" } },
      { addUrl: async () => Promise.reject(ssrf) },
    );
    expect(await refusal(ingest.execute(ctx))).toBe(
      "Not added: refused: 127.0.0.1 is a loopback address; allow it with INGEST\\_ALLOWLIST",
    );
    const boom = context(
      { options: { url: "https://x.example/a" } },
      { addUrl: async () => Promise.reject(new Error("disk full")) },
    );
    await expect(ingest.execute(boom.ctx)).rejects.toThrow(/disk full/);
    await expect(ingest.execute(boom.ctx)).rejects.not.toBeInstanceOf(UserError);
  });

  it("GIVEN an attachment option WHEN /ingest file runs THEN the resolved attachment is handed over; a missing one is refused", async () => {
    const attachment = {
      id: "5",
      filename: "a.md",
      url: "https://cdn.example/a.md",
      size: 10,
      contentType: "text/markdown",
    };
    const { ctx, rec } = context({ options: { file: "5" }, attachments: { "5": attachment } });
    await ingest.execute(ctx);
    expect(rec.calls[0]).toBe(`addAttachment [${JSON.stringify(attachment)},"${GUILD}"]`);
    expect(await refusal(ingest.execute(context({ options: { file: "6" } }).ctx))).toMatch(/attach it again/);
  });

  it("GIVEN this server's articles WHEN /forget autocompletes THEN only they are offered, by file name, filtered by what is typed", async () => {
    const own = [
      { id: `guilds/${GUILD}/2025-10-20-lighthouse`, title: "Lighthouse shines again", date: "2025-10-20" },
      { id: `guilds/${GUILD}/2025-10-21-kiln-fire`, title: "Kiln fire", date: null },
    ];
    const { ctx, rec } = context(
      { kind: "autocomplete", commandName: "forget", focused: { name: "article", value: "KILN" } },
      { listOwn: async (guildId) => (guildId === GUILD ? own : []) },
    );
    await forget.autocomplete(ctx);
    expect(rec.choices[0]).toEqual([{ name: "Kiln fire", value: "2025-10-21-kiln-fire" }]);
  });
});

describe("raw interactions", () => {
  const base = {
    id: "1",
    application_id: "2",
    token: "t",
    version: 1,
    guild_id: GUILD,
    channel_id: "7",
    member: { user: { id: "42", username: "alice" }, permissions: String(MOD) },
  };

  it("GIVEN a modal submission THEN its text inputs are read by custom id", () => {
    const i = fromApiInteraction({
      ...base,
      type: 5,
      data: {
        custom_id: "ingest:text",
        components: [
          { type: 1, components: [{ type: 4, custom_id: "title", value: "A title" }] },
          { type: 1, components: [{ type: 4, custom_id: "text", value: "Line one.\n\nLine two." }] },
        ],
      },
    } as unknown as APIInteraction);
    expect(i.kind).toBe("modal");
    expect(i.customId).toBe("ingest:text");
    expect(i.fields).toEqual({ title: "A title", text: "Line one.\n\nLine two." });
  });

  it("GIVEN an attachment option and a subcommand THEN the attachment is resolved and the subcommand named", () => {
    const withFile = fromApiInteraction({
      ...base,
      type: 2,
      data: {
        name: "ingest",
        type: 1,
        options: [{ name: "file", type: 11, value: "99" }],
        resolved: {
          attachments: {
            "99": {
              id: "99",
              filename: "a.txt",
              url: "https://cdn.example/a.txt",
              size: 12,
              content_type: "text/plain",
            },
          },
        },
      },
    } as unknown as APIInteraction);
    expect(withFile.options.file).toBe("99");
    expect(withFile.attachments?.["99"]).toEqual({
      id: "99",
      filename: "a.txt",
      url: "https://cdn.example/a.txt",
      size: 12,
      contentType: "text/plain",
    });
    const sub = fromApiInteraction({
      ...base,
      type: 4,
      data: {
        name: "feed",
        type: 1,
        options: [
          { name: "remove", type: 1, options: [{ name: "url", type: 3, value: "ht", focused: true }] },
        ],
      },
    } as unknown as APIInteraction);
    expect(sub.subcommand).toBe("remove");
    expect(sub.focused).toEqual({ name: "url", value: "ht" });
  });
});

describe("feed wiring", () => {
  const feedRecord = (over: Partial<FeedRecord> = {}): FeedRecord => ({
    url: "https://news.example/rss",
    guildId: GUILD,
    addedBy: "42",
    channelId: "7",
    addedAt: 0,
    title: "News *Wire*",
    etag: null,
    lastModified: null,
    seen: [],
    retries: {},
    primed: true,
    errors: 1,
    lastError: null,
    garbageReported: true,
    lastPolledAt: 0,
    nextPollAt: 0,
    ...over,
  });

  function fakeRest(failDm: boolean) {
    const posts: { route: string; body: Record<string, unknown> }[] = [];
    const rest = {
      async post(route: string, options?: { body?: unknown }) {
        posts.push({ route, body: (options?.body ?? {}) as Record<string, unknown> });
        if (route === "/users/@me/channels") {
          if (failDm) throw Object.assign(new Error("Cannot send messages to this user"), { status: 403 });
          return { id: "555" };
        }
        return { id: "1" };
      },
      get: async () => ({}),
      patch: async () => ({}),
      put: async () => ({}),
      delete: async () => ({}),
    };
    return { rest: rest as unknown as RestClient, posts };
  }

  it("GIVEN a feed turned to garbage THEN its moderator gets a direct message; when DMs are closed, a mention in the notice channel that pings only them", async () => {
    const error = new IngestError(
      "feed",
      "feed: https://news.example/rss: not an RSS or Atom feed (Unexpected close tag)",
    );
    const open = fakeRest(false);
    await new FeedNotifier({ rest: open.rest }).garbage(feedRecord(), error);
    expect(open.posts.map((p) => p.route)).toEqual(["/users/@me/channels", "/channels/555/messages"]);
    expect(open.posts[0]!.body).toEqual({ recipient_id: "42" });
    expect(String(open.posts[1]!.body.content)).toMatch(/no longer reads as a feed.*Unexpected close tag/);

    const closed = fakeRest(true);
    await new FeedNotifier({ rest: closed.rest }).garbage(feedRecord(), error);
    const inChannel = closed.posts[1]!;
    expect(inChannel.route).toBe("/channels/7/messages");
    expect(String(inChannel.body.content).startsWith("<@42> ")).toBe(true);
    expect(inChannel.body.allowed_mentions).toEqual({ parse: [], users: ["42"] });
  });

  it("GIVEN a new article from a feed THEN one escaped line with its link goes to the notice channel, and none without a channel", async () => {
    const { rest, posts } = fakeRest(false);
    const notifier = new FeedNotifier({ rest });
    await notifier.newArticle(feedRecord(), ADDED);
    await notifier.newArticle(feedRecord({ channelId: null }), ADDED);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.body.content).toBe(
      "📰 New from News \\*Wire\\*: **Lighthouse \\*shines\\* again** <https://courier.example/lighthouse>",
    );
    expect(posts[0]!.body.allowed_mentions).toEqual({ parse: [], users: [] });
  });

  it("GIVEN shard processes THEN each keeps its feeds in its own state file", () => {
    expect(shardStateFile("./data/feeds.json", "0")).toBe("./data/feeds.shard-0.json");
    expect(shardStateFile("./data/feeds.json", "3")).toBe("./data/feeds.shard-3.json");
    expect(shardStateFile("state", "1,2")).toBe("state.shard-1-2");
  });
});
