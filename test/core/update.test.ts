import { beforeAll, describe, expect, it } from "vitest";
import { Newsdesk } from "../../src/core/desk.ts";
import type { Article } from "../../src/core/types.ts";
import { article, loadBaseArticles } from "./articles-helper.ts";

let base: Article[];
beforeAll(async () => {
  base = await loadBaseArticles();
});

const QUESTIONS = [
  "strike",
  "Where did Assad flee?",
  "bread prices harvest",
  "ferry refunds",
  "Putin",
  "chess",
];

/** What a user sees: the quoted sentences and their citations, in order. */
const seen = (desk: Newsdesk, q: string) =>
  desk.ask(q, { limit: 10 }).results.map((r) => `${r.citation.article}#${r.citation.sentence} ${r.text}`);

describe("incremental updates", () => {
  it("GIVEN articles added, replaced and removed one by one WHEN asked THEN answers equal a fresh build", () => {
    const desk = Newsdesk.build(base.slice(0, 2));
    const extra = article("extra/ferry-2", "Ferry strike ends", [
      "The ferry strike at Ravensby ended after the union accepted a new pay offer.",
      "Sailings resume on Friday.",
    ]);
    expect(desk.update({ upsert: base.slice(2) })).toEqual({
      added: base.length - 2,
      replaced: 0,
      removed: 0,
    });
    expect(desk.update({ upsert: [extra] }).added).toBe(1);
    const changed = { ...base[0]!, title: `${base[0]!.title} (updated)` };
    expect(desk.update({ upsert: [changed], remove: [base[1]!.id] })).toEqual({
      added: 0,
      replaced: 1,
      removed: 1,
    });

    const expected = [changed, ...base.slice(2), extra];
    const fresh = Newsdesk.build(expected);
    expect(desk.articles.map((a) => a.id).sort()).toEqual(expected.map((a) => a.id).sort());
    for (const q of [...QUESTIONS, "ferry strike pay offer"])
      expect(seen(desk, q), q).toEqual(seen(fresh, q));
    expect(desk.who("Novak").results.length).toBe(fresh.who("Novak").results.length);
  });

  it("GIVEN a removed article WHEN asked, listed or summarised THEN it is gone everywhere", () => {
    const desk = Newsdesk.build(base);
    const id = "harbour-strike";
    expect(seen(desk, "dock workers strike").join(" ")).toContain(id);
    desk.update({ remove: [id] });
    expect(seen(desk, "dock workers strike").join(" ")).not.toContain(id);
    expect(desk.listArticles().results.map((a) => a.id)).not.toContain(id);
    expect(desk.summary(id).status).not.toBe("ok");
    expect(desk.who("Okonkwo").status).not.toBe("ok");
  });

  it("GIVEN an updated desk WHEN saved and restored THEN the restored desk answers alike", () => {
    const desk = Newsdesk.build(base);
    desk.update({
      remove: ["bakery-prices"],
      upsert: [article("late", "Late news", ["Late news about bread and ferries."])],
    });
    const restored = Newsdesk.fromJSON(JSON.parse(JSON.stringify(desk.toJSON())), desk.articles);
    for (const q of [...QUESTIONS, "late bread"]) expect(seen(restored, q), q).toEqual(seen(desk, q));
  });
});
