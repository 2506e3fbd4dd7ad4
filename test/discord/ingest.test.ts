/**
 * End to end: moderators add articles and follow feeds through the real bot (`start` from src/main.ts, as
 * `npm start` runs it) logged into a local Discord (discord-digital-twin) with two servers, A and B. Pages
 * and feeds come from a local HTTP server on 127.0.0.1 whose port is the only allow-listed entry; a second
 * local server, not allow-listed, must never see a connection. Assertions are on what the channels show.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import type http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import {
  type APIMessage,
  ApplicationCommandOptionType,
  ChannelType,
  InteractionType,
  PermissionFlagsBits,
  REST,
} from "discord.js";
import { DigitalDiscord } from "discord-digital-twin";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Config, parseConfig } from "../../src/config.ts";
import { deployCommands } from "../../src/discord/deploy.ts";
import { createLogger } from "../../src/log.ts";
import { type Started, start } from "../../src/main.ts";
import { type LocalServer, startServer } from "../ingest/local-server.ts";
import { visibleText } from "./limits-check.ts";
import { ackOf, messages, permissionsWithout, setPermissions, waitFor } from "./twin.ts";

const FEED_INTERVAL_S = 1.5;

let discord: DigitalDiscord;
let site: LocalServer;
let outside: LocalServer;
let started: Started | null = null;
let config: Config;
let work: string;
let guildA: string;
let guildB: string;
let generalA: string;
let newsA: string;
let generalB: string;
let alice: string;
let bob: string;

// --- the local news site -------------------------------------------------------------------------

const page = (title: string, date: string, paragraphs: string[]) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title} | Coastal Courier</title>
<meta property="og:title" content="${title}"><meta property="og:site_name" content="Coastal Courier">
<meta property="article:published_time" content="${date}"></head>
<body><nav><a href="/">Home</a></nav><main><article><h1>${title}</h1>
${paragraphs.map((p) => `<p>${p}</p>`).join("\n")}
</article></main><footer>© Coastal Courier</footer></body></html>`;

const LIGHTHOUSE = page("Quillfeather lighthouse shines again", "2025-10-20T09:00:00Z", [
  "The Quillfeather lighthouse was relit on Monday evening after a restoration that took three winters, the harbour trust said.",
  "Harbour master Margaret Holloway said the new lamp can be seen from forty kilometres out at sea.",
  "Volunteers repainted the tower in its original red and white bands and rebuilt the keeper's cottage beside it.",
  "Margaret Holloway thanked the fishermen who raised money for the lens over two summers of charity auctions.",
]);

const TOWNS = ["Alderbrook", "Brindlecombe", "Cinderford", "Dunmarrow", "Eastwhistle", "Fernhollow"];
const feedPage = (n: number) =>
  page(`${TOWNS[n - 1]} council story ${n}`, `2025-11-0${n}T08:00:00Z`, [
    `The council of ${TOWNS[n - 1]} approved a plan for a new footbridge over the river on Tuesday, officials said.`,
    `The ${TOWNS[n - 1]} footbridge will cost about ${n + 2} million euros and should open within two years.`,
    `Residents of ${TOWNS[n - 1]} had asked for a safe crossing since the old ferry stopped running.`,
  ]);

let feedItems = 2;
let feedVersion = 1;
let garbageFeed = false;

const rss = (origin: string, count: number) => `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Coastal Wire</title><link>${origin}/</link><description>News</description>
${Array.from({ length: count }, (_, i) => count - i)
  .map(
    (n) =>
      `<item><title>${TOWNS[n - 1]} council story ${n}</title><link>/news/feed-${n}.html</link><guid>feed-${n}</guid><pubDate>Tue, 0${n} Nov 2025 08:00:00 GMT</pubDate></item>`,
  )
  .join("\n")}
</channel></rss>`;

function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
  respond(req, res);
}

function respond(req: http.IncomingMessage, res: http.ServerResponse): unknown {
  const url = req.url ?? "/";
  const send = (status: number, type: string, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": type, ...headers });
    res.end(body);
  };
  if (url === "/news/lighthouse.html") return send(200, "text/html; charset=utf-8", LIGHTHOUSE);
  const feedN = url.match(/^\/news\/feed-(\d)\.html$/);
  if (feedN) return send(200, "text/html; charset=utf-8", feedPage(Number(feedN[1])));
  if (url === "/feed.xml") {
    const etag = `"v${feedVersion}"`;
    if (req.headers["if-none-match"] === etag) {
      res.writeHead(304, { etag });
      return void res.end();
    }
    return send(200, "application/rss+xml", rss(site.origin, feedItems), { etag });
  }
  if (url === "/other-feed.xml") {
    if (garbageFeed) return send(200, "text/xml", "<html><body>Oops, our CMS broke</body></html>");
    return send(200, "application/rss+xml", rss(site.origin, 0));
  }
  if (url === "/not-a-feed.xml") return send(200, "text/xml", "<<<< this is not xml at all");
  // Discord's CDN serves .md uploads as text/markdown.
  if (url === "/files/kiln.md") {
    return send(
      200,
      "text/markdown; charset=utf-8",
      "---\ntitle: Pottery kiln fire at Saltmarsh\ndate: 2025-10-21\nsource: Saltmarsh Gazette\n---\n\nA kiln fire damaged the Saltmarsh pottery studio on Tuesday night, firefighters said.\n\nNobody was hurt, and the studio hopes to reopen before the Christmas market.\n",
    );
  }
  if (url === "/away") {
    res.writeHead(302, { location: `${outside.origin}/secret` });
    return void res.end();
  }
  send(404, "text/plain", "not found");
}

// --- acting in the twin -----------------------------------------------------------------------------

type Opt = { name: string; type: number; value?: string | boolean; options?: Opt[] };
const str = (name: string, value: string): Opt => ({
  name,
  type: ApplicationCommandOptionType.String,
  value,
});

async function commandId(name: string, guildId: string): Promise<string> {
  const c = await discord.prisma.applicationCommand.findFirst({ where: { name, guildId } });
  if (!c) throw new Error(`command ${name} is not registered in ${guildId}`);
  return c.id;
}

/** The message an interaction produced (after a deferral, once the bot has filled it in). */
async function answerOf(interactionId: string, channel: string): Promise<APIMessage> {
  const messageId = await waitFor(
    `answer to ${interactionId}`,
    async () =>
      (await discord.prisma.interactionResponse.findUnique({ where: { interactionId } }))?.messageId ?? null,
    15_000,
  );
  return waitFor(`message ${messageId}`, async () =>
    (await messages(discord, channel)).find((m) => m.id === messageId),
  );
}

async function command(
  user: string,
  channel: string,
  guildId: string,
  name: string,
  options: Opt[] = [],
  extra = {},
) {
  const { id } = await discord.simulateInteraction({
    type: InteractionType.ApplicationCommand,
    channelId: channel,
    userId: user,
    guildId,
    data: {
      id: await commandId(name, guildId),
      name,
      type: 1,
      ...(options.length ? { options } : {}),
      ...extra,
    },
  });
  return id;
}

async function slash(user: string, channel: string, guildId: string, name: string, options: Opt[] = []) {
  const id = await command(user, channel, guildId, name, options);
  return answerOf(id, channel);
}

async function autocomplete(user: string, channel: string, guildId: string, name: string, options: Opt[]) {
  const { id } = await discord.simulateInteraction({
    type: InteractionType.ApplicationCommandAutocomplete,
    channelId: channel,
    userId: user,
    guildId,
    data: { id: await commandId(name, guildId), name, type: 1, options },
  });
  const ack = await ackOf(discord, id, performance.now());
  return ((ack.data?.choices ?? []) as { name: string; value: string }[]).map(
    (c) => `${c.name} => ${c.value}`,
  );
}

const text = (m: APIMessage | null) => (m ? visibleText(m) : "");
const inA = (name: string, options: Opt[] = []) => slash(alice, generalA, guildA, name, options);
const inB = (name: string, options: Opt[] = []) => slash(alice, generalB, guildB, name, options);

async function startNewsdesk(): Promise<void> {
  const sink = new Writable({
    write(_chunk, _e, cb) {
      cb();
    },
  });
  const logger = createLogger({ level: "debug", secrets: [config.discordToken], destination: sink });
  started = await start(config, logger);
}

async function stopNewsdesk(): Promise<void> {
  await started?.stop();
  started = null;
}

/** Waits until the bot has posted a message in `channel` whose text matches. */
function posted(channel: string, pattern: RegExp, timeout = 15_000): Promise<APIMessage> {
  return waitFor(
    `a message matching ${pattern}`,
    async () =>
      (await messages(discord, channel)).find(
        (m) => m.author.id === discord.botUserId && pattern.test(text(m)),
      ),
    timeout,
  );
}

beforeAll(async () => {
  site = await startServer(handle);
  outside = await startServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end("<p>internal secret</p>");
  });
  work = mkdtempSync(join(tmpdir(), "newsdesk-ingest-e2e-"));
  mkdirSync(join(work, "knowledge"));
  copyFileSync("knowledge/syria-russia-2025-10-16.txt", join(work, "knowledge/syria-russia-2025-10-16.txt"));

  discord = new DigitalDiscord({
    guilds: [
      {
        name: "Server A",
        channels: [
          { name: "general", type: ChannelType.GuildText },
          { name: "news", type: ChannelType.GuildText },
        ],
      },
      { name: "Server B", channels: [{ name: "general", type: ChannelType.GuildText }] },
    ],
    users: [{ username: "alice" }, { username: "bob" }],
  });
  await discord.start();
  [guildA, guildB] = discord.guildIds as [string, string];
  const channels = await discord.prisma.channel.findMany();
  const find = (guild: string, name: string) =>
    channels.find((c) => c.guildId === guild && c.name === name)!.id;
  generalA = find(guildA, "general");
  newsA = find(guildA, "news");
  generalB = find(guildB, "general");
  const users = await discord.prisma.user.findMany({ where: { bot: false }, orderBy: { username: "asc" } });
  alice = users[0]!.id;
  bob = users[1]!.id;
  // Alice manages both servers; Bob is an ordinary member (no Manage Server, no Administrator).
  const ordinary = permissionsWithout(PermissionFlagsBits.ManageGuild);
  for (const guildId of [guildA, guildB]) {
    await setPermissions(discord, guildId, bob, ordinary);
    await setPermissions(discord, guildId, alice, ordinary | PermissionFlagsBits.ManageGuild);
  }

  config = parseConfig({
    DISCORD_TOKEN: discord.botToken,
    DISCORD_API_URL: discord.restUrl,
    COOLDOWN_SECONDS: "0",
    LOG_LEVEL: "debug",
    KNOWLEDGE_DIR: join(work, "knowledge"),
    INGEST_ALLOWLIST: site.hostPort,
    INGEST_BURST: "12",
    INGEST_REFILL_SECONDS: "3600",
    FEED_INTERVAL_MINUTES: String(FEED_INTERVAL_S / 60),
    FEED_STATE_FILE: join(work, "data/feeds.json"),
  });
  const rest = new REST({ api: config.discordApiUrl }).setToken(discord.botToken);
  for (const guildId of [guildA, guildB]) {
    await deployCommands({ rest, applicationId: discord.botUserId, guildId });
  }
  await startNewsdesk();
}, 60_000);

afterAll(async () => {
  await stopNewsdesk();
  await discord?.stop();
  await site?.close();
  await outside?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

// --- the tests ------------------------------------------------------------------------------------------

let lighthouseId = "";

describe("/ingest", () => {
  it("GIVEN the deploy code THEN /ingest, /forget and /feed are registered for Manage Server only", async () => {
    for (const name of ["ingest", "forget", "feed"]) {
      const row = await discord.prisma.applicationCommand.findFirst({ where: { name, guildId: guildA } });
      expect(row?.defaultMemberPermissions, name).toBe(String(PermissionFlagsBits.ManageGuild));
    }
  });

  it("GIVEN an ordinary member WHEN Bob runs /ingest url anyway THEN he is refused and nothing is fetched", async () => {
    const before = site.requests.length;
    const msg = await slash(bob, generalA, guildA, "ingest", [
      str("url", `${site.origin}/news/lighthouse.html`),
    ]);
    expect(text(msg)).toMatch(/Manage Server permission/);
    expect(site.requests.length).toBe(before);
  });

  it("GIVEN a news page on the allow-listed server WHEN Alice ingests it in A THEN the reply gives title, date, sentences and a first summary, and /ask in A cites it", async () => {
    const sent = performance.now();
    const id = await command(alice, generalA, guildA, "ingest", [
      str("url", `${site.origin}/news/lighthouse.html`),
    ]);
    // Fetching can take up to 10 s: the bot defers (privately) right away.
    const ack = await ackOf(discord, id, sent);
    expect(ack.type).toBe(5);
    expect(ack.data?.flags).toBe(64);
    expect(ack.ms).toBeLessThan(3000);
    console.log(`ingest: deferred after ${Math.round(ack.ms)} ms`);
    const msg = await answerOf(id, generalA);
    const shown = text(msg);
    expect(shown).toMatch(/✅ Added \*\*Quillfeather lighthouse shines again\*\*/);
    expect(shown).toContain("2025-10-20");
    expect(shown).toMatch(/4 sentences/);
    expect(msg.embeds[0]?.title).toBe("Quillfeather lighthouse shines again");
    expect(msg.embeds[0]?.description).toContain("relit on Monday evening");
    const files = await import("node:fs").then((fs) =>
      fs.readdirSync(join(work, "knowledge/guilds", guildA)),
    );
    expect(files).toHaveLength(1);
    lighthouseId = `guilds/${guildA}/${files[0]!.replace(/\.md$/, "")}`;

    const answer = await inA("ask", [str("question", "Quillfeather lighthouse lamp")]);
    expect(text(answer)).toMatch(/forty kilometres/);
    expect(answer.embeds[0]?.footer?.text).toMatch(/Quillfeather lighthouse shines again/);
  });

  it("GIVEN the same page WHEN ingested again in A THEN it is reported as a duplicate and not added twice", async () => {
    const msg = await inA("ingest", [str("url", `${site.origin}/news/lighthouse.html`)]);
    expect(text(msg)).toMatch(/Not added: already added: "Quillfeather lighthouse shines again".*same url/);
    const fs = await import("node:fs");
    expect(fs.readdirSync(join(work, "knowledge/guilds", guildA))).toHaveLength(1);
  });

  it("GIVEN an attachment on the CDN (the local server) WHEN Alice runs /ingest file THEN it is fetched under the same rules and added", async () => {
    const attachmentId = "1400000000000000001";
    const id = await command(
      alice,
      generalA,
      guildA,
      "ingest",
      [{ name: "file", type: 11, value: attachmentId }],
      {
        resolved: {
          attachments: {
            [attachmentId]: {
              id: attachmentId,
              filename: "kiln.md",
              size: 300,
              url: `${site.origin}/files/kiln.md`,
              proxy_url: `${site.origin}/files/kiln.md`,
              content_type: "text/markdown; charset=utf-8",
            },
          },
        },
      },
    );
    const msg = await answerOf(id, generalA);
    expect(text(msg)).toMatch(
      /Added \*\*Pottery kiln fire at Saltmarsh\*\* \(2025-10-21 · Saltmarsh Gazette · 2 sentences\)/,
    );
    const answer = await inA("ask", [str("question", "Saltmarsh kiln fire")]);
    expect(text(answer)).toMatch(/firefighters said/);
  });

  it("GIVEN no option WHEN Alice runs /ingest THEN a modal opens; submitting title and text adds it, and the same text again is a duplicate", async () => {
    const started = performance.now();
    const id = await command(alice, generalA, guildA, "ingest");
    const ack = await ackOf(discord, id, started);
    expect(ack.type).toBe(9);
    expect(ack.data?.custom_id).toBe("ingest:text");
    const fields = [
      { customId: "title", value: "Glassblowers strike at Pellingham" },
      {
        customId: "text",
        value:
          "Glassblowers at the Pellingham works stopped work on Thursday over pay, their union said.\n\nThe strike is the first at the works in thirty years.",
      },
    ];
    const submit = await discord
      .channel(generalA)
      .user(alice)
      .submitModal({ customId: "ingest:text", fields, guildId: guildA });
    expect(text(await answerOf(submit.id, generalA))).toMatch(
      /Added \*\*Glassblowers strike at Pellingham\*\*.*2 sentences/,
    );
    const again = await discord
      .channel(generalA)
      .user(alice)
      .submitModal({
        customId: "ingest:text",
        fields: [{ customId: "title", value: "Another title" }, fields[1]!],
        guildId: guildA,
      });
    expect(text(await answerOf(again.id, generalA))).toMatch(
      /Not added: already added: "Glassblowers strike at Pellingham".*same text/,
    );
  });
});

describe("SSRF, end to end", () => {
  it("GIVEN a local port that is not allow-listed WHEN /ingest url points there THEN it is refused with the reason, and that server sees no connection", async () => {
    const msg = await inA("ingest", [str("url", `${outside.origin}/secret`)]);
    expect(text(msg)).toMatch(/Not added: refused: .*127\.0\.0\.1.*(loopback|INGEST_ALLOWLIST)/i);
    expect(outside.connections()).toBe(0);
  });

  it("GIVEN the one allow-listed port WHEN a page there redirects to another local port THEN it is refused, and that port sees no connection", async () => {
    const msg = await inA("ingest", [str("url", `${site.origin}/away`)]);
    expect(text(msg)).toMatch(/Not added: refused: redirected to .*127\.0\.0\.1/i);
    expect(outside.connections()).toBe(0);
  });
});

describe("per-server knowledge", () => {
  it("GIVEN the lighthouse article added in A WHEN A uses every command THEN A sees it", async () => {
    expect(text(await inA("who", [str("name", "Margaret Holloway")]))).toMatch(/forty kilometres|fishermen/);
    expect(text(await inA("summary", [str("article", lighthouseId)]))).toMatch(/relit on Monday evening/);
    expect(text(await inA("articles", [str("filter", "Quillfeather")]))).toMatch(/Quillfeather lighthouse/);
    expect(
      await autocomplete(alice, generalA, guildA, "summary", [
        { ...str("article", "Quill"), focused: true } as Opt,
      ]),
    ).toEqual(expect.arrayContaining([expect.stringContaining("Quillfeather lighthouse")]));
    expect(
      (
        await autocomplete(alice, generalA, guildA, "who", [
          { ...str("name", "Margaret"), focused: true } as Opt,
        ])
      ).join(),
    ).toMatch(/Margaret Holloway/);
  });

  it("GIVEN the lighthouse article added in A WHEN B uses every command (ask, who, summary, articles, autocomplete, buttons) THEN it never appears", async () => {
    // The article's own sentences and names (questions are echoed, so their words are not evidence).
    const leak = /forty kilometres|keeper's cottage|relit on Monday|charity auctions/;
    const named = /Quillfeather|Holloway/;
    expect(text(await inB("ask", [str("question", "Quillfeather lighthouse lamp")]))).not.toMatch(leak);
    expect(text(await inB("who", [str("name", "Margaret Holloway")]))).not.toMatch(leak);
    expect(text(await inB("summary", [str("article", lighthouseId)]))).not.toMatch(leak);
    expect(text(await inB("summary", []))).not.toMatch(leak);
    expect(text(await inB("articles", [str("filter", "Quillfeather")]))).not.toMatch(leak);
    expect(text(await inB("articles", []))).not.toMatch(leak);
    for (const [name, option, typed] of [
      ["summary", "article", "Quill"],
      ["summary", "article", ""],
      ["who", "name", "Margaret"],
      ["forget", "article", ""],
    ] as const) {
      const choices = await autocomplete(alice, generalB, guildB, name, [
        { ...str(option, typed), focused: true } as Opt,
      ]);
      expect(choices.join("\n"), `${name} autocomplete`).not.toMatch(named);
    }
    // Buttons: A's answer carries "Context" buttons. In A they show the surrounding sentences; clicked from
    // B (same custom id) they must not reveal A's article.
    const answerA = await inA("ask", [str("question", "Margaret Holloway lighthouse")]);
    const buttons = (answerA.components ?? [])
      .flatMap((r) => (r as { components?: { custom_id?: string; label?: string }[] }).components ?? [])
      .filter((b): b is { custom_id: string; label?: string } => typeof b.custom_id === "string");
    expect(buttons.map((b) => b.label)).toContain("Context [1]");
    const click = async (channelId: string, guildId: string, customId: string) => {
      const { id } = await discord.simulateButtonClick({
        channelId,
        userId: alice,
        messageId: answerA.id,
        customId,
        guildId,
      });
      // The twin pre-fills the clicked message's id; the bot's reply (type 4) replaces it.
      const ack = await ackOf(discord, id, performance.now());
      expect(ack.type).toBe(4);
      return answerOf(id, channelId);
    };
    const contextInA = await click(generalA, guildA, buttons[0]!.custom_id);
    expect(text(contextInA)).toMatch(leak);
    for (const b of buttons) {
      const shown = await click(generalB, guildB, b.custom_id);
      expect(shown.channel_id).toBe(generalB);
      expect(text(shown), b.label).not.toMatch(leak);
      expect(text(shown), b.label).not.toMatch(named);
    }
  });

  it("GIVEN A's article WHEN B runs /forget with its id THEN it is refused; A's /forget autocomplete lists only A's own articles", async () => {
    const refused = await inB("forget", [str("article", lighthouseId)]);
    expect(text(refused)).toMatch(/found no article .* added in this server/);
    expect(readFileSync(join(work, "knowledge", `${lighthouseId}.md`), "utf8")).toContain("Quillfeather");
    const choices = await autocomplete(alice, generalA, guildA, "forget", [
      { ...str("article", ""), focused: true } as Opt,
    ]);
    expect(choices.some((c) => c.includes("Quillfeather"))).toBe(true);
    expect(choices.some((c) => c.includes("Pottery kiln"))).toBe(true);
    expect(choices.join()).not.toMatch(/Syria|Assad/);
    const shared = await inA("forget", [str("article", "syria-russia-2025-10-16")]);
    expect(text(shared)).toMatch(/found no article/);
  });

  it("GIVEN the kiln article WHEN Alice forgets it in A THEN it is gone from answers at once", async () => {
    const choices = await autocomplete(alice, generalA, guildA, "forget", [
      { ...str("article", "kiln"), focused: true } as Opt,
    ]);
    expect(choices).toHaveLength(1);
    const value = choices[0]!.split(" => ")[1]!;
    expect(text(await inA("forget", [str("article", value)]))).toMatch(
      /Removed \*\*Pottery kiln fire at Saltmarsh\*\*/,
    );
    expect(text(await inA("ask", [str("question", "Saltmarsh kiln fire")]))).not.toMatch(/firefighters said/);
  });
});

describe("/feed", () => {
  it("GIVEN a URL that is not a feed WHEN Alice adds it THEN she is told at once and it is not followed", async () => {
    const msg = await inA("feed", [
      { name: "add", type: 1, options: [str("url", `${site.origin}/not-a-feed.xml`)] },
    ]);
    expect(text(msg)).toMatch(/Not followed: feed: .*not an RSS or Atom feed/);
    expect(text(await inA("feed", [{ name: "list", type: 1 }]))).toMatch(/follows no feeds/);
  });

  it("GIVEN an RSS feed WHEN added with a notice channel THEN its items become A's articles with notices, and a new item arrives on the next poll (with ETag)", async () => {
    const msg = await inA("feed", [
      {
        name: "add",
        type: 1,
        options: [str("url", `${site.origin}/feed.xml`), { name: "channel", type: 7, value: newsA }],
      },
    ]);
    expect(text(msg)).toMatch(/Following \*\*Coastal Wire\*\*.*2 articles added now/);
    await posted(newsA, /📰 New from Coastal Wire: \*\*Alderbrook council story 1\*\*/);
    await posted(newsA, /Brindlecombe council story 2/);
    expect(text(await inA("ask", [str("question", "Brindlecombe footbridge")]))).toMatch(/Brindlecombe/);
    expect(text(await inB("ask", [str("question", "Brindlecombe footbridge")]))).not.toMatch(
      /safe crossing|will cost/,
    );

    feedItems = 3;
    feedVersion = 2;
    await posted(newsA, /Cinderford council story 3/);
    await waitFor("Cinderford in answers", async () =>
      /Cinderford/.test(text(await inA("ask", [str("question", "Cinderford footbridge")]))) ? true : null,
    );
    // Unchanged feed: the next poll sends the ETag and gets 304.
    await waitFor("a conditional request", async () =>
      site.requests.some((r) => r.path === "/feed.xml" && r.headers["if-none-match"] === '"v2"')
        ? true
        : null,
    );
  });

  it("GIVEN a second feed that starts answering garbage THEN the moderator who added it is told, and the first feed goes on", async () => {
    const msg = await inA("feed", [
      {
        name: "add",
        type: 1,
        options: [str("url", `${site.origin}/other-feed.xml`), { name: "channel", type: 7, value: newsA }],
      },
    ]);
    expect(text(msg)).toMatch(/Following .*other-feed\.xml.*no new articles yet/);
    garbageFeed = true;
    const report = await posted(newsA, /no longer reads as a feed/);
    expect(report.content).toContain(`<@${alice}>`);
    expect(text(report)).toMatch(/other-feed\.xml/);
    feedItems = 4;
    feedVersion = 3;
    await posted(newsA, /Dunmarrow council story 4/);
    const list = text(await inA("feed", [{ name: "list", type: 1 }]));
    expect(list).toMatch(/Feeds followed here \(2\)/);
    expect(list).toMatch(/failing/);
  });

  it("GIVEN followed feeds WHEN the bot restarts THEN the feeds and the articles are still there, and polling resumes", async () => {
    await stopNewsdesk();
    const state = JSON.parse(readFileSync(join(work, "data/feeds.json"), "utf8")) as {
      feeds: { url: string; seen: string[] }[];
    };
    expect(state.feeds.map((f) => f.url).sort()).toEqual([
      `${site.origin}/feed.xml`,
      `${site.origin}/other-feed.xml`,
    ]);
    await startNewsdesk();
    const list = text(await inA("feed", [{ name: "list", type: 1 }]));
    expect(list).toMatch(/Coastal Wire/);
    expect(list).toMatch(/other-feed\.xml/);
    expect(text(await inA("ask", [str("question", "Quillfeather lighthouse lamp")]))).toMatch(
      /forty kilometres/,
    );
    feedItems = 5;
    feedVersion = 4;
    await posted(newsA, /Eastwhistle council story 5/);
    // Items seen before the restart are not ingested or announced again.
    const notices = (await messages(discord, newsA)).filter((m) =>
      /Alderbrook council story 1/.test(m.content),
    );
    expect(notices).toHaveLength(1);
  });

  it("GIVEN a followed feed WHEN removed THEN it is no longer listed or polled", async () => {
    const choices = await autocomplete(alice, generalA, guildA, "feed", [
      { name: "remove", type: 1, options: [{ ...str("url", "other"), focused: true } as Opt] },
    ]);
    expect(choices).toEqual([
      `Coastal Wire · ${site.origin}/other-feed.xml => ${site.origin}/other-feed.xml`,
    ]);
    const msg = await inA("feed", [
      { name: "remove", type: 1, options: [str("url", `${site.origin}/other-feed.xml`)] },
    ]);
    expect(text(msg)).toMatch(/Stopped following/);
    const list = text(await inA("feed", [{ name: "list", type: 1 }]));
    expect(list).toMatch(/Feeds followed here \(1\)/);
    expect(list).not.toMatch(/other-feed/);
  });
});

describe("rate limit", () => {
  it("GIVEN a burst of 12 WHEN A keeps adding THEN it is told to slow down, while B can still add", async () => {
    let refusal = "";
    for (let i = 0; i < 13 && !refusal; i++) {
      const { id } = await discord
        .channel(generalA)
        .user(alice)
        .submitModal({
          customId: "ingest:text",
          guildId: guildA,
          fields: [
            { customId: "title", value: `Bulletin ${i}` },
            {
              customId: "text",
              value: `Bulletin number ${i} of the harbour trust was read aloud at the quay on day ${i}.`,
            },
          ],
        });
      const shown = text(await answerOf(id, generalA));
      if (/slow down/.test(shown)) refusal = shown;
    }
    expect(refusal).toMatch(/slow down: this server can add up to 12 articles in a row.*try again in/);
    const b = await inB("ingest", [str("url", `${site.origin}/news/lighthouse.html`)]);
    expect(text(b)).toMatch(/✅ Added \*\*Quillfeather lighthouse shines again\*\*/);
  });
});
