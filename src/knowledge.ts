/**
 * Loads the knowledge folder: the one place that reads article files from disk.
 *
 * Every `.md` and `.txt` file below the folder (dotfiles and dot-folders skipped) is read, checked and parsed;
 * a bad file becomes one warning and never stops the others. Exact duplicates load once.
 */
import { createHash } from "node:crypto";
import type { Dirent } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { ArticleError, parseArticle } from "./core/articles.ts";
import type { Article, Logger } from "./core/types.ts";
import { silentLogger } from "./core/types.ts";

/** A file that was skipped, and why. */
export interface KnowledgeWarning {
  /** Path relative to the knowledge folder, posix separators. */
  file: string;
  reason: string;
}

export interface LoadedKnowledge {
  /** Articles in path order. */
  articles: Article[];
  warnings: KnowledgeWarning[];
  /** sha256 (hex) over every file's path, size and content hash, plus the parser version. */
  fingerprint: string;
}

export interface LoadKnowledgeOptions {
  logger?: Logger;
  /** Called every 500 files and once at the end. */
  onProgress?: (done: number, total: number) => void;
  /** Files larger than this are skipped with a warning (default 5 MB). */
  maxBytes?: number;
  /** Guild for articles outside `guilds/<id>/` (default null: shared knowledge). */
  guild?: string | null;
}

/** Bump when parsing changes what an article looks like, so cached indexes keyed by the fingerprint go stale. */
export const PARSER_VERSION = "articles-1";

const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;
const PROGRESS_EVERY = 500;
const CONCURRENCY = 32;
const EXTENSIONS = /\.(?:md|txt)$/i;

async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(rel: string): Promise<void> {
    const entries: Dirent[] = await readdir(rel === "" ? root : join(root, rel), { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      const childRel = rel === "" ? entry.name : `${rel}/${entry.name}`;
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const s = await stat(join(root, childRel)).catch(() => null);
        isDir = s?.isDirectory() ?? false;
        isFile = s?.isFile() ?? false;
      }
      if (isDir) await walk(childRel);
      else if (isFile && EXTENSIONS.test(entry.name)) out.push(childRel);
    }
  }
  await walk("");
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`;
}

type FileResult =
  | { kind: "article"; file: string; size: number; hash: string; article: Article }
  | { kind: "warning"; file: string; size: number; hash: string; reason: string };

const utf8 = new TextDecoder("utf-8", { fatal: true });

async function loadFile(
  root: string,
  file: string,
  maxBytes: number,
  guild: string | null,
): Promise<FileResult> {
  const full = join(root, file);
  let size = 0;
  try {
    const s = await stat(full);
    size = s.size;
    const sizeKey = `size:${s.size}:mtime:${s.mtimeMs}`;
    if (s.size > maxBytes) {
      return {
        kind: "warning",
        file,
        size,
        hash: sizeKey,
        reason: `file too large (${formatBytes(s.size)}, limit ${formatBytes(maxBytes)})`,
      };
    }
    if (s.size === 0) return { kind: "warning", file, size, hash: "empty", reason: "empty file" };
    const buf = await readFile(full);
    const hash = createHash("sha256").update(buf).digest("hex");
    if (buf.includes(0))
      return { kind: "warning", file, size, hash, reason: "binary file (contains NUL bytes)" };
    let content: string;
    try {
      content = utf8.decode(buf);
    } catch {
      return { kind: "warning", file, size, hash, reason: "not valid UTF-8 text" };
    }
    try {
      return { kind: "article", file, size, hash, article: parseArticle({ path: file, content, guild }) };
    } catch (err) {
      if (err instanceof ArticleError) return { kind: "warning", file, size, hash, reason: err.reason };
      throw err;
    }
  } catch (err) {
    if (err instanceof ArticleError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    return {
      kind: "warning",
      file,
      size,
      hash: "unreadable",
      reason: `cannot read file${code ? ` (${code})` : ""}`,
    };
  }
}

/** What makes two articles the same content: title and sentences (and their guild). */
function duplicateKey(a: Article): string {
  const h = createHash("sha256");
  h.update(a.guild ?? "\u0000");
  h.update("\u0001");
  h.update(a.title);
  for (const s of a.sentences) {
    h.update("\u0001");
    h.update(s.text);
  }
  return h.digest("hex");
}

/**
 * Loads every article under `dir`.
 *
 * @example
 * const { articles, warnings, fingerprint } = await loadKnowledge("knowledge", { logger });
 * @throws Error when `dir` does not exist or is not a folder.
 */
export async function loadKnowledge(
  dir: string,
  options: LoadKnowledgeOptions = {},
): Promise<LoadedKnowledge> {
  const logger = options.logger ?? silentLogger;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const guild = options.guild ?? null;

  const s = await stat(dir).catch(() => null);
  if (s === null) throw new Error(`knowledge: folder not found: ${dir}`);
  if (!s.isDirectory()) throw new Error(`knowledge: not a folder: ${dir}`);

  const files = await listFiles(dir);
  const total = files.length;
  const results: FileResult[] = new Array(total);
  let done = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      results[i] = await loadFile(dir, files[i]!, maxBytes, guild);
      done++;
      if (done % PROGRESS_EVERY === 0 && done < total) options.onProgress?.(done, total);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, Math.max(total, 1)) }, worker));
  options.onProgress?.(total, total);

  const articles: Article[] = [];
  const warnings: KnowledgeWarning[] = [];
  const seen = new Map<string, string>();
  const fp = createHash("sha256");
  fp.update(`${PARSER_VERSION}\u0000${guild ?? ""}\u0000${maxBytes}`);
  for (const r of results) {
    fp.update(`\n${r.file}\u0000${r.size}\u0000${r.hash}`);
    if (r.kind === "warning") {
      warnings.push({ file: r.file, reason: r.reason });
      continue;
    }
    const key = duplicateKey(r.article);
    const original = seen.get(key);
    if (original !== undefined) {
      warnings.push({ file: r.file, reason: `duplicate of ${original}; loaded once` });
      continue;
    }
    seen.set(key, r.file);
    articles.push(r.article);
  }
  for (const w of warnings) logger.warn(`knowledge: ${w.file}: ${w.reason}`);
  return { articles, warnings, fingerprint: fp.digest("hex") };
}
