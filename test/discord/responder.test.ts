import { describe, expect, it } from "vitest";
import { type RestClient, RestResponder } from "../../src/discord/responder.ts";

/** Records every REST call the responder makes (the wire contract both transports rely on). */
function recorder() {
  const calls: { method: string; route: string; body?: unknown; auth?: unknown }[] = [];
  const make = (method: string) => async (route: string, options?: { body?: unknown; auth?: unknown }) => {
    calls.push({ method, route, body: options?.body, auth: options?.auth });
    return { id: "900", channel_id: "800" };
  };
  const rest = {
    get: make("GET"),
    post: make("POST"),
    patch: make("PATCH"),
    put: make("PUT"),
    delete: make("DELETE"),
  };
  return { rest: rest as unknown as RestClient, calls };
}

const interaction = { id: "1", token: "tok", applicationId: "app", channelId: "800" };

describe("RestResponder", () => {
  it("GIVEN a private deferral WHEN the answer comes THEN Discord gets type 5 with the ephemeral flag, then an edit of @original", async () => {
    const { rest, calls } = recorder();
    const r = new RestResponder({ rest, interaction });
    await r.defer({ ephemeral: true });
    await r.reply({ content: "done" }, { ephemeral: true });
    expect(calls).toEqual([
      {
        method: "POST",
        route: "/interactions/1/tok/callback",
        body: { type: 5, data: { flags: 64 } },
        auth: false,
      },
      {
        method: "PATCH",
        route: "/webhooks/app/tok/messages/%40original",
        body: { content: "done", allowed_mentions: { parse: [] } },
        auth: false,
      },
    ]);
  });

  it("GIVEN a reply already sent WHEN replying again THEN it becomes a follow-up, keeping the ephemeral choice", async () => {
    const { rest, calls } = recorder();
    const r = new RestResponder({ rest, interaction });
    await r.reply({ content: "a" });
    await r.reply({ content: "b" }, { ephemeral: true });
    expect(calls[0]?.body).toMatchObject({
      type: 4,
      data: { content: "a", allowed_mentions: { parse: [] } },
    });
    expect(calls[1]).toMatchObject({
      method: "POST",
      route: "/webhooks/app/tok",
      body: { content: "b", flags: 64 },
    });
  });

  it("GIVEN a timed defer racing a reply THEN they go out in order (defer, then edit), never two first responses", async () => {
    const { rest, calls } = recorder();
    const r = new RestResponder({ rest, interaction });
    await Promise.all([r.defer(), r.reply({ content: "x" })]);
    expect(calls.map((c) => `${c.method} ${c.route}`)).toEqual([
      "POST /interactions/1/tok/callback",
      "PATCH /webhooks/app/tok/messages/%40original",
    ]);
  });

  it("GIVEN an HTTP transport's initial sink THEN the first response goes there, the rest over REST", async () => {
    const { rest, calls } = recorder();
    const initial: unknown[] = [];
    const r = new RestResponder({ rest, interaction, initial: async (res) => void initial.push(res) });
    await r.autocomplete(
      Array.from({ length: 40 }, (_, i) => ({ name: `${"n".repeat(150)}${i}`, value: `v${i}` })),
    );
    expect(initial).toHaveLength(1);
    const data = (initial[0] as { type: number; data: { choices: { name: string }[] } }).data;
    expect((initial[0] as { type: number }).type).toBe(8);
    expect(data.choices).toHaveLength(25);
    expect(Math.max(...data.choices.map((c) => c.name.length))).toBeLessThanOrEqual(100);
    expect(calls).toEqual([]);
    await expect(r.reply({ content: "late" })).resolves.toBeUndefined();
    expect(calls[0]?.route).toBe("/webhooks/app/tok");
  });

  it("GIVEN a component click THEN update is type 7, and after deferUpdate it edits the message", async () => {
    const a = recorder();
    await new RestResponder({ rest: a.rest, interaction }).update({ content: "page 2" });
    expect(a.calls[0]?.body).toMatchObject({ type: 7, data: { content: "page 2" } });
    const b = recorder();
    const r = new RestResponder({ rest: b.rest, interaction });
    await r.deferUpdate();
    await r.update({ content: "page 3" });
    expect(b.calls.map((c) => c.method)).toEqual(["POST", "PATCH"]);
    expect(b.calls[0]?.body).toEqual({ type: 6 });
  });
});

describe("RestResponder.original", () => {
  it("GIVEN Discord has not created the message yet (404) THEN the look-up is retried, and other errors are not", async () => {
    let tries = 0;
    const rest = {
      get: async () => {
        tries++;
        if (tries < 3) throw Object.assign(new Error("Unknown Message"), { status: 404 });
        return { id: "9", channel_id: "8" };
      },
    } as unknown as RestClient;
    await expect(new RestResponder({ rest, interaction }).original()).resolves.toEqual({
      id: "9",
      channelId: "8",
    });
    expect(tries).toBe(3);
    const failing = {
      get: async () => {
        throw Object.assign(new Error("Forbidden"), { status: 403 });
      },
    } as unknown as RestClient;
    await expect(new RestResponder({ rest: failing, interaction }).original()).rejects.toThrow("Forbidden");
  });
});
