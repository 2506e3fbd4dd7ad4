import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseArticle } from "../../src/core/articles.ts";
import { IngestError } from "../../src/ingest/errors.ts";
import { toMarkdownFile } from "../../src/ingest/extract.ts";
import {
  DuplicateArticleError,
  datePrefix,
  listArticles,
  normaliseUrl,
  removeArticle,
  removeStaleTempFiles,
  saveArticle,
  slugify,
  writeFileAtomic,
} from "../../src/ingest/store.ts";
import { loadKnowledge } from "../../src/knowledge.ts";
import { articleText, PARAGRAPHS } from "./atomic-writer.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "newsdesk-store-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const GUILD = "111111111111111111";
const OTHER = "222222222222222222";

function article(over: Partial<Parameters<typeof toMarkdownFile>[0]> = {}): string {
  return toMarkdownFile({
    title: "Harbour bridge reopens",
    date: "2025-10-16T08:30:00+02:00",
    source: "The Coastal Courier",
    url: "https://courier.example/local/bridge",
    author: null,
    paragraphs: ["The bridge reopened on Wednesday.", "It cost 48 million euros."],
    ...over,
  });
}

async function rejection(promise: Promise<unknown>): Promise<IngestError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(IngestError);
    return error as IngestError;
  }
  throw new Error("expected a rejection");
}

describe("saveArticle", () => {
  it("GIVEN an article for a server WHEN saved THEN it lands in guilds/<id>/<date>-<slug>.md and loads as that server's", async () => {
    const saved = await saveArticle(dir, GUILD, article());
    expect(saved.id).toBe(`guilds/${GUILD}/2025-10-16-harbour-bridge-reopens`);
    expect(saved.path).toBe(join(dir, "guilds", GUILD, "2025-10-16-harbour-bridge-reopens.md"));
    expect(await readFile(saved.path, "utf8")).toBe(article());
    const loaded = await loadKnowledge(dir);
    expect(loaded.warnings).toEqual([]);
    expect(loaded.articles.map((a) => [a.id, a.guild])).toEqual([[saved.id, GUILD]]);
  });

  it("GIVEN no server WHEN saved THEN it lands in ingested/ and a custom slug is used", async () => {
    const saved = await saveArticle(dir, null, article({ date: null }), { slug: "Mon Pont!" });
    expect(saved.id).toBe("ingested/undated-mon-pont");
  });

  it("GIVEN the same url (tracking parameters, www, trailing slash aside) WHEN saved again THEN it is refused as a duplicate", async () => {
    const first = await saveArticle(dir, GUILD, article());
    const error = await rejection(
      saveArticle(
        dir,
        GUILD,
        article({
          url: "http://www.courier.example/local/bridge/?utm_source=tw#x",
          paragraphs: ["Other text."],
        }),
      ),
    );
    expect(error).toBeInstanceOf(DuplicateArticleError);
    expect((error as DuplicateArticleError).existing).toBe(first.id);
    expect(error.message).toBe(`already added: "Harbour bridge reopens" (${first.id}) has the same url`);
  });

  it("GIVEN the same text under another url and title WHEN saved THEN it is refused as a duplicate", async () => {
    await saveArticle(dir, GUILD, article());
    const error = await rejection(
      saveArticle(
        dir,
        GUILD,
        article({
          title: "Copy",
          url: "https://mirror.example/bridge",
          paragraphs: ["THE BRIDGE   reopened on Wednesday", "It cost 48 million euros!"],
        }),
      ),
    );
    expect(error.code).toBe("duplicate");
    expect(error.message).toMatch(/has the same text$/);
  });

  it("GIVEN an article saved in server A WHEN server B saves it THEN B gets its own copy", async () => {
    const a = await saveArticle(dir, GUILD, article());
    const b = await saveArticle(dir, OTHER, article());
    expect(a.id).not.toBe(b.id);
    expect(b.id.startsWith(`guilds/${OTHER}/`)).toBe(true);
  });

  it("GIVEN shared knowledge WHEN a server saves the same text THEN it is refused", async () => {
    await writeFile(
      join(dir, "bridge.txt"),
      "The bridge reopened on Wednesday.\nIt cost 48 million euros.\n",
    );
    const error = await rejection(saveArticle(dir, GUILD, article()));
    expect(error.message).toBe("already added: bridge has the same text");
  });

  it("GIVEN two different articles with the same date and title WHEN saved THEN the second gets a -2 suffix", async () => {
    await saveArticle(dir, GUILD, article());
    const second = await saveArticle(dir, GUILD, article({ url: null, paragraphs: ["A different story."] }));
    expect(second.id).toBe(`guilds/${GUILD}/2025-10-16-harbour-bridge-reopens-2`);
  });

  it("GIVEN five saves of one article at the same time WHEN they finish THEN exactly one file exists", async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => saveArticle(dir, GUILD, article())),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.filter((r) => r.status === "rejected")).toHaveLength(4);
    expect(await readdir(join(dir, "guilds", GUILD))).toHaveLength(1);
  });

  it("GIVEN a bad server id or a file without title WHEN saved THEN it is refused", async () => {
    await expect(saveArticle(dir, "../etc", article())).rejects.toThrow(/is not a server id/);
    await expect(saveArticle(dir, GUILD, "no front matter\n")).rejects.toThrow(/no title/);
  });
});

describe("removeArticle and listArticles", () => {
  it("GIVEN a server's articles WHEN listed THEN they come newest first with their titles", async () => {
    await saveArticle(dir, GUILD, article());
    await saveArticle(
      dir,
      GUILD,
      article({ title: "Later", date: "2025-11-01", url: null, paragraphs: ["Later news."] }),
    );
    const list = await listArticles(dir, GUILD);
    expect(list.map((a) => [a.id, a.title, a.date])).toEqual([
      [`guilds/${GUILD}/2025-11-01-later`, "Later", "2025-11-01"],
      [
        `guilds/${GUILD}/2025-10-16-harbour-bridge-reopens`,
        "Harbour bridge reopens",
        "2025-10-16T08:30:00+02:00",
      ],
    ]);
    expect(await listArticles(dir, OTHER)).toEqual([]);
  });

  it("GIVEN an article the server added WHEN removed by id or by file name THEN the file is gone and can be added again", async () => {
    const saved = await saveArticle(dir, GUILD, article());
    const removed = await removeArticle(dir, GUILD, saved.id);
    expect(removed.title).toBe("Harbour bridge reopens");
    expect(existsSync(saved.path)).toBe(false);
    const again = await saveArticle(dir, GUILD, article());
    await removeArticle(dir, GUILD, "2025-10-16-harbour-bridge-reopens.md");
    expect(existsSync(again.path)).toBe(false);
  });

  it("GIVEN articles outside the server's folder WHEN removal is asked THEN it is refused and nothing is deleted", async () => {
    const other = await saveArticle(dir, OTHER, article());
    await writeFile(join(dir, "seed.md"), article({ title: "Seed", url: null, paragraphs: ["Seed text."] }));
    await mkdir(join(dir, "guilds", GUILD), { recursive: true });
    await symlink(join(dir, "seed.md"), join(dir, "guilds", GUILD, "link.md"));
    await writeFile(join(dir, "guilds", GUILD, ".hidden.md"), "x");
    for (const id of [
      other.id,
      "seed",
      "../../seed",
      `guilds/${GUILD}/../../seed`,
      `guilds/${GUILD}/link`,
      ".hidden",
      "",
      "nope",
    ]) {
      const error = await rejection(removeArticle(dir, GUILD, id));
      expect(error.code).toBe("not-found");
    }
    expect(existsSync(other.path)).toBe(true);
    expect(existsSync(join(dir, "seed.md"))).toBe(true);
    const error = await rejection(removeArticle(dir, GUILD, "nope"));
    expect(error.message).toBe('forget: no article "nope" was added in this server');
  });
});

describe("helpers", () => {
  it("GIVEN titles, dates and urls WHEN normalised THEN slugs, date prefixes and url keys are stable", () => {
    expect(slugify("Café owners: protest “unfair” fees!")).toBe("cafe-owners-protest-unfair-fees");
    expect(slugify("!!!")).toBe("article");
    expect(slugify("a".repeat(100))).toHaveLength(60);
    expect(datePrefix("2025-10-16T08:30:00+02:00")).toBe("2025-10-16");
    expect(datePrefix("Thu, 16 Oct 2025 08:00:00 GMT")).toBe("2025-10-16");
    expect(datePrefix("last Thursday")).toBe("undated");
    expect(datePrefix(null)).toBe("undated");
    expect(normaliseUrl("https://www.x.example/a/?utm_medium=m&b=2&a=1#f")).toBe("x.example/a?a=1&b=2");
    expect(normaliseUrl("not a url")).toBeNull();
  });

  it("GIVEN temp files left by a crashed writer WHEN an article is saved THEN only the stale ones are removed", async () => {
    const folder = join(dir, "guilds", GUILD);
    await mkdir(folder, { recursive: true });
    const stale = join(folder, ".old.md.1.abc.tmp");
    const fresh = join(folder, ".new.md.2.def.tmp");
    await writeFile(stale, "half an art");
    await writeFile(fresh, "being written");
    const old = new Date(Date.now() - 11 * 60_000);
    await utimes(stale, old, old);
    await saveArticle(dir, GUILD, article());
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
  });

  it("GIVEN an existing file WHEN written exclusively THEN EEXIST and no temp file is left", async () => {
    const path = join(dir, "a.md");
    await writeFileAtomic(path, "one");
    await expect(writeFileAtomic(path, "two", { exclusive: true })).rejects.toMatchObject({ code: "EEXIST" });
    await writeFileAtomic(path, "three");
    expect(await readFile(path, "utf8")).toBe("three");
    expect(await readdir(dir)).toEqual(["a.md"]);
  });
});

describe("crash safety", () => {
  const writer = fileURLToPath(new URL("./atomic-writer.ts", import.meta.url));
  const repo = fileURLToPath(new URL("../../", import.meta.url));

  async function runAndKill(mode: "save" | "replace", first: number, delayMs: number): Promise<void> {
    const child = spawn(process.execPath, ["--import", "tsx", writer, dir, mode, String(first)], {
      cwd: repo,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += String(chunk);
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.once("data", () => resolve());
      child.once("exit", (code) => reject(new Error(`writer exited early (${code}): ${stderr}`)));
    });
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    expect(stderr).toBe("");
  }

  async function checkFolder(): Promise<{ articles: number; temps: number }> {
    const folder = join(dir, "guilds", "42");
    const names = existsSync(folder) ? await readdir(folder) : [];
    let articles = 0;
    for (const name of names.filter((n) => !n.startsWith("."))) {
      const content = await readFile(join(folder, name), "utf8");
      const n = Number(content.match(/^title: "Article (\d+)"$/m)?.[1]);
      expect(content, name).toBe(articleText(n));
      const parsed = parseArticle({ path: `guilds/42/${name}`, content });
      expect(parsed.sentences.length).toBe(PARAGRAPHS + 1);
      articles++;
    }
    const temps = names.filter((n) => n.startsWith("."));
    for (const temp of temps) expect(temp).toMatch(/^\..+\.tmp$/);
    const loaded = await loadKnowledge(dir);
    expect(loaded.warnings).toEqual([]);
    expect(loaded.articles).toHaveLength(articles);
    return { articles, temps: temps.length };
  }

  it("GIVEN a writer saving articles in a loop WHEN it is killed at random points 20 times THEN every article file is complete", async () => {
    let saved = 0;
    for (let round = 0; round < 20; round++) {
      const mode = round % 4 === 3 ? "replace" : "save";
      await runAndKill(mode, round * 100_000, Math.floor(Math.random() * 120));
      saved = (await checkFolder()).articles;
    }
    expect(saved).toBeGreaterThan(5);
    const removed = await removeStaleTempFiles(join(dir, "guilds", "42"), 0, Date.now() + 1000);
    expect((await readdir(join(dir, "guilds", "42"))).filter((n) => n.startsWith("."))).toHaveLength(0);
    console.info(`crash test: ${saved} complete articles, ${removed} temp files left by killed writers`);
  }, 120_000);
});
