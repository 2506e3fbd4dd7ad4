import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseArticle } from "../../src/core/articles.ts";
import { buildEntityTable, type Entity, EntityIndexer, EntityTable } from "../../src/core/entities.ts";
import type { Article } from "../../src/core/types.ts";

const FIXTURES = "test/fixtures/entities/articles";
const load = (path: string, guild: string | null = null): Article =>
  parseArticle({ path: path.split("/").pop()!, content: readFileSync(path, "utf8"), guild });

const seed = load("knowledge/syria-russia-2025-10-16.txt");
const meridian = load(`${FIXTURES}/meridian-results.md`);
const derby = load(`${FIXTURES}/derby-report.md`, "guild-b");
const warsaw = load(`${FIXTURES}/warsaw-summit.md`);
const table = buildEntityTable([seed, meridian, derby, warsaw]);

function match(query: string, visible?: (id: string) => boolean): Entity {
  const r = table.find(query, visible ? { visible } : {});
  if (!("match" in r)) throw new Error(`expected a match for ${query}: ${JSON.stringify(r).slice(0, 200)}`);
  return r.match;
}
const sentencesOf = (e: Entity, article: string) =>
  e.mentions.filter((m) => m.article === article).map((m) => m.sentence);

describe("buildEntityTable on the seed", () => {
  it("GIVEN 'Russian President Vladimir Putin' THEN the person is Vladimir Putin with the role Russian President", () => {
    const putin = match("Vladimir Putin");
    expect(putin.kind).toBe("person");
    expect(putin.roles.map((r) => r.role)).toContain("Russian President");
    expect(putin.aliases).toContain("Putin");
  });

  it("GIVEN Al-Sharaa's with a possessive and an appositive title THEN the name is clean and the role kept", () => {
    const sharaa = match("Ahmed Al-Sharaa");
    expect(sharaa.name).toBe("Ahmed Al-Sharaa");
    for (const alias of sharaa.aliases) expect(alias).not.toMatch(/['’]s$|[,.]$/);
    expect(sharaa.roles.map((r) => r.role)).toContain("Syria’s President");
  });

  it("GIVEN the surname alone and the descriptor 'the Russian leader' THEN they are linked to Putin, not to others", () => {
    const putin = match("putin");
    expect(sentencesOf(putin, seed.id)).toEqual([1, 3, 5, 6]);
    expect(putin.mentions.find((m) => m.sentence === 6)?.via).toBe("descriptor");
  });

  it("GIVEN 'the former Syrian leader' after 'Al-Sharaa's predecessor, Bashar al-Assad' THEN it refers to Assad", () => {
    const assad = match("assad");
    expect(assad.name).toBe("Bashar al-Assad");
    const m = assad.mentions.find((x) => x.sentence === 4);
    expect(m?.via).toBe("descriptor");
    expect(m?.terms).toEqual(["former", "Syrian", "leader"]);
  });

  it("GIVEN 'He added that…' after 'Al-Sharaa stated…' THEN the pronoun sentence is Al-Sharaa's, and both quote him", () => {
    const sharaa = match("sharaa");
    const m8 = sharaa.mentions.find((m) => m.sentence === 8);
    expect(m8).toMatchObject({ via: "pronoun", quote: true });
    expect(sharaa.mentions.find((m) => m.sentence === 7)?.quote).toBe(true);
    expect(sharaa.mentions.find((m) => m.sentence === 1)?.quote).toBe(false);
  });

  it("GIVEN Novak's reported and quoted sentences THEN only the quoted one is marked as a quote", () => {
    const novak = match("novak");
    expect(novak.mentions.map((m) => [m.sentence, m.quote])).toEqual([
      [9, false],
      [10, true],
    ]);
  });

  it("GIVEN the Druze and Moscow THEN they are entities of kind group and place", () => {
    expect(match("druze").kind).toBe("group");
    expect(match("Moscow").kind).toBe("place");
  });
});

describe("find", () => {
  it("GIVEN spelling variants, case and accents THEN they all find the same person", () => {
    for (const q of [
      "sharaa",
      "Al-Sharaa",
      "al sharaa",
      "alsharaa",
      "AL-SHARAA'S",
      "Ahmed al-Sharaa",
      "Sharaá",
    ]) {
      expect(match(q).name, q).toBe("Ahmed Al-Sharaa");
    }
  });

  it("GIVEN a typo THEN the closest name matches", () => {
    expect(match("puttin").name).toBe("Vladimir Putin");
    expect(match("kowalcyzk").name).toBe("Anna Kowalczyk");
  });

  it("GIVEN a surname two people share in different articles THEN the answer is ambiguous and lists both", () => {
    const r = table.find("okafor");
    expect("ambiguous" in r && r.ambiguous.map((e) => e.name).sort()).toEqual([
      "Daniel Okafor",
      "Sarah Okafor",
    ]);
    expect(match("Sarah Okafor").mentions.every((m) => m.article === meridian.id)).toBe(true);
  });

  it("GIVEN a name nobody has THEN it is unknown, with the closest names as suggestions", () => {
    const r = table.find("xylophonist");
    expect(r).toEqual({ unknown: true, suggestions: [] });
    const near = table.find("Pution");
    expect("match" in near || "unknown" in near).toBe(true);
    const far = table.find("Novakovic");
    expect("unknown" in far && far.suggestions).toContain("Alexander Novak");
  });

  it("GIVEN a visibility predicate THEN entities only in hidden articles are not found", () => {
    const hideDerby = (id: string) => id !== derby.id;
    expect("unknown" in table.find("ortega", { visible: hideDerby })).toBe(true);
    expect(match("okafor", hideDerby).name).toBe("Sarah Okafor");
  });
});

describe("suggest", () => {
  it("GIVEN a prefix of any alias THEN matching names come back sorted by count, with kind", () => {
    const s = table.suggest("pu");
    expect(s[0]).toEqual({ name: "Vladimir Putin", kind: "person", count: 4 });
    const all = table.suggest("");
    expect(all.length).toBeGreaterThan(10);
    for (let i = 1; i < all.length; i++) expect(all[i - 1]!.count).toBeGreaterThanOrEqual(all[i]!.count);
  });

  it("GIVEN a limit and a visibility predicate THEN at most limit visible names are returned", () => {
    expect(table.suggest("", { limit: 3 })).toHaveLength(3);
    const visibleNames = table
      .suggest("", { limit: 100, visible: (id) => id === derby.id })
      .map((s) => s.name);
    expect(visibleNames).toContain("Luis Ortega");
    expect(visibleNames).not.toContain("Vladimir Putin");
  });

  it("GIVEN a very long name THEN its label is cut to 100 characters", () => {
    const long = `${"Extraordinarily ".repeat(8)}Longname`;
    const article: Article = {
      ...seed,
      id: "long",
      sentences: [{ text: `Mr ${long} said the plan was sound.`, paragraph: 1, position: 1 }],
    };
    const t = buildEntityTable([article]);
    for (const s of t.suggest("")) expect(s.name.length).toBeLessThanOrEqual(100);
  });
});

describe("JSON", () => {
  it("GIVEN a table WHEN serialised and restored THEN entities, find and suggest are the same", () => {
    const restored = EntityTable.fromJSON(JSON.parse(JSON.stringify(table)));
    expect(restored.entities()).toEqual(table.entities());
    expect(restored.suggest("a")).toEqual(table.suggest("a"));
    expect(restored.find("puttin")).toEqual(table.find("puttin"));
  });

  it("GIVEN a malformed cache THEN fromJSON throws naming the entity table", () => {
    expect(() => EntityTable.fromJSON({ version: 2 })).toThrow(/entities: cached entity table/);
    expect(() => EntityTable.fromJSON(null)).toThrow(/entities:/);
  });

  it("GIVEN the same articles twice THEN the table is identical (deterministic)", () => {
    expect(JSON.stringify(buildEntityTable([seed, meridian, derby, warsaw]))).toBe(JSON.stringify(table));
  });
});

describe("EntityIndexer", () => {
  it("GIVEN an indexer WHEN articles are added, replaced and removed THEN its table equals a fresh build", () => {
    const indexer = new EntityIndexer([seed, meridian, warsaw]);
    expect(indexer.table([seed, meridian, warsaw]).entities()).toEqual(
      buildEntityTable([seed, meridian, warsaw]).entities(),
    );
    const edited: Article = { ...warsaw, sentences: warsaw.sentences.slice(0, 3) };
    indexer.update({ upsert: [derby, edited], remove: [meridian.id] });
    const after = [seed, edited, derby];
    expect(indexer.table(after).entities()).toEqual(buildEntityTable(after).entities());
    expect(indexer.table(after).articleIds).toEqual(after.map((a) => a.id));
  });

  it("GIVEN an article the indexer never saw THEN table() says so", () => {
    expect(() => new EntityIndexer([seed]).table([seed, derby])).toThrow(/entities: article derby-report/);
  });
});
