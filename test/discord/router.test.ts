import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { Command, Desk, Interaction, MessageBody, Responder } from "../../commands/types.ts";
import { UserError } from "../../commands/types.ts";
import { parseConfig } from "../../src/config.ts";
import { compactId, expandId, makeId, readId } from "../../src/discord/custom-id.ts";
import { fromApiInteraction } from "../../src/discord/interaction.ts";
import { createRouter } from "../../src/discord/router.ts";
import { createLogger } from "../../src/log.ts";

/** Records what a handler sent; behaves like RestResponder's state machine. */
class RecordingResponder implements Responder {
  state: Responder["state"] = "pending";
  sent: { kind: string; body?: MessageBody; ephemeral?: boolean }[] = [];
  async reply(body: MessageBody, o: { ephemeral?: boolean } = {}) {
    this.sent.push({
      kind: this.state === "pending" ? "reply" : this.state === "deferred" ? "edit" : "followUp",
      body,
      ephemeral: !!o.ephemeral,
    });
    this.state = "replied";
  }
  async defer(o: { ephemeral?: boolean } = {}) {
    if (this.state !== "pending") return;
    this.sent.push({ kind: "defer", ephemeral: !!o.ephemeral });
    this.state = "deferred";
  }
  async deferUpdate() {
    this.sent.push({ kind: "deferUpdate" });
    this.state = "deferred-update";
  }
  async update(body: MessageBody) {
    this.sent.push({ kind: "update", body });
    this.state = "replied";
  }
  async autocomplete(choices: readonly { name: string; value: string }[]) {
    this.sent.push({ kind: "autocomplete", body: { content: JSON.stringify(choices) } });
    this.state = "replied";
  }
  async showModal() {
    this.state = "replied";
  }
  async followUp(body: MessageBody) {
    this.sent.push({ kind: "followUp", body });
    return { id: "1" };
  }
  async original() {
    return { id: "1", channelId: "2" };
  }
}

function interaction(over: Partial<Interaction> = {}): Interaction {
  return {
    id: "10",
    token: "t",
    applicationId: "20",
    kind: "command",
    commandName: "test",
    commandType: 1,
    options: {},
    focused: null,
    customId: null,
    message: null,
    targetMessage: null,
    user: { id: "123456789012345678", username: "u" },
    guildId: "1",
    channelId: "2",
    memberPermissions: null,
    appPermissions: null,
    locale: null,
    ...over,
  };
}

function setup(commands: Command[], env: Record<string, string> = {}, now = () => 0) {
  let logs = "";
  const logger = createLogger({
    level: "debug",
    destination: new Writable({
      write(c, _e, cb) {
        logs += c.toString();
        cb();
      },
    }),
  });
  const route = createRouter({
    commands,
    components: [],
    desk: {} as Desk,
    config: parseConfig({ COOLDOWN_SECONDS: "0", ...env }),
    logger,
    discord: { pin: async () => {} },
    autoDeferMs: 30,
    now,
  });
  return { route, logs: () => logs };
}

const ok = (name = "test"): Command => ({
  data: { name, description: "d" },
  async execute(ctx) {
    await ctx.responder.reply({ content: "done" });
  },
});

describe("router", () => {
  it("GIVEN a handler that throws THEN the user gets a private ref that the log also has, and the next call works", async () => {
    const boom: Command = {
      data: { name: "boom", description: "d" },
      async execute() {
        throw new Error("kaput");
      },
    };
    const { route, logs } = setup([boom, ok()]);
    const r = new RecordingResponder();
    await route(interaction({ commandName: "boom" }), r);
    const ref = /ref ([0-9a-f]{6})/.exec(r.sent[0]?.body?.content ?? "")?.[1];
    expect(r.sent[0]).toMatchObject({ kind: "reply", ephemeral: true });
    expect(ref).toBeDefined();
    expect(logs()).toContain(ref);
    expect(logs()).toContain("kaput");
    const r2 = new RecordingResponder();
    await route(interaction(), r2);
    expect(r2.sent[0]?.body?.content).toBe("done");
  });

  it("GIVEN a UserError THEN its message is shown privately as is, with no ref", async () => {
    const refuse: Command = {
      data: { name: "refuse", description: "d" },
      async execute() {
        throw new UserError("Not like that.");
      },
    };
    const { route } = setup([refuse]);
    const r = new RecordingResponder();
    await route(interaction({ commandName: "refuse" }), r);
    expect(r.sent).toEqual([{ kind: "reply", body: { content: "Not like that." }, ephemeral: true }]);
  });

  it("GIVEN a slow handler THEN the router defers (privately when the command says so) and the reply fills it in", async () => {
    const slow: Command = {
      data: { name: "slow", description: "d" },
      ephemeral: () => true,
      async execute(ctx) {
        await new Promise((res) => setTimeout(res, 80));
        await ctx.responder.reply({ content: "late" }, { ephemeral: true });
      },
    };
    const { route } = setup([slow]);
    const r = new RecordingResponder();
    await route(interaction({ commandName: "slow" }), r);
    expect(r.sent.map((s) => s.kind)).toEqual(["defer", "edit"]);
    expect(r.sent[0]?.ephemeral).toBe(true);
  });

  it("GIVEN a cooldown of 5 s THEN a second command within it is refused with the seconds left, and allowed after", async () => {
    let t = 1_000_000;
    const { route } = setup([ok()], { COOLDOWN_SECONDS: "5" }, () => t);
    const first = new RecordingResponder();
    await route(interaction(), first);
    expect(first.sent[0]?.body?.content).toBe("done");
    t += 1200;
    const second = new RecordingResponder();
    await route(interaction(), second);
    expect(second.sent[0]).toMatchObject({
      ephemeral: true,
      body: { content: "Please slow down: try again in 4 s." },
    });
    const other = new RecordingResponder();
    await route(interaction({ user: { id: "99", username: "v" } }), other);
    expect(other.sent[0]?.body?.content).toBe("done");
    t += 4000;
    const third = new RecordingResponder();
    await route(interaction(), third);
    expect(third.sent[0]?.body?.content).toBe("done");
  });

  it("GIVEN an autocomplete handler that throws THEN an empty choice list is sent, never an error message", async () => {
    const bad: Command = {
      ...ok("bad"),
      async autocomplete() {
        throw new Error("no");
      },
    };
    const { route } = setup([bad]);
    const r = new RecordingResponder();
    await route(interaction({ kind: "autocomplete", commandName: "bad" }), r);
    expect(r.sent).toEqual([{ kind: "autocomplete", body: { content: "[]" } }]);
  });
});

describe("custom ids", () => {
  it("GIVEN fields and a tail with colons THEN they round-trip, and over 100 characters gives null", () => {
    const id = makeId("ask1", [2, "abc", 1, "q"], "what: now?")!;
    expect(readId(id.slice("ask1:".length), 4)).toEqual({
      fields: ["2", "abc", "1", "q"],
      tail: "what: now?",
    });
    expect(makeId("ask1", [1], "x".repeat(100))).toBeNull();
  });

  it("GIVEN a Discord user id THEN the compact form is short and expands back", () => {
    const id = "1576610779430387718";
    expect(compactId(id).length).toBeLessThanOrEqual(13);
    expect(expandId(compactId(id))).toBe(id);
    expect(expandId("!!")).toBeNull();
  });
});

describe("interaction normaliser", () => {
  it("GIVEN raw autocomplete JSON with a subcommand THEN options are flattened and the focused one found", () => {
    const i = fromApiInteraction({
      id: "1",
      application_id: "2",
      type: 4,
      token: "tok",
      version: 1,
      guild_id: "3",
      channel_id: "4",
      member: { user: { id: "5", username: "ann" }, permissions: "8" },
      app_permissions: "2048",
      data: {
        id: "6",
        name: "who",
        type: 1,
        options: [{ name: "name", type: 3, value: "pu", focused: true }],
      },
    } as never);
    expect(i).toMatchObject({
      kind: "autocomplete",
      commandName: "who",
      options: { name: "pu" },
      focused: { name: "name", value: "pu" },
      user: { id: "5", username: "ann" },
      memberPermissions: 8n,
      appPermissions: 2048n,
      guildId: "3",
      channelId: "4",
    });
  });

  it("GIVEN a message context-menu command THEN the target message is resolved", () => {
    const target = { id: "77", content: "hello" };
    const i = fromApiInteraction({
      id: "1",
      application_id: "2",
      type: 2,
      token: "tok",
      channel_id: "4",
      user: { id: "5", username: "dm" },
      data: {
        id: "6",
        name: "Find sources",
        type: 3,
        target_id: "77",
        resolved: { messages: { "77": target } },
      },
    } as never);
    expect(i.targetMessage).toEqual(target);
    expect(i.guildId).toBeNull();
    expect(i.memberPermissions).toBeNull();
  });
});
