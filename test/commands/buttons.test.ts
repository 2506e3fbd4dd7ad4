import { describe, expect, it } from "vitest";
import { articlesId } from "../../commands/articles.ts";
import { askId } from "../../commands/ask.ts";
import { components } from "../../commands/index.ts";
import type { Interaction, MessageBody, Responder } from "../../commands/types.ts";
import { parseConfig } from "../../src/config.ts";
import { Newsdesk } from "../../src/core/desk.ts";
import type { Article } from "../../src/core/types.ts";
import { createRouter } from "../../src/discord/router.ts";
import { createLogger } from "../../src/log.ts";

/** 25 small articles in memory: enough for several pages of /articles and /ask. */
const articles: Article[] = Array.from({ length: 25 }, (_, i) => ({
  id: `town/${String(i).padStart(2, "0")}`,
  title: `Town council meeting ${i}`,
  date: `2025-10-${String(i + 1).padStart(2, "0")}`,
  source: "Town Crier",
  url: null,
  author: null,
  section: null,
  dateline: null,
  tags: [],
  guild: null,
  sentences: [
    {
      text: `The town council met for the ${i + 1}th time to discuss the bridge.`,
      paragraph: 1,
      position: 1,
    },
    { text: `Councillors voted ${i} to ${25 - i} on the bridge budget.`, paragraph: 1, position: 2 },
  ],
}));
const desk = Newsdesk.build(articles);
const OWNER = "123456789012345678";
const OTHER = "223456789012345678";

class Recorder implements Responder {
  state: Responder["state"] = "pending";
  sent: { kind: string; body: MessageBody; ephemeral: boolean }[] = [];
  async reply(body: MessageBody, o: { ephemeral?: boolean } = {}) {
    this.sent.push({ kind: "reply", body, ephemeral: !!o.ephemeral });
    this.state = "replied";
  }
  async update(body: MessageBody) {
    this.sent.push({ kind: "update", body, ephemeral: false });
    this.state = "replied";
  }
  async defer() {}
  async deferUpdate() {}
  async autocomplete() {}
  async showModal() {}
  async followUp() {
    return { id: "1" };
  }
  async original() {
    return { id: "1", channelId: "2" };
  }
}

const route = createRouter({
  commands: [],
  components,
  desk,
  config: parseConfig({}),
  logger: createLogger({ level: "silent" }),
  discord: { pin: async () => {} },
});

async function click(customId: string, user = OWNER, message: Interaction["message"] = null) {
  const r = new Recorder();
  const interaction: Interaction = {
    id: "1",
    token: "t",
    applicationId: "a",
    kind: "component",
    commandName: null,
    commandType: null,
    options: {},
    focused: null,
    customId,
    message,
    targetMessage: null,
    user: { id: user, username: "u" },
    guildId: "1",
    channelId: "2",
    memberPermissions: null,
    appPermissions: null,
    locale: null,
  };
  await route(interaction, r);
  return r.sent[0]!;
}

const labels = (b: MessageBody) =>
  (b.components ?? []).flatMap((row) => row.components.map((c) => ("label" in c ? c.label : "")));

describe("paging buttons (no state but the custom id and the message)", () => {
  it("GIVEN 25 articles WHEN the owner clicks through /articles pages THEN the message is updated page by page", async () => {
    const p2 = await click(articlesId(2, OWNER, "")!);
    expect(p2.kind).toBe("update");
    expect(p2.body.embeds?.[0]?.footer?.text).toBe("Page 2 of 3");
    expect(labels(p2.body)).toEqual(["◀ Previous", "More ▶"]);
    const p3 = await click(articlesId(3, OWNER, "")!);
    expect(labels(p3.body)).toEqual(["◀ Previous"]);
    expect(p3.body.embeds?.[0]?.description).toContain("Town council meeting 4");
  });

  it("GIVEN someone else's /articles WHEN another user pages THEN they get the page privately", async () => {
    const p = await click(articlesId(2, OWNER, "council")!, OTHER);
    expect(p).toMatchObject({ kind: "reply", ephemeral: true });
    expect(p.body.embeds?.[0]?.title).toContain("council");
  });

  it("GIVEN an /ask paging id after a restart THEN page 2 is recomputed from the id alone", async () => {
    const p = await click(askId(1, OWNER, false, "bridge budget"));
    expect(p.kind).toBe("update");
    expect(p.body.embeds?.[0]?.footer?.text).toMatch(/^\[4\] Town council meeting/);
  });

  it("GIVEN a hashed /ask id whose answer message was edited THEN the click is refused as expired", async () => {
    const question = `bridge budget ${"and the council vote ".repeat(6)}`.trim();
    const id = askId(1, OWNER, false, question);
    expect(id).toContain(":h:");
    const message = {
      embeds: [{ author: { name: "❓ something else" } }],
    } as unknown as Interaction["message"];
    const p = await click(id, OWNER, message);
    expect(p).toMatchObject({ kind: "reply", ephemeral: true });
    expect(p.body.content).toMatch(/expired/);
    const good = { embeds: [{ author: { name: `❓ ${question}` } }] } as unknown as Interaction["message"];
    expect((await click(id, OWNER, good)).kind).toBe("update");
  });
});
