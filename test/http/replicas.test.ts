/**
 * Scale-out: two replicas of the HTTP endpoint with the same knowledge and the same index cache, requests
 * alternating between them like a round-robin load balancer. Buttons made by one are clicked on the other.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSigner } from "../../src/http/verify.ts";
import {
  ALICE,
  askCommand,
  BOB,
  buttonClick,
  CHANNEL_ID,
  customIds,
  type FakeRest,
  type Replica,
  slashCommand,
  spawnReplica,
  startFakeRest,
} from "./helpers.ts";

const signer = createSigner("33".repeat(32));
let fake: FakeRest;
let cwd: string;
let knowledge: string;
const replicas: Replica[] = [];

type Body = {
  type: number;
  data?: { embeds?: unknown[]; components?: unknown[]; flags?: number; content?: string };
};

async function on(replica: number, payload: unknown): Promise<Body> {
  const body = JSON.stringify(payload);
  const res = await fetch(`${replicas[replica]!.url}/interactions`, {
    method: "POST",
    body,
    headers: signer.headers(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Body;
}

/** The message Discord would show for a response body (what a later click carries). */
const shown = (b: Body, id = "800000000000000500") => ({ id, channel_id: CHANNEL_ID, ...b.data });

beforeAll(async () => {
  fake = await startFakeRest();
  // Each replica is its own process (`npm start`), sharing only the files: same knowledge, same cache folder.
  cwd = mkdtempSync(join(tmpdir(), "newsdesk-replicas-"));
  knowledge = join(cwd, "knowledge");
  cpSync(join(process.cwd(), "test/fixtures/discord"), knowledge, { recursive: true });
  const env = {
    DISCORD_PUBLIC_KEY: signer.publicKeyHex,
    DISCORD_API_URL: fake.url,
    COOLDOWN_SECONDS: "0",
    KNOWLEDGE_DIR: knowledge,
  };
  // One after another, as a rolling deploy would: the first builds the index cache, the second reads it.
  replicas.push(await spawnReplica(env, cwd));
  replicas.push(await spawnReplica(env, cwd));
}, 60_000);

afterAll(async () => {
  for (const r of replicas) expect(await r.stop()).toBe(0);
  await fake?.close();
  rmSync(cwd, { recursive: true, force: true });
});

describe("two replicas behind a round-robin balancer", () => {
  it("GIVEN the same files and cache folder THEN replica B loads from the index cache replica A wrote", () => {
    expect(replicas[0]!.logs()).toMatch(/\(indexed in \d+ ms\); ready/);
    expect(replicas[1]!.logs()).toMatch(/\(index cache in \d+ ms\); ready/);
  });

  it("GIVEN the same questions alternating between replicas THEN the answers are identical", async () => {
    const questions = [
      "harbour",
      "reconstruction",
      "harbour committee marathon session",
      "ferry",
      "dredging",
    ];
    for (const [i, q] of questions.entries()) {
      const a = await on(i % 2, askCommand(q));
      const b = await on((i + 1) % 2, askCommand(q));
      expect(a.type).toBe(4);
      expect(b.data?.embeds).toEqual(a.data?.embeds);
      expect(b.data?.components).toEqual(a.data?.components);
    }
  });

  it("GIVEN an answer made by replica A WHEN its More button is clicked on replica B THEN B shows page 2 as A would", async () => {
    const answer = await on(0, askCommand("harbour"));
    const more = customIds(answer.data ?? {}).find((id) => id.startsWith("ask1:1:"));
    expect(more).toBeDefined();
    const onB = await on(1, buttonClick(shown(answer), more!));
    const onA = await on(0, buttonClick(shown(answer), more!));
    expect(onB.type).toBe(7);
    expect(onB.data?.embeds).toEqual(onA.data?.embeds);
    expect(onB.data?.embeds).not.toEqual(answer.data?.embeds);
    // And back again on A, from B's page.
    const back = customIds(onB.data ?? {}).find((id) => id.startsWith("ask1:0:"));
    const page1 = await on(0, buttonClick(shown(onB), back!));
    expect(page1.data?.embeds).toEqual(answer.data?.embeds);
  });

  it("GIVEN another user's click on B for A's answer THEN B answers them privately and leaves the message alone", async () => {
    const answer = await on(0, askCommand("harbour", ALICE));
    const more = customIds(answer.data ?? {}).find((id) => id.startsWith("ask1:1:"))!;
    const r = await on(1, buttonClick(shown(answer), more, BOB));
    expect(r.type).toBe(4);
    expect((r.data?.flags ?? 0) & 64).toBe(64);
  });

  it("GIVEN a private answer from A WHEN Share and Context are clicked on B THEN B posts it and shows the context", async () => {
    const answer = await on(
      0,
      slashCommand("ask", [
        { name: "question", type: 3, value: "harbour" },
        { name: "private", type: 5, value: true },
      ]),
    );
    expect((answer.data?.flags ?? 0) & 64).toBe(64);
    const ids = customIds(answer.data ?? {});
    const share = await on(1, buttonClick(shown(answer), ids.find((id) => id.startsWith("share1"))!));
    expect(share.type).toBe(4);
    expect((share.data?.flags ?? 0) & 64).toBe(0);
    expect(share.data?.embeds).toEqual(answer.data?.embeds);
    const context = await on(1, buttonClick(shown(answer), ids.find((id) => id.startsWith("ctx1:"))!));
    expect(context.type).toBe(4);
    expect(JSON.stringify(context.data?.embeds)).toMatch(/harbour/i);
  });
  it("GIVEN an article added to the shared folder THEN both replicas answer from it (their memos emptied)", async () => {
    const q = "lighthouse keeper retires";
    // Asked twice on each replica, so each one's memo keeps the answer (from its second ask).
    const before = [];
    for (const replica of [0, 1, 0, 1]) before.push(await on(replica, askCommand(q)));
    for (const b of before) expect(JSON.stringify(b.data?.embeds ?? [])).not.toMatch(/\*\*lighthouse\*\*/i);
    writeFileSync(
      join(knowledge, "lighthouse.md"),
      "---\ntitle: Lighthouse keeper retires after forty years\ndate: 2025-10-20\nsource: Island Herald\n---\n" +
        "The lighthouse keeper retires this week after forty years on the rock.\n",
    );
    for (const replica of [0, 1]) {
      let text = "";
      for (let i = 0; i < 100 && !/\*\*lighthouse\*\*/i.test(text); i++) {
        await new Promise((r) => setTimeout(r, 50));
        text = JSON.stringify((await on(replica, askCommand(q))).data?.embeds ?? []);
      }
      expect(text, `replica ${replica}`).toMatch(/\*\*lighthouse\*\* \*\*keeper\*\* \*\*retires\*\*/i);
    }
  });
});
