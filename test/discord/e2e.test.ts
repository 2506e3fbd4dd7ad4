/**
 * End to end: the real bot (startBot, the same path as `npm start`) logged into a local Discord
 * (discord-digital-twin on 127.0.0.1) with an unmodified discord.js Client, commands registered with the
 * deploy code, and users acting in a channel. Assertions are on what the channel shows.
 */
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
import type { Desk } from "../../commands/types.ts";
import { parseConfig } from "../../src/config.ts";
import { Newsdesk } from "../../src/core/desk.ts";
import { type BotHandle, startBot } from "../../src/discord/bot.ts";
import { deployCommands } from "../../src/discord/deploy.ts";
import { loadKnowledge } from "../../src/knowledge.ts";
import { createLogger } from "../../src/log.ts";
import { visibleText } from "./limits-check.ts";
import {
  type Ack,
  ackOf,
  message,
  messages,
  nextBotMessage,
  type PinFront,
  permissionsWithout,
  setPermissions,
  startPinFront,
} from "./twin.ts";

const FAIL_QUESTION = "trigger a failure please";

let discord: DigitalDiscord;
let front: PinFront;
let bot: BotHandle;
let logs = "";
let general: string;
let fullPins: string;
let alice: string;
let bob: string;
/** The core's who/summary/suggestions (issue 3) are needed for the /who and /summary tests. */
const HAS_PEOPLE = ["who", "summary", "suggestEntities", "suggestArticles"].every(
  (m) => typeof (Newsdesk.prototype as unknown as Record<string, unknown>)[m] === "function",
);
const ackTimes: number[] = [];

/** The real core, plus a switch that makes `ask` throw for one question (to exercise the central catch). */
function withFailure(desk: Newsdesk): Desk {
  const d: Desk = desk;
  return new Proxy(d, {
    get(target, prop, receiver) {
      if (prop === "ask") {
        return (q: string, o?: Parameters<Desk["ask"]>[1]) => {
          if (q === FAIL_QUESTION) throw new Error("core exploded on purpose");
          return target.ask(q, o);
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

async function commandId(name: string): Promise<string> {
  const c = await discord.prisma.applicationCommand.findFirst({ where: { name } });
  if (!c) throw new Error(`command ${name} is not registered`);
  return c.id;
}

type Opt = { name: string; type: number; value: string | boolean };
const str = (name: string, value: string): Opt => ({
  name,
  type: ApplicationCommandOptionType.String,
  value,
});
const bool = (name: string, value: boolean): Opt => ({
  name,
  type: ApplicationCommandOptionType.Boolean,
  value,
});

async function slash(user: string, name: string, options: Opt[] = [], channel = general) {
  const started = performance.now();
  const { id } = await discord.channel(channel).user(user).runSlashCommand({ name, options });
  const ack = await ackOf(discord, id, started);
  ackTimes.push(ack.ms);
  const msg = ack.messageId ? await message(discord, channel, ack.messageId) : null;
  return { ack, msg };
}

async function click(user: string, msg: APIMessage, label: RegExp, channel = general) {
  const button = buttonsOf(msg).find((c) => typeof c.label === "string" && label.test(c.label));
  if (!button?.custom_id) throw new Error(`no button ${label} on message ${msg.id}`);
  const started = performance.now();
  const { id } = await discord
    .channel(channel)
    .user(user)
    .clickButton({ messageId: msg.id, customId: button.custom_id });
  const ack = await ackOf(discord, id, started);
  ackTimes.push(ack.ms);
  const shown = ack.messageId ? await message(discord, channel, ack.messageId) : null;
  return { ack, msg: shown, customId: button.custom_id };
}

async function clickId(user: string, msg: APIMessage, customId: string) {
  const { id } = await discord.channel(general).user(user).clickButton({ messageId: msg.id, customId });
  const ack = await ackOf(discord, id, performance.now());
  return ack.messageId ? message(discord, general, ack.messageId) : null;
}

async function autocomplete(user: string, command: string, option: string, value: string) {
  const started = performance.now();
  const { id } = await discord.simulateInteraction({
    type: InteractionType.ApplicationCommandAutocomplete,
    channelId: general,
    userId: user,
    data: {
      id: await commandId(command),
      name: command,
      type: 1,
      options: [{ name: option, type: ApplicationCommandOptionType.String, value, focused: true }],
    },
  });
  return ackOf(discord, id, started);
}

const text = (m: APIMessage | null) => (m ? visibleText(m) : "");
const ephemeral = (m: APIMessage | null) => ((m?.flags ?? 0) & 64) !== 0;
type Button = { label?: string; custom_id?: string };
function buttonsOf(m: APIMessage | null): Button[] {
  const rows = (m?.components ?? []) as unknown as { components?: Button[] }[];
  return rows.flatMap((r) => r.components ?? []);
}

beforeAll(async () => {
  discord = new DigitalDiscord({
    guild: { name: "Newsdesk test server" },
    channels: [
      { name: "general", type: ChannelType.GuildText },
      { name: "full-pins", type: ChannelType.GuildText },
    ],
    users: [{ username: "alice" }, { username: "bob" }],
  });
  await discord.start();
  const channels = await discord.prisma.channel.findMany({ orderBy: { name: "asc" } });
  fullPins = channels.find((c) => c.name === "full-pins")!.id;
  general = channels.find((c) => c.name === "general")!.id;
  const users = await discord.prisma.user.findMany({ where: { bot: false }, orderBy: { username: "asc" } });
  alice = users[0]!.id;
  bob = users[1]!.id;
  // Bob is an ordinary member: everything except Administrator, Manage Messages and Pin Messages.
  const ordinary = permissionsWithout(PermissionFlagsBits.ManageMessages, PermissionFlagsBits.PinMessages);
  await setPermissions(discord, discord.guildId, bob, ordinary);
  // Alice is a moderator (Pin Messages, no Administrator).
  await setPermissions(
    discord,
    discord.guildId,
    alice,
    ordinary | PermissionFlagsBits.PinMessages | PermissionFlagsBits.ManageMessages,
  );
  for (let i = 0; i < 50; i++) {
    await discord.prisma.message.create({
      data: {
        id: `${9_000_000_000_000_000 + i}`,
        channelId: fullPins,
        authorId: alice,
        content: `old ${i}`,
        pinned: true,
      },
    });
  }

  front = await startPinFront(discord);
  const config = parseConfig({
    DISCORD_TOKEN: discord.botToken,
    DISCORD_API_URL: front.url,
    COOLDOWN_SECONDS: "0",
    LOG_LEVEL: "debug",
  });
  const sink = new Writable({
    write(chunk, _e, cb) {
      logs += chunk.toString();
      cb();
    },
  });
  const logger = createLogger({ level: "debug", secrets: [config.discordToken], destination: sink });
  const shared = await loadKnowledge("knowledge");
  const extra = await loadKnowledge("test/fixtures/discord");
  const desk = withFailure(Newsdesk.build([...shared.articles, ...extra.articles]));

  await deployCommands({
    rest: new REST({ api: config.discordApiUrl }).setToken(discord.botToken),
    applicationId: discord.botUserId,
    guildId: discord.guildId,
  });
  bot = await startBot({ config, desk, logger, signals: false });
});

afterAll(async () => {
  await bot?.stop();
  await front?.close();
  await discord?.stop();
});

describe("registration", () => {
  it("GIVEN the deploy code WHEN run against the server THEN all nine commands are registered with their limits", async () => {
    const rows = await discord.prisma.applicationCommand.findMany({ where: { guildId: discord.guildId } });
    expect(rows.map((r) => r.name).sort()).toEqual([
      "Find sources",
      "articles",
      "ask",
      "feed",
      "forget",
      "help",
      "ingest",
      "summary",
      "who",
    ]);
    expect(rows.find((r) => r.name === "Find sources")?.type).toBe(3);
    expect(rows.find((r) => r.name === "summary")?.defaultMemberPermissions).toBe(
      String(PermissionFlagsBits.PinMessages),
    );
    const ask = JSON.parse(rows.find((r) => r.name === "ask")!.options) as {
      name: string;
      max_length?: number;
    }[];
    expect(ask.find((o) => o.name === "question")?.max_length).toBe(240);
  });
});

describe("/ask", () => {
  it("GIVEN the seed WHEN alice asks about reconstruction THEN the channel shows both reconstruction sentences, bold, cited", async () => {
    const { ack, msg } = await slash(alice, "ask", [str("question", "reconstruction")]);
    expect(ack.type).toBe(4);
    expect(ephemeral(msg)).toBe(false);
    const shown = text(msg);
    expect(shown).toContain("❓ reconstruction");
    expect(msg!.embeds.filter((e) => e.description?.includes("**reconstruction**")).length).toBe(2);
    expect(msg!.embeds[0]!.description).toMatch(/\\\[1\\\]$/);
    expect(msg!.embeds[0]!.footer?.text).toMatch(/^\[1\] .*Syria/);
    expect(ack.data?.allowed_mentions).toEqual({ parse: [] });
    expect(buttonsOf(msg).map((b) => b.label)).toContain("Context [1]");
  });

  it("GIVEN an answer WHEN its author clicks More, then Previous THEN the same message pages forward and back", async () => {
    const { msg } = await slash(alice, "ask", [str("question", "harbour")]);
    expect(msg!.embeds[0]!.footer?.text).toMatch(/^\[1\]/);
    const more = await click(alice, msg!, /More/);
    expect(more.ack.type).toBe(7);
    expect(more.msg!.id).toBe(msg!.id);
    expect(more.msg!.embeds[0]!.footer?.text).toMatch(/^\[4\]/);
    const back = await click(alice, more.msg!, /Previous/);
    expect(back.msg!.embeds[0]!.footer?.text).toMatch(/^\[1\]/);
    expect(back.msg!.embeds[0]!.description).toBe(msg!.embeds[0]!.description);
  });

  it("GIVEN a 5,700-character sentence in an article WHEN it is quoted THEN it is cut on a word boundary within the limits", async () => {
    const { msg } = await slash(alice, "ask", [str("question", "harbour committee marathon session")]);
    const long = msg!.embeds.find((e) => e.description?.includes("marathon"));
    expect(long?.description).toMatch(/[\w*]… \[\\\[\d\\\]\]\(https:\/\/example\.org\/port\/committee\)$/);
    expect(long!.description!.length).toBeLessThanOrEqual(4096);
    const total = msg!.embeds.reduce(
      (n, e) =>
        n + (e.description?.length ?? 0) + (e.footer?.text.length ?? 0) + (e.author?.name.length ?? 0),
      0,
    );
    expect(total).toBeLessThanOrEqual(6000);
  });

  it("GIVEN someone else's answer WHEN bob clicks More THEN he gets the next page privately and alice's message is unchanged", async () => {
    const { msg } = await slash(alice, "ask", [str("question", "harbour")]);
    const before = JSON.stringify(msg!.embeds);
    const res = await click(bob, msg!, /More/);
    expect(res.ack.type).toBe(4);
    expect(ephemeral(res.msg)).toBe(true);
    expect(res.msg!.embeds[0]!.footer?.text).toMatch(/^\[4\]/);
    expect(JSON.stringify((await message(discord, general, msg!.id)).embeds)).toBe(before);
  });

  it("GIVEN a private answer WHEN alice clicks Share THEN the answer is posted to the channel, naming her, pinging nobody", async () => {
    const { msg } = await slash(alice, "ask", [str("question", "reconstruction"), bool("private", true)]);
    expect(ephemeral(msg)).toBe(true);
    expect(buttonsOf(msg).map((b) => b.label)).toContain("Share");
    const shared = await click(alice, msg!, /Share/);
    expect(ephemeral(shared.msg)).toBe(false);
    expect(shared.msg!.content).toBe(`Shared by <@${alice}>`);
    expect(shared.msg!.embeds.map((e) => e.description)).toEqual(msg!.embeds.map((e) => e.description));
    expect(shared.ack.data?.allowed_mentions).toEqual({ parse: [] });
  });

  it("GIVEN an answer WHEN Context is clicked THEN the surrounding sentences are shown privately with the cited one bold", async () => {
    const { msg } = await slash(alice, "ask", [str("question", "Where did Assad flee?")]);
    const ctx = await click(bob, msg!, /Context \[1\]/);
    expect(ephemeral(ctx.msg)).toBe(true);
    const embed = ctx.msg!.embeds[0]!;
    expect(embed.title).toContain("Syria");
    expect(embed.description).toMatch(/\*\*[^*]*asylum[^*]*\*\*/);
    expect(embed.description!.split("\n\n").length).toBeGreaterThanOrEqual(3);
  });

  it("GIVEN a question too long for a button id WHEN paging THEN the question is read back from the answer and checked", async () => {
    const question =
      "What did the harbour master say about the harbour festival, the ferry to the islands, the dredging of the channel and the committee's harbour plan?";
    const { msg } = await slash(alice, "ask", [str("question", question)]);
    const more = buttonsOf(msg).find((b) => b.label?.startsWith("More"));
    expect(more?.custom_id).toMatch(/^ask1:1:[0-9a-z]+:0:h:[\w-]{10}$/);
    const next = await click(alice, msg!, /More/);
    expect(next.msg!.embeds[0]!.author?.name).toBe(`❓ ${question}`);
    expect(next.msg!.embeds[0]!.footer?.text).toMatch(/^\[4\]/);
  });

  it("GIVEN a 6,000-character question or an empty one THEN the user is told privately what to change", async () => {
    const long = await slash(alice, "ask", [str("question", "why?".repeat(1500))]);
    expect(ephemeral(long.msg)).toBe(true);
    expect(long.msg!.content).toContain("6,000 characters");
    expect(long.msg!.content).toContain("240");
    const empty = await slash(alice, "ask", [str("question", "   ")]);
    expect(ephemeral(empty.msg)).toBe(true);
    expect(empty.msg!.content).toMatch(/Please type a question/);
  });

  it("GIVEN @everyone and markdown in an article and in the question THEN nothing pings and nothing is formatted", async () => {
    const { ack, msg } = await slash(alice, "ask", [
      str("question", "@everyone **harbour** festival [x](https://evil.example)"),
    ]);
    expect(ack.data?.allowed_mentions).toEqual({ parse: [] });
    const descriptions = msg!.embeds.map((e) => e.description ?? "").join("\n");
    // Either escaped with a zero-width space or split by the bold of a matched term: never a literal @everyone.
    expect(descriptions).toMatch(/@(\u200b|\*\*)everyone/);
    expect(descriptions).not.toMatch(/(?<!\u200b)@everyone/);
    expect(descriptions).toContain("\\*\\*free fish\\*\\*");
    expect(descriptions).not.toMatch(/(?<!\\)\[the best stall\]\(/);
    // The question is shown in the author line, which Discord never renders as markdown or mentions.
    expect(msg!.embeds[0]!.author?.name).toBe("❓ @everyone **harbour** festival [x](https://evil.example)");
  });

  it("GIVEN nonsense THEN a polite no-match is shown, never a random sentence", async () => {
    const { msg } = await slash(alice, "ask", [str("question", "zzqx wvvy")]);
    expect(msg!.embeds).toHaveLength(1);
    expect(msg!.embeds[0]!.footer).toBeUndefined();
  });
});

describe("errors and resilience", () => {
  it("GIVEN a handler that throws THEN the user sees a ref, the log has it, and the bot keeps answering", async () => {
    const { msg } = await slash(bob, "ask", [str("question", FAIL_QUESTION)]);
    expect(ephemeral(msg)).toBe(true);
    const ref = /ref ([0-9a-f]{6})/.exec(msg!.content)?.[1];
    expect(ref).toBeDefined();
    expect(logs).toContain(`"ref":"${ref}"`);
    expect(logs).toContain("core exploded on purpose");
    const again = await slash(bob, "ask", [str("question", "reconstruction")]);
    expect(again.msg!.embeds.length).toBeGreaterThan(0);
  });

  it("GIVEN expired, malformed or unknown buttons and commands THEN each gets a polite private reply", async () => {
    const { msg } = await slash(alice, "ask", [str("question", "reconstruction")]);
    for (const id of ["ask0:1:x:0:q:old format", "ask1:zz:!!:0:q:x", "ctx1:9:no-such-article", "mystery"]) {
      const shown = await clickId(bob, msg!, id);
      expect(ephemeral(shown), id).toBe(true);
      expect(shown!.content, id).toMatch(/expired/);
    }
    const unknown = await slash(alice, "gone-command");
    expect(ephemeral(unknown.msg)).toBe(true);
    expect(unknown.msg!.content).toMatch(/don't know the command/);
  });

  it("GIVEN all of the above THEN every interaction was acknowledged well inside 3 seconds and the token was never logged", () => {
    expect(ackTimes.length).toBeGreaterThan(15);
    expect(Math.max(...ackTimes)).toBeLessThan(3000);
    const sorted = [...ackTimes].sort((a, b) => a - b);
    console.info(
      `e2e: ${sorted.length} interactions acknowledged, p50 ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms (through the local Discord)`,
    );
    expect(logs).not.toContain(discord.botToken);
  });
});

describe("/articles, /help, Find sources", () => {
  it("GIVEN the knowledge WHEN /articles and /articles filter:harbour THEN the lists show titles, newest first", async () => {
    const all = await slash(bob, "articles");
    expect(all.msg!.embeds[0]!.title).toBe("Articles (5)");
    const harbour = await slash(bob, "articles", [str("filter", "harbour")]);
    const d = harbour.msg!.embeds[0]!.description!;
    expect(harbour.msg!.embeds[0]!.title).toMatch(/harbour.*\(4\)/);
    expect(d.indexOf("festival")).toBeLessThan(d.indexOf("dredging"));
    expect(d).toContain("Harbour \\*\\*festival\\*\\* draws @\u200beveryone");
  });

  it.runIf(HAS_PEOPLE)(
    "GIVEN /help THEN it explains the commands privately with an example from the knowledge",
    async () => {
      const { msg } = await slash(bob, "help");
      expect(ephemeral(msg)).toBe(true);
      const d = msg!.embeds[0]!.description!;
      for (const c of ["/ask", "/who", "/summary", "/articles", "Find sources"]) expect(d).toContain(c);
      expect(d).toContain("Harbour \\*\\*festival\\*\\*");
    },
  );

  it("GIVEN a user's message WHEN bob uses Find sources on it THEN he privately gets supporting passages from the articles", async () => {
    const posted = await discord.channel(general).user(alice).sendMessage({
      content: "I read that Putin backed the Assad regime for a long time <@123456789012345678>",
    });
    const started = performance.now();
    const { id } = await discord.simulateInteraction({
      type: InteractionType.ApplicationCommand,
      channelId: general,
      userId: bob,
      data: {
        id: await commandId("Find sources"),
        name: "Find sources",
        type: 3,
        target_id: posted.id,
        resolved: { messages: { [posted.id]: posted } },
      },
    });
    const ack: Ack = await ackOf(discord, id, started);
    const msg = await message(discord, general, ack.messageId!);
    expect(ephemeral(msg)).toBe(true);
    expect(msg.embeds[0]!.author?.name).toMatch(/^🔎 I read that Putin backed/);
    expect(msg.embeds[0]!.description).toMatch(
      /\*\*Putin\*\* had .*\*\*backed\*\* the \*\*Assad\*\* \*\*regime\*\*/,
    );
  });
});

describe("/summary pin permission", () => {
  it("GIVEN bob without Pin Messages WHEN /summary pin:true THEN he is told privately and nothing is posted or pinned", async () => {
    const before = (await messages(discord, general)).length;
    const { msg } = await slash(bob, "summary", [bool("pin", true)]);
    expect(ephemeral(msg)).toBe(true);
    expect(msg!.content).toMatch(/Pin Messages permission/);
    expect((await messages(discord, general)).length).toBe(before + 1);
    expect(front.pinRequests).toBe(0);
  });
});

describe.runIf(HAS_PEOPLE)("/who, /summary and autocomplete (need the core's who/summary)", () => {
  it("GIVEN the seed WHEN /who putin THEN the profile and his sentences are shown", async () => {
    const { msg } = await slash(bob, "who", [str("name", "putin")]);
    expect(msg!.embeds[0]!.title).toBe("Vladimir Putin");
    const d = msg!.embeds[0]!.description!;
    expect(d).toMatch(/The \**Russian\** \**leader\** called/);
    expect(d).toMatch(/\*\*Putin\*\* had long backed/);
    expect(d).not.toContain("Novak");
    expect(d).toContain("Roles: Russian President");
  });

  it("GIVEN a typo or an unknown name THEN /who finds the person, or says so with suggestions", async () => {
    const typo = await slash(bob, "who", [str("name", "puttin")]);
    expect(typo.msg!.embeds[0]!.title).toBe("Vladimir Putin");
    const unknown = await slash(bob, "who", [str("name", "Zebulon Quaxworth")]);
    expect(unknown.msg!.embeds[0]!.title).toBeUndefined();
    expect(unknown.msg!.embeds[0]!.description).toMatch(/Zebulon|know|found|match/i);
  });

  it("GIVEN /summary with an article picked by autocomplete THEN that article is summarised with its source and date", async () => {
    const { msg } = await slash(alice, "summary", [str("article", "harbour-dredging")]);
    expect(msg!.embeds[0]!.title).toBe("Harbour dredging delayed by storms");
    expect(msg!.embeds[0]!.url).toBe("https://example.org/port/dredging");
    expect(msg!.embeds[0]!.footer?.text).toBe("Port Gazette · 2025-10-18");
  });

  it("GIVEN /who autocomplete THEN ≤ 25 named choices with counts arrive well inside 3 s", async () => {
    const ack = await autocomplete(bob, "who", "name", "pu");
    expect(ack.type).toBe(8);
    const choices = (ack.data as { choices: { name: string; value: string }[] }).choices;
    expect(choices.length).toBeGreaterThan(0);
    expect(choices.length).toBeLessThanOrEqual(25);
    expect(choices[0]!.name).toMatch(/Putin \(\d+\)/);
    expect(ack.ms).toBeLessThan(1000);
    console.info(`e2e: /who autocomplete answered in ${ack.ms.toFixed(0)} ms (through the local Discord)`);
  });

  it("GIVEN /summary autocomplete THEN article titles come newest first", async () => {
    const ack = await autocomplete(alice, "summary", "article", "");
    const choices = (ack.data as { choices: { name: string; value: string }[] }).choices;
    expect(choices[0]!.name).toMatch(/Harbour/);
  });

  it("GIVEN alice, a moderator WHEN /summary pin:true THEN the digest is posted and pinned", async () => {
    const { msg } = await slash(alice, "summary", [bool("pin", true)]);
    expect(ephemeral(msg)).toBe(false);
    expect(msg!.embeds[0]!.title).toMatch(/Harbour/);
    const note = await nextBotMessage(discord, general, msg!.id, (m) => m.content.includes("Pinned"));
    expect(ephemeral(note)).toBe(true);
    const stored = await discord.prisma.message.findUnique({ where: { id: msg!.id } });
    expect(stored?.pinned).toBe(true);
    expect(msg!.embeds[0]!.description!.split("\n").length).toBeGreaterThanOrEqual(3);
  });

  it("GIVEN a channel at its 50-pin limit or a bot without permission THEN the summary is posted and the reason told privately", async () => {
    const full = await slash(alice, "summary", [bool("pin", true)], fullPins);
    const why = await nextBotMessage(discord, fullPins, full.msg!.id, (m) => m.content.includes("pin limit"));
    expect(ephemeral(why)).toBe(true);
    front.botCannotPin = true;
    try {
      const denied = await slash(alice, "summary", [bool("pin", true)]);
      const note = await nextBotMessage(discord, general, denied.msg!.id, (m) =>
        m.content.includes("lack the permission"),
      );
      expect(ephemeral(note)).toBe(true);
      expect((await discord.prisma.message.findUnique({ where: { id: denied.msg!.id } }))?.pinned).toBe(
        false,
      );
    } finally {
      front.botCannotPin = false;
    }
  });
});

describe("after everything", () => {
  it("GIVEN all the failures above THEN the bot still answers", async () => {
    const { msg } = await slash(bob, "ask", [str("question", "Where did Assad flee?")]);
    expect(msg!.embeds[0]!.description).toContain("asylum");
  });
});
