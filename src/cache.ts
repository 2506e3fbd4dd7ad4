/**
 * Opens the knowledge: from the index cache when it matches the files, else by loading, indexing and
 * saving a fresh cache. The cache is keyed by the knowledge content (fingerprint), lives in an ignored
 * folder (`.cache/` by default) and is written atomically; a stale or corrupted cache is rebuilt with a
 * warning.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { deserialize, serialize } from "node:v8";
import { type DeskSnapshot, Newsdesk, type NewsdeskOptions } from "./core/desk.ts";
import type { Article } from "./core/types.ts";
import { type Logger, silentLogger } from "./core/types.ts";
import { fingerprintKnowledge, type KnowledgeWarning, loadKnowledge, statKnowledge } from "./knowledge.ts";

export type { KnowledgeWarning };

/** Bump when the cached shape changes. */
const CACHE_VERSION = 2;

/** A hash of every source file of the pure core (empty when unreadable, e.g. in a bundle). */
const CORE_SOURCE_HASH: string = (() => {
  const h = createHash("sha256");
  try {
    const root = new URL("./core/", import.meta.url);
    const walk = (dir: URL): void => {
      for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        if (e.isDirectory()) walk(new URL(`${e.name}/`, dir));
        else if (e.name.endsWith(".ts")) h.update(readFileSync(new URL(e.name, dir)));
      }
    };
    walk(root);
    return h.digest("hex");
  } catch {
    return "";
  }
})();

/** The stat key of a set of knowledge folders (see `statKnowledge`). */
export function quickKey(dirs: readonly string[]): string {
  return createHash("sha256")
    .update(dirs.map((d) => statKnowledge(d)).join(","))
    .digest("hex");
}

interface CacheFile {
  readonly version: number;
  /** Hash of the core's source: a change to indexing or ranking code makes old caches stale. */
  readonly core: string;
  /** Content fingerprint of the knowledge folders. */
  readonly fingerprint: string;
  /** Stat key (paths, sizes, mtimes) when the cache was written: a match skips content hashing. */
  readonly quick: string;
  readonly articles: Article[];
  readonly warnings: KnowledgeWarning[];
  readonly snapshot: DeskSnapshot;
}

export interface OpenedKnowledge {
  readonly desk: Newsdesk;
  /** With `warm`: resolves with the number of terms cached once the background warm-up is done. */
  readonly warmed: Promise<number> | null;
  readonly warnings: readonly KnowledgeWarning[];
  readonly fingerprint: string;
  /** Whether the index came from the cache. */
  readonly cached: boolean;
  /** Time to read and split the files, to build the index, and in all (0 for steps the cache saved). */
  readonly timings: { readonly loadMs: number; readonly buildMs: number; readonly totalMs: number };
}

export interface OpenOptions {
  readonly logger?: Logger;
  /** Where cache files go (default `.cache` in the working directory); null disables the cache. */
  readonly cacheDir?: string | null;
  readonly onProgress?: (done: number, total: number) => void;
  readonly desk?: NewsdeskOptions;
  /**
   * Long-running servers: after loading, and again after each change to the knowledge, fill the index's
   * term cache in the background (about 4 s of CPU for the 59,000 words of 21,000 articles, in 5 ms
   * slices), so questions never wait for MiniSearch to score a word. Off by default (a one-shot CLI run
   * would only wait for it).
   */
  readonly warm?: boolean;
}

/**
 * Warms `desk` now and again after every update (a change empties the term cache: scores depend on
 * corpus statistics). A warm-up still running when the next update lands is stopped and started over.
 * Resolves with the number of terms of the first warm-up.
 */
function keepWarm(desk: Newsdesk): Promise<number> {
  let current = warmInBackground(desk);
  desk.onUpdate(() => {
    current.stop();
    current = warmInBackground(desk);
  });
  return current.done;
}

/**
 * Runs `desk`'s warm-up (name look-up structures, then the stage-1 term cache of words in at least
 * `minArticles` articles) in slices of about `sliceMs` between other work on the event loop. `done`
 * resolves with the number of terms cached; `stop()` ends it early.
 */
export function warmInBackground(
  desk: Newsdesk,
  options: { sliceMs?: number; minArticles?: number } = {},
): { done: Promise<number>; stop(): void } {
  const sliceMs = options.sliceMs ?? 5;
  let stopped = false;
  const terms = desk.index.warmTerms(options.minArticles);
  const done = new Promise<number>((resolve) => {
    let count = 0;
    const slice = () => {
      const until = performance.now() + sliceMs;
      do {
        if (stopped) break;
        if (terms.next().done) return resolve(count);
        count++;
      } while (performance.now() < until);
      if (stopped) return resolve(count);
      setImmediate(slice);
    };
    setImmediate(() => {
      desk.entities.warm();
      slice();
    });
  });
  return {
    done,
    stop() {
      stopped = true;
    },
  };
}

/** The cache file for a set of knowledge folders (one per set, whatever their content). */
export function cachePath(cacheDir: string, knowledgeDirs: readonly string[]): string {
  const key = createHash("sha256")
    .update(knowledgeDirs.map((d) => resolve(d)).join("\u0000"))
    .digest("hex")
    .slice(0, 16);
  return join(cacheDir, `index-${key}.bin`);
}

/** Folder names that tell several knowledge folders apart in article ids ("bbc/…", "reuters/…"). */
function prefixes(dirs: readonly string[]): string[] {
  if (dirs.length === 1) return [""];
  return dirs.map((d, i) => {
    const base = basename(resolve(d));
    return dirs.filter((o) => basename(resolve(o)) === base).length > 1 ? `${base}-${i + 1}/` : `${base}/`;
  });
}

function readCache(
  path: string,
  quick: string,
  fingerprint: () => Promise<string>,
  logger: Logger,
): Promise<CacheFile | null> {
  return readCacheFile(path, logger).then(async (data) => {
    if (data === null) return null;
    if (data.quick === quick) return data;
    // Same content with other mtimes (a fresh clone, a touch) still counts.
    if (data.fingerprint === (await fingerprint())) return data;
    logger.info(`cache: ${path}: knowledge changed; rebuilding the index`);
    return null;
  });
}

async function readCacheFile(path: string, logger: Logger): Promise<CacheFile | null> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return null;
  }
  try {
    const data = deserialize(bytes) as CacheFile;
    if (data?.version !== CACHE_VERSION || data.core !== CORE_SOURCE_HASH) {
      logger.info(`cache: ${path}: written by another version of Newsdesk; rebuilding the index`);
      return null;
    }
    return data;
  } catch (err) {
    logger.warn(`cache: ${path}: unreadable (${(err as Error).message}); rebuilding the index`);
    return null;
  }
}

/** Writes `bytes` to `path` through a temp file and a rename, so a crash never leaves half a file. */
export function writeAtomic(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** The fingerprint of a set of knowledge folders' content (what the cache is keyed by). */
export async function fingerprintFolders(dirs: readonly string[]): Promise<string> {
  const prints: string[] = [];
  for (const dir of dirs) prints.push(await fingerprintKnowledge(dir));
  return combine(prints);
}

function combine(prints: readonly string[]): string {
  return prints.length === 1 ? prints[0]! : createHash("sha256").update(prints.join(",")).digest("hex");
}

/**
 * Writes the cache for `dirs` (atomically). Failures are logged, never thrown: the next start rebuilds.
 */
export function saveCache(
  desk: Newsdesk,
  warnings: readonly KnowledgeWarning[],
  fingerprint: string,
  options: { cacheDir: string; dirs: readonly string[]; logger?: Logger; quick?: string },
): void {
  const path = cachePath(options.cacheDir, options.dirs);
  try {
    mkdirSync(options.cacheDir, { recursive: true });
    const file: CacheFile = {
      version: CACHE_VERSION,
      core: CORE_SOURCE_HASH,
      fingerprint,
      quick: options.quick ?? quickKey(options.dirs),
      articles: [...desk.articles],
      warnings: [...warnings],
      snapshot: desk.toJSON(),
    };
    writeAtomic(path, serialize(file));
  } catch (err) {
    (options.logger ?? silentLogger).warn(
      `cache: ${path}: could not be written (${(err as Error).message}); the next start rebuilds`,
    );
  }
}

/**
 * Loads the knowledge folder `dir` and its index, using the cache when it is current.
 *
 * @example
 * const { desk, warnings } = await openKnowledge("knowledge", { logger });
 */
export async function openKnowledge(
  dirOrDirs: string | readonly string[],
  options: OpenOptions = {},
): Promise<OpenedKnowledge> {
  const started = performance.now();
  const dirs = typeof dirOrDirs === "string" ? [dirOrDirs] : dirOrDirs;
  if (dirs.length === 0) throw new Error("knowledge: no knowledge folder given");
  const logger = options.logger ?? silentLogger;
  const cacheDir = options.cacheDir === undefined ? ".cache" : options.cacheDir;
  const prefix = prefixes(dirs);
  const quick = quickKey(dirs);
  let fingerprint: string | null = null;
  const contentFingerprint = async () => {
    fingerprint ??= await fingerprintFolders(dirs);
    return fingerprint;
  };
  const path = cacheDir === null ? null : cachePath(cacheDir, dirs);

  if (path) {
    const cached = await readCache(path, quick, contentFingerprint, logger);
    if (cached) {
      try {
        const desk = Newsdesk.fromJSON(cached.snapshot, cached.articles, options.desk);
        // Name look-ups build their search structures on first use (~0.4 s on 21k articles): do it now,
        // just after start, rather than during someone's first autocomplete.
        setImmediate(() => desk.entities.warm());
        for (const w of cached.warnings) logger.warn(`knowledge: ${w.file}: ${w.reason}`);
        const totalMs = performance.now() - started;
        if (cached.quick !== quick)
          saveCache(desk, cached.warnings, cached.fingerprint, { cacheDir: cacheDir!, dirs, logger, quick });
        return {
          desk,
          warnings: cached.warnings,
          fingerprint: cached.fingerprint,
          cached: true,
          timings: { loadMs: 0, buildMs: 0, totalMs },
          warmed: options.warm ? keepWarm(desk) : null,
        };
      } catch (err) {
        logger.warn(`cache: ${path}: ${(err as Error).message}; rebuilding the index`);
      }
    }
  }

  const articles: Article[] = [];
  const warnings: KnowledgeWarning[] = [];
  const prints: string[] = [];
  for (const [i, dir] of dirs.entries()) {
    const loaded = await loadKnowledge(dir, {
      logger,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    prints.push(loaded.fingerprint);
    const p = prefix[i]!;
    for (const a of loaded.articles) articles.push(p ? { ...a, id: p + a.id } : a);
    for (const w of loaded.warnings) warnings.push(p ? { ...w, file: p + w.file } : w);
  }
  const loadMs = performance.now() - started;
  const desk = Newsdesk.build(articles, options.desk);
  const buildMs = performance.now() - started - loadMs;
  const content = combine(prints);
  if (cacheDir !== null) saveCache(desk, warnings, content, { cacheDir, dirs, logger, quick });
  const totalMs = performance.now() - started;
  return {
    desk,
    warnings,
    fingerprint: content,
    cached: false,
    timings: { loadMs, buildMs, totalMs },
    warmed: options.warm ? keepWarm(desk) : null,
  };
}
