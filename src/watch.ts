/**
 * Live reload: files added, changed or removed in the knowledge folder (by /ingest, an editor or
 * `git pull`) reach the index within seconds, without a restart. Changes are collected for a short
 * quiet period, read, and applied to the desk in one synchronous step (`Newsdesk.update`); the index
 * cache is then refreshed in the background.
 */
import { relative, sep } from "node:path";
import { watch } from "chokidar";
import { fingerprintFolders, type KnowledgeWarning, saveCache } from "./cache.ts";
import { articleIdFromPath } from "./core/articles.ts";
import type { Newsdesk } from "./core/desk.ts";
import type { Article, Logger } from "./core/types.ts";
import { silentLogger } from "./core/types.ts";
import { loadArticleFile } from "./knowledge.ts";

export interface WatchOptions {
  readonly logger?: Logger;
  /** Quiet period before a batch of changes is applied (default 300 ms). */
  readonly debounceMs?: number;
  /** Where the index cache lives; null leaves the cache alone. */
  readonly cacheDir?: string | null;
  /** The warnings of the initial load, kept up to date and stored with the cache. */
  readonly warnings?: readonly KnowledgeWarning[];
  /** Called after each applied batch (tests and metrics). */
  readonly onUpdate?: (result: UpdateResult) => void;
}

export interface UpdateResult {
  readonly added: number;
  readonly replaced: number;
  readonly removed: number;
  readonly warnings: readonly KnowledgeWarning[];
}

export interface KnowledgeWatcher {
  /** Resolves once the watcher is watching. */
  readonly ready: Promise<void>;
  /** Applies pending changes now (tests); resolves with what changed. */
  flush(): Promise<UpdateResult>;
  close(): Promise<void>;
}

const ARTICLE_FILE = /\.(?:md|txt)$/i;

/** Watches `dir` and keeps `desk` in step with it. */
export function watchKnowledge(dir: string, desk: Newsdesk, options: WatchOptions = {}): KnowledgeWatcher {
  const logger = options.logger ?? silentLogger;
  const debounceMs = options.debounceMs ?? 300;
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | null = null;
  let saving: Promise<void> = Promise.resolve();
  let closed = false;
  const known = new Map((options.warnings ?? []).map((w) => [w.file, w.reason]));

  const watcher = watch(dir, {
    ignoreInitial: true,
    // Dotfiles are never articles (the ingest store writes temp files as dotfiles, then renames).
    ignored: (path, stats) => {
      const rel = relative(dir, path);
      if (rel !== "" && rel.split(sep).some((part) => part.startsWith("."))) return true;
      return stats?.isFile() === true && !ARTICLE_FILE.test(path);
    },
    awaitWriteFinish: { stabilityThreshold: 100, pollInterval: 50 },
  });
  const ready = new Promise<void>((resolve) => watcher.once("ready", () => resolve()));

  const schedule = (path: string) => {
    if (!ARTICLE_FILE.test(path)) return;
    pending.add(relative(dir, path).split(sep).join("/"));
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      void apply();
    }, debounceMs);
  };
  watcher.on("add", schedule).on("change", schedule).on("unlink", schedule);
  watcher.on("unlinkDir", (path) => {
    // A removed folder takes its articles with it.
    const prefix = `${relative(dir, path).split(sep).join("/")}/`;
    for (const a of desk.articles) if (a.id.startsWith(prefix)) pending.add(`${a.id}\u0000removed`);
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      void apply();
    }, debounceMs);
  });
  watcher.on("error", (err) => logger.warn(`knowledge: watching ${dir} failed: ${(err as Error).message}`));

  async function apply(): Promise<UpdateResult> {
    const files = [...pending];
    pending.clear();
    const upsert: Article[] = [];
    const remove: string[] = [];
    const warnings: KnowledgeWarning[] = [];
    for (const entry of files) {
      if (entry.endsWith("\u0000removed")) {
        remove.push(entry.slice(0, -"\u0000removed".length));
        continue;
      }
      const id = articleIdFromPath(entry);
      const loaded = loadArticleFile(dir, entry);
      known.delete(entry);
      if ("article" in loaded) {
        upsert.push(loaded.article);
      } else {
        if (!/ENOENT/.test(loaded.warning.reason)) known.set(entry, loaded.warning.reason);
        // Gone or broken: the article leaves the index, as it would on a fresh start.
        if (!/ENOENT/.test(loaded.warning.reason)) {
          warnings.push(loaded.warning);
          logger.warn(`knowledge: ${loaded.warning.file}: ${loaded.warning.reason}`);
        }
        if (desk.index.has(id)) remove.push(id);
      }
    }
    const counts = desk.update({ upsert, remove });
    const result = { ...counts, warnings };
    if (counts.added + counts.replaced + counts.removed > 0) {
      logger.info(
        `knowledge: live update: ${counts.added} added, ${counts.replaced} changed, ${counts.removed} removed`,
      );
      if (options.cacheDir != null && !closed) {
        const cacheDir = options.cacheDir;
        saving = saving.then(async () => {
          const all = [...known].map(([file, reason]) => ({ file, reason }));
          saveCache(desk, all, await fingerprintFolders([dir]), { cacheDir, dirs: [dir], logger });
        });
      }
    }
    options.onUpdate?.(result);
    return result;
  }

  return {
    ready,
    flush: async () => {
      if (timer) {
        clearTimeout(timer);
        timer = null;
      }
      return apply();
    },
    close: async () => {
      closed = true;
      if (timer) clearTimeout(timer);
      await watcher.close();
      await saving;
    },
  };
}
