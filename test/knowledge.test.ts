import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { Logger } from "../src/core/types.ts";
import { fingerprintKnowledge, loadKnowledge } from "../src/knowledge.ts";

const FIXTURES = fileURLToPath(new URL("./fixtures/knowledge/", import.meta.url));
/** The shared corpora beside the repository (`../shared`), as on developer machines and CI. */
const CORPORA = fileURLToPath(new URL("../../shared/corpora", import.meta.url));

const tmpDirs: string[] = [];
function tmpCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "newsdesk-knowledge-"));
  tmpDirs.push(dir);
  cpSync(FIXTURES, dir, { recursive: true });
  return dir;
}
function emptyTmp(): string {
  const dir = mkdtempSync(join(tmpdir(), "newsdesk-knowledge-"));
  tmpDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

function recordingLogger(): Logger & { warnings: string[]; infos: string[] } {
  const warnings: string[] = [];
  const infos: string[] = [];
  return {
    warnings,
    infos,
    debug() {},
    info: (m: string) => infos.push(m),
    warn: (m: string) => warnings.push(m),
    error() {},
  };
}

describe("loadKnowledge on the fixture folder", () => {
  it("GIVEN good, bad, hidden and duplicate files WHEN loaded THEN good articles load in path order", async () => {
    const { articles } = await loadKnowledge(FIXTURES);
    expect(articles.map((a) => a.id)).toEqual(["good", "guilds/987/club", "nested/deeper/storm", "shout"]);
  });

  it("GIVEN bad files WHEN loaded THEN each gives one warning naming the file and the reason", async () => {
    const logger = recordingLogger();
    const { warnings } = await loadKnowledge(FIXTURES, { logger });
    expect(warnings).toEqual([
      { file: "bad/binary.txt", reason: "binary file (contains NUL bytes)" },
      { file: "bad/broken-front-matter.md", reason: expect.stringMatching(/^broken front matter: /) },
      { file: "bad/empty.txt", reason: "empty file" },
      { file: "bad/furniture-only.txt", reason: "no sentences" },
      { file: "bad/latin1.txt", reason: "not valid UTF-8 text" },
      { file: "more/copy-of-good.md", reason: "duplicate of good.md; loaded once" },
    ]);
    expect(logger.warnings).toEqual(warnings.map((w) => `knowledge: ${w.file}: ${w.reason}`));
    expect(logger.infos).toHaveLength(1);
    expect(logger.infos[0]).toMatch(/^knowledge: .+: 4 articles, 7 sentences, 6 warnings in \d+ ms$/);
  });

  it("GIVEN articles under guilds/<id>/ WHEN loaded THEN they carry that guild and others carry null", async () => {
    const { articles } = await loadKnowledge(FIXTURES);
    const byId = new Map(articles.map((a) => [a.id, a]));
    expect(byId.get("guilds/987/club")?.guild).toBe("987");
    expect(byId.get("nested/deeper/storm")?.guild).toBeNull();
  });

  it("GIVEN a guild option WHEN loaded THEN shared articles get it and guild folders keep their own", async () => {
    const { articles } = await loadKnowledge(FIXTURES, { guild: "555" });
    const byId = new Map(articles.map((a) => [a.id, a]));
    expect(byId.get("good")?.guild).toBe("555");
    expect(byId.get("guilds/987/club")?.guild).toBe("987");
  });

  it("GIVEN dotfiles, dot-folders and other extensions WHEN loaded THEN they are ignored silently", async () => {
    const { articles, warnings } = await loadKnowledge(FIXTURES);
    const files = [...articles.map((a) => a.id), ...warnings.map((w) => w.file)];
    expect(files.some((f) => f.includes(".hidden") || f.includes(".drafts") || f.includes("notes"))).toBe(
      false,
    );
  });
});

describe("loadKnowledge limits and errors", () => {
  it("GIVEN a missing folder WHEN loaded THEN it throws an error naming the folder", async () => {
    const missing = join(tmpdir(), "newsdesk-no-such-folder-xyz");
    await expect(loadKnowledge(missing)).rejects.toThrow(`knowledge: folder not found: ${missing}`);
  });

  it("GIVEN a file instead of a folder WHEN loaded THEN it throws an error naming it", async () => {
    const file = join(FIXTURES, "good.md");
    await expect(loadKnowledge(file)).rejects.toThrow(`knowledge: not a folder: ${file}`);
  });

  it("GIVEN a 50 MB text file WHEN loaded THEN it is skipped by size without being read", async () => {
    const dir = tmpCopy();
    writeFileSync(join(dir, "huge.txt"), "");
    truncateSync(join(dir, "huge.txt"), 50 * 1024 * 1024);
    const started = performance.now();
    const { warnings, articles } = await loadKnowledge(dir);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(warnings).toContainEqual({ file: "huge.txt", reason: "file too large (50.0 MB, limit 5.0 MB)" });
    expect(articles).toHaveLength(4);
  });

  it("GIVEN a smaller maxBytes WHEN loaded THEN files over it are skipped with a warning", async () => {
    const { warnings, articles } = await loadKnowledge(FIXTURES, { maxBytes: 100 });
    expect(warnings).toContainEqual({ file: "good.md", reason: "file too large (1 KB, limit 1 KB)" });
    expect(articles.map((a) => a.id)).not.toContain("good");
  });

  it("GIVEN an empty folder WHEN loaded THEN there are no articles and progress reports 0 of 0", async () => {
    const calls: Array<[number, number]> = [];
    const loaded = await loadKnowledge(emptyTmp(), { onProgress: (d, t) => calls.push([d, t]) });
    expect(loaded.articles).toEqual([]);
    expect(calls).toEqual([[0, 0]]);
  });
});

describe("loadKnowledge folder problems", () => {
  it("GIVEN a symbolic link back to the knowledge folder WHEN loaded THEN it is skipped with a warning", async () => {
    const dir = tmpCopy();
    symlinkSync(dir, join(dir, "loop"), "dir");
    const { articles, warnings } = await loadKnowledge(dir);
    expect(articles).toHaveLength(4);
    expect(warnings).toContainEqual({
      file: "loop/",
      reason: "folder already read (symbolic link loop); skipped",
    });
  });

  const isRoot = process.getuid?.() === 0;
  it.skipIf(isRoot)("GIVEN a sub-folder that cannot be read WHEN loaded THEN it is one warning", async () => {
    const dir = tmpCopy();
    const locked = join(dir, "locked");
    mkdirSync(locked);
    writeFileSync(join(locked, "secret.txt"), "A secret note.\n");
    chmodSync(locked, 0o000);
    try {
      const { articles, warnings } = await loadKnowledge(dir);
      expect(articles).toHaveLength(4);
      expect(warnings).toContainEqual({ file: "locked/", reason: "cannot read folder (EACCES)" });
    } finally {
      chmodSync(locked, 0o755);
    }
  });
});

describe("loadKnowledge text encodings", () => {
  it("GIVEN UTF-16 files with a byte order mark WHEN loaded THEN they are decoded like UTF-8 ones", async () => {
    const dir = emptyTmp();
    const text = "Café owners agreed a deal on Friday.\n";
    writeFileSync(
      join(dir, "le.txt"),
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]),
    );
    const be = Buffer.from(text, "utf16le").swap16();
    writeFileSync(join(dir, "be.txt"), Buffer.concat([Buffer.from([0xfe, 0xff]), be]));
    writeFileSync(join(dir, "utf8.txt"), `\uFEFF${text}`);
    const { articles, warnings } = await loadKnowledge(dir);
    expect(warnings.map((w) => w.reason)).toEqual([
      "duplicate of be.txt; loaded once",
      "duplicate of be.txt; loaded once",
    ]);
    expect(articles).toHaveLength(1);
    expect(articles[0]?.sentences[0]?.text).toBe("Café owners agreed a deal on Friday.");
  });

  it("GIVEN a UTF-16 file with a broken surrogate WHEN loaded THEN it is one warning", async () => {
    const dir = emptyTmp();
    writeFileSync(join(dir, "bad.txt"), Buffer.from([0xff, 0xfe, 0x41, 0x00, 0x00, 0xd8, 0x41, 0x00]));
    const { warnings } = await loadKnowledge(dir);
    expect(warnings).toEqual([{ file: "bad.txt", reason: "not valid UTF-16LE text" }]);
  });
});

describe("loadKnowledge progress", () => {
  it("GIVEN 1,200 files WHEN loaded THEN progress is reported every 500 files and at the end", async () => {
    const dir = emptyTmp();
    for (let i = 0; i < 1200; i++) {
      writeFileSync(
        join(dir, `a-${String(i).padStart(4, "0")}.txt`),
        `Item number ${i} was filed on time.\n`,
      );
    }
    const calls: Array<[number, number]> = [];
    const { articles } = await loadKnowledge(dir, { onProgress: (d, t) => calls.push([d, t]) });
    expect(articles).toHaveLength(1200);
    expect(calls).toEqual([
      [500, 1200],
      [1000, 1200],
      [1200, 1200],
    ]);
  });
});

describe("loadKnowledge fingerprint", () => {
  it("GIVEN two copies of the same folder WHEN loaded THEN the fingerprints are equal sha256 hex", async () => {
    const a = await loadKnowledge(tmpCopy());
    const b = await loadKnowledge(tmpCopy());
    expect(a.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(a.fingerprint).toBe(b.fingerprint);
  });

  it("GIVEN a file edited without changing its size WHEN loaded THEN the fingerprint changes", async () => {
    const dir = tmpCopy();
    const before = await loadKnowledge(dir);
    writeFileSync(
      join(dir, "nested/deeper/storm.txt"),
      "Storm closes pores\n\nHeavy winds closed three ports on Friday.\nShips were told to stay at anchor.\n",
    );
    const after = await loadKnowledge(dir);
    expect(after.fingerprint).not.toBe(before.fingerprint);
  });

  it("GIVEN a file added, renamed or a bad file changed WHEN loaded THEN the fingerprint changes", async () => {
    const dir = tmpCopy();
    const base = (await loadKnowledge(dir)).fingerprint;
    mkdirSync(join(dir, "extra"));
    writeFileSync(join(dir, "extra/new.txt"), "A new article arrived today.\n");
    const added = (await loadKnowledge(dir)).fingerprint;
    expect(added).not.toBe(base);
    writeFileSync(join(dir, "bad/empty.txt"), "Now it has text.\n");
    expect((await loadKnowledge(dir)).fingerprint).not.toBe(added);
  });

  it("GIVEN only a changed modification time WHEN loaded THEN the fingerprint stays (it hashes content)", async () => {
    const dir = tmpCopy();
    const before = await loadKnowledge(dir);
    utimesSync(join(dir, "good.md"), new Date(2001, 0, 1), new Date(2001, 0, 1));
    expect((await loadKnowledge(dir)).fingerprint).toBe(before.fingerprint);
  });

  it("GIVEN a folder WHEN fingerprinted without parsing THEN it equals the fingerprint loadKnowledge returns", async () => {
    const dir = tmpCopy();
    expect(await fingerprintKnowledge(dir)).toBe((await loadKnowledge(dir)).fingerprint);
    expect(await fingerprintKnowledge(dir, { guild: "1" })).toBe(
      (await loadKnowledge(dir, { guild: "1" })).fingerprint,
    );
  });
});

const hasCorpora = existsSync(join(CORPORA, "bbc")) && existsSync(join(CORPORA, "reuters"));
if (!hasCorpora) console.log(`knowledge.test: ${CORPORA} not found; skipping the shared-corpora checks`);

describe.skipIf(!hasCorpora)("loadKnowledge on the shared corpora", () => {
  it("GIVEN the BBC corpus WHEN loaded THEN every non-duplicate file loads with plausible sentences", async () => {
    const { articles, warnings } = await loadKnowledge(join(CORPORA, "bbc"));
    expect(warnings.every((w) => w.reason.startsWith("duplicate of "))).toBe(true);
    expect(articles.length + warnings.length).toBe(2225);
    const sentences = articles.flatMap((a) => a.sentences);
    expect(sentences.length).toBeGreaterThan(35_000);
    const long = sentences.filter((s) => s.text.length > 400).length;
    const short = sentences.filter((s) => s.text.split(" ").length < 3).length;
    expect(long / sentences.length).toBeLessThan(0.002);
    expect(short / sentences.length).toBeLessThan(0.01);
  });

  it("GIVEN the Reuters corpus WHEN loaded THEN no wire trailer survives as a sentence", async () => {
    const { articles } = await loadKnowledge(join(CORPORA, "reuters"));
    expect(articles.length).toBeGreaterThan(18_000);
    expect(
      articles.some((a) => a.sentences.some((s) => /^REUTER\b/.test(s.text) || /\sREUTER$/.test(s.text))),
    ).toBe(false);
  });
});
