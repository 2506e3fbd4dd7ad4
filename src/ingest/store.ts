/**
 * Writing ingested articles into the knowledge folder, atomically and without duplicates.
 *
 * Layout: a server's articles live in `knowledge/guilds/<guild id>/<date>-<slug>.md`; articles ingested without
 * a server (the CLI without `--guild`) in `knowledge/ingested/`. Files are written to a temp file whose name
 * starts with `.` (the knowledge loader skips dotfiles), flushed to disk, then linked into place: a crash at
 * any point leaves either no article or a complete one, never half of one.
 *
 * @example
 * const saved = await saveArticle("knowledge", "123456789012345678", toMarkdownFile(article));
 * saved.id; // "guilds/123456789012345678/2025-10-16-harbour-bridge-reopens"
 */
import { createHash, randomBytes } from "node:crypto";
import type { Dirent } from "node:fs";
import { link, lstat, mkdir, open, readdir, readFile, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import frontMatter from "front-matter";
import { IngestError } from "./errors.ts";

type FrontMatterFn = (text: string) => { attributes: unknown; body: string };
const parseFrontMatter = frontMatter as unknown as FrontMatterFn;

/** Temp files are dotfiles ending in `.tmp`, next to their target. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
}

async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some platforms cannot fsync a directory; the rename itself is still atomic.
  }
}

/**
 * Writes `data` to `path` atomically: temp file in the same folder, fsync, then rename (or, with `exclusive`,
 * a hard link that fails with EEXIST instead of replacing an existing file).
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: { exclusive?: boolean } = {},
): Promise<void> {
  const temp = tempPathFor(path);
  let handle: Awaited<ReturnType<typeof open>> | null = null;
  try {
    handle = await open(temp, "wx", 0o644);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = null;
    if (options.exclusive) {
      await link(temp, path);
      await unlink(temp);
    } else {
      await rename(temp, path);
    }
    await syncDirectory(dirname(path));
  } catch (error) {
    if (handle) await handle.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw error;
  }
}

/** Removes temp files left by writers that crashed (older than `olderThanMs`, default 10 minutes). */
export async function removeStaleTempFiles(
  dir: string,
  olderThanMs = 10 * 60_000,
  now = Date.now(),
): Promise<number> {
  let removed = 0;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!name.startsWith(".") || !name.endsWith(".tmp")) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => null);
    if (info?.isFile() && now - info.mtimeMs > olderThanMs) {
      await unlink(path).catch(() => {});
      removed++;
    }
  }
  return removed;
}

const GUILD_ID = /^\d{1,32}$/;

function checkGuild(guildId: string | null): void {
  if (guildId !== null && !GUILD_ID.test(guildId)) {
    throw new IngestError("invalid-file", `store: "${guildId.slice(0, 40)}" is not a server id`);
  }
}

/** The folder a server's articles live in (`guilds/<id>`), or `ingested` for articles without a server. */
export function articleFolder(knowledgeDir: string, guildId: string | null): string {
  checkGuild(guildId);
  return guildId === null ? join(knowledgeDir, "ingested") : join(knowledgeDir, "guilds", guildId);
}

/** `"Café owners: protest!"` → `"cafe-owners-protest"` (ASCII, at most 60 characters, never empty). */
export function slugify(text: string): string {
  const slug = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
  return slug || "article";
}

/** The `YYYY-MM-DD` of a date as an article gives it, or `undated`: the file name never invents a date. */
export function datePrefix(date: string | null): string {
  if (!date) return "undated";
  const iso = date.match(/^(\d{4})-(\d{2})-(\d{2})/);
  if (iso) return `${iso[1]}-${iso[2]}-${iso[3]}`;
  const parsed = Date.parse(date);
  return Number.isNaN(parsed) ? "undated" : new Date(parsed).toISOString().slice(0, 10);
}

/** A URL as compared for duplicates: no scheme, `www.`, fragment, tracking parameters or trailing slash. */
export function normaliseUrl(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return null;
  }
  for (const key of [...parsed.searchParams.keys()]) {
    if (/^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ocid|cmpid)$/i.test(key)) parsed.searchParams.delete(key);
  }
  parsed.searchParams.sort();
  const host = parsed.hostname.replace(/^www\./, "");
  const port = parsed.port ? `:${parsed.port}` : "";
  const path = parsed.pathname.replace(/\/+$/, "") || "/";
  const query = parsed.searchParams.toString();
  return `${host}${port}${path}${query ? `?${query}` : ""}`;
}

/** A hash of an article's words: case, punctuation, spacing and Unicode forms do not matter. */
export function textHash(text: string): string | null {
  const words = text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
  return words === "" ? null : createHash("sha256").update(words).digest("hex");
}

interface Fingerprint {
  readonly title: string | null;
  readonly url: string | null;
  readonly text: string | null;
}

function splitFile(
  content: string,
  isMarkdown: boolean,
): { attributes: Record<string, unknown>; body: string } {
  const text = content.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  if (!isMarkdown || !/^---[ \t]*\n/.test(text)) return { attributes: {}, body: text };
  try {
    const parsed = parseFrontMatter(text);
    const attributes =
      parsed.attributes && typeof parsed.attributes === "object"
        ? (parsed.attributes as Record<string, unknown>)
        : {};
    return { attributes, body: parsed.body };
  } catch {
    return { attributes: {}, body: text };
  }
}

function fingerprintOf(content: string, isMarkdown: boolean): Fingerprint {
  const { attributes, body } = splitFile(content, isMarkdown);
  const url = typeof attributes.url === "string" ? normaliseUrl(attributes.url) : null;
  const title = typeof attributes.title === "string" ? attributes.title : null;
  return { title, url, text: textHash(body) };
}

/** Fingerprints by path, reused while a file's size and mtime are unchanged. */
const fingerprintCache = new Map<string, { size: number; mtimeMs: number; fingerprint: Fingerprint }>();

/**
 * The files a new article of `guildId` must not duplicate: shared knowledge (everything outside `guilds/`,
 * `ingested/` included) and, for a server, its own folder. Other servers' folders are not looked at.
 */
async function comparableFiles(knowledgeDir: string, guildId: string | null): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      const childRel = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (childRel === "guilds") {
          if (guildId !== null) await walk(join(dir, entry.name, guildId), `guilds/${guildId}`);
          continue;
        }
        await walk(join(dir, entry.name), childRel);
      } else if (entry.isFile() && /\.(md|txt)$/i.test(entry.name)) {
        out.push(join(dir, entry.name));
      }
    }
  };
  await walk(knowledgeDir, "");
  return out;
}

async function fingerprintFile(path: string): Promise<Fingerprint | null> {
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) return null;
  const cached = fingerprintCache.get(path);
  if (cached && cached.size === info.size && cached.mtimeMs === info.mtimeMs) return cached.fingerprint;
  const content = await readFile(path, "utf8").catch(() => null);
  if (content === null) return null;
  const fingerprint = fingerprintOf(content, /\.md$/i.test(path));
  fingerprintCache.set(path, { size: info.size, mtimeMs: info.mtimeMs, fingerprint });
  return fingerprint;
}

/** An article that is already in the knowledge folder; `existing` is its article id. */
export class DuplicateArticleError extends IngestError {
  readonly existing: string;
  constructor(message: string, existing: string) {
    super("duplicate", message);
    this.existing = existing;
  }
}

function articleId(knowledgeDir: string, path: string): string {
  return relative(knowledgeDir, path)
    .split(sep)
    .join("/")
    .replace(/\.(md|txt)$/i, "");
}

/** Saves that run one after another (per knowledge folder), so two copies of one article cannot both pass. */
const queues = new Map<string, Promise<unknown>>();

function serialised<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const next = previous.then(task, task);
  const settled = next.catch(() => {});
  queues.set(key, settled);
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return next;
}

export interface SavedArticle {
  /** Absolute path of the new file. */
  readonly path: string;
  /** Article id, as the knowledge loader derives it: path relative to the knowledge folder, no extension. */
  readonly id: string;
  readonly title: string;
  readonly guildId: string | null;
}

export interface SaveOptions {
  /** File name slug; by default derived from the title. */
  readonly slug?: string;
}

/**
 * Saves a knowledge `.md` file (as `toMarkdownFile` renders it) for a server, or for everyone when `guildId` is
 * null. Refuses an article whose url (normalised) or text (words only) is already in the shared knowledge or
 * in that server's folder.
 * @throws DuplicateArticleError, or IngestError when the file has no title.
 */
export async function saveArticle(
  knowledgeDir: string,
  guildId: string | null,
  markdown: string,
  options: SaveOptions = {},
): Promise<SavedArticle> {
  const root = resolve(knowledgeDir);
  const folder = articleFolder(root, guildId);
  return serialised(root, async () => {
    const { attributes } = splitFile(markdown, true);
    const title = typeof attributes.title === "string" ? attributes.title.trim() : "";
    if (!title) throw new IngestError("invalid-file", "store: the article has no title in its front matter");
    const date =
      attributes.date instanceof Date
        ? attributes.date.toISOString()
        : typeof attributes.date === "string"
          ? attributes.date
          : null;
    const mine = fingerprintOf(markdown, true);
    if (mine.text === null) throw new IngestError("invalid-file", `store: "${title}" has no text`);
    for (const path of await comparableFiles(root, guildId)) {
      const other = await fingerprintFile(path);
      if (!other) continue;
      const id = articleId(root, path);
      const what = other.title ? `"${other.title}" (${id})` : id;
      if (mine.url !== null && other.url === mine.url) {
        throw new DuplicateArticleError(`already added: ${what} has the same url`, id);
      }
      if (other.text === mine.text)
        throw new DuplicateArticleError(`already added: ${what} has the same text`, id);
    }
    await mkdir(folder, { recursive: true });
    await removeStaleTempFiles(folder); // left by a writer that crashed more than 10 minutes ago
    const stem = `${datePrefix(date)}-${slugify(options.slug ?? title)}`;
    for (let n = 1; n <= 1000; n++) {
      const path = join(folder, n === 1 ? `${stem}.md` : `${stem}-${n}.md`);
      try {
        await writeFileAtomic(path, markdown, { exclusive: true });
      } catch (error) {
        if ((error as { code?: string }).code === "EEXIST") continue;
        throw error;
      }
      return { path, id: articleId(root, path), title, guildId };
    }
    throw new IngestError("invalid-file", `store: too many articles named ${stem}`);
  });
}

export interface StoredArticle {
  readonly id: string;
  readonly path: string;
  readonly title: string;
  readonly date: string | null;
  readonly url: string | null;
}

/** The articles a server added (or, for null, those in `ingested/`), newest file name first. */
export async function listArticles(knowledgeDir: string, guildId: string | null): Promise<StoredArticle[]> {
  const root = resolve(knowledgeDir);
  const folder = articleFolder(root, guildId);
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return [];
  }
  const out: StoredArticle[] = [];
  for (const name of names
    .filter((n) => !n.startsWith(".") && /\.md$/i.test(n))
    .sort()
    .reverse()) {
    const path = join(folder, name);
    const content = await readFile(path, "utf8").catch(() => null);
    if (content === null) continue;
    const { attributes } = splitFile(content, true);
    const text = (key: string) => (typeof attributes[key] === "string" ? (attributes[key] as string) : null);
    out.push({
      id: articleId(root, path),
      path,
      title: text("title") ?? name.replace(/\.md$/i, ""),
      date: attributes.date instanceof Date ? attributes.date.toISOString().slice(0, 10) : text("date"),
      url: text("url"),
    });
  }
  return out;
}

/**
 * Removes an article a server added. `article` is its id (`guilds/<id>/<name>`) or file name; anything that
 * is not a plain `.md` file directly in that server's folder is refused, so one server can never remove
 * shared knowledge or another server's articles.
 * @throws IngestError (`not-found`) naming the article.
 */
export async function removeArticle(
  knowledgeDir: string,
  guildId: string | null,
  article: string,
): Promise<StoredArticle> {
  const root = resolve(knowledgeDir);
  const folder = articleFolder(root, guildId);
  const prefix = guildId === null ? "ingested/" : `guilds/${guildId}/`;
  const given = article.trim().replace(/\\/g, "/");
  const name = given.startsWith(prefix) ? given.slice(prefix.length) : given;
  const notFound = new IngestError(
    "not-found",
    `forget: no article "${given.slice(0, 120)}" was added ${guildId === null ? "without a server" : "in this server"}`,
  );
  if (name === "" || name.includes("/") || name.startsWith(".") || name.includes("\u0000")) throw notFound;
  const file = /\.md$/i.test(name) ? name : `${name}.md`;
  const path = resolve(folder, file);
  if (dirname(path) !== folder) throw notFound;
  const info = await lstat(path).catch(() => null);
  if (!info?.isFile()) throw notFound;
  const [stored] = (await listArticles(root, guildId)).filter((a) => a.path === path);
  await unlink(path);
  fingerprintCache.delete(path);
  await syncDirectory(folder);
  return (
    stored ?? { id: articleId(root, path), path, title: file.replace(/\.md$/i, ""), date: null, url: null }
  );
}
