/**
 * The `ingest` command of the CLI: `npm run --silent cli -- ingest <url|file> [--guild ID] [--json]`.
 * A URL is fetched under the SSRF rules; anything else is read as a local `.md`, `.txt` or `.html` file.
 *
 * @example
 * const out = await runIngestCommand("https://news.example/a", { knowledgeDir: "knowledge", allowlist: [], guild: null, json: true });
 * out.stdout; // {"id":"ingested/2025-10-16-…","title":"…","date":"…","source":"…","url":"…","sentences":12}
 */
import { readFile, stat } from "node:fs/promises";
import { basename } from "node:path";
import type { Allowlist } from "./address.ts";
import { IngestError } from "./errors.ts";
import { FETCH_DEFAULTS } from "./fetch.ts";
import { type IngestContext, type IngestResult, ingestFile, ingestUrl } from "./ingest.ts";

export interface IngestCommandOptions {
  readonly knowledgeDir: string;
  readonly allowlist: Allowlist;
  /** The server the article is added for; null puts it in `ingested/`, visible everywhere. */
  readonly guild: string | null;
  readonly json: boolean;
}

export interface IngestCommandOutput {
  readonly stdout: string;
  readonly exitCode: number;
}

/** The `--json` object: the new article's id, title, date, source, url and sentence count. */
export interface IngestSummary {
  readonly id: string;
  readonly title: string;
  readonly date: string | null;
  readonly source: string | null;
  readonly url: string | null;
  readonly sentences: number;
}

export function summarise(result: IngestResult): IngestSummary {
  return {
    id: result.saved.id,
    title: result.parsed.title,
    date: result.parsed.date,
    source: result.parsed.source,
    url: result.parsed.url,
    sentences: result.parsed.sentences.length,
  };
}

function isUrl(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(target);
}

async function readUpload(path: string): Promise<Uint8Array> {
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) throw new IngestError("not-found", `ingest: ${path}: no such file`);
  if (info.size > FETCH_DEFAULTS.maxBytes) {
    throw new IngestError("too-large", `refused: ${basename(path)} is larger than 2 MB`);
  }
  return readFile(path);
}

/**
 * Runs `ingest <target>`. Refusals and failures are reported, not thrown: exit code 1 with the reason
 * (`{"error":{"code","message"}}` with `--json`), 2 for a missing argument.
 */
export async function runIngestCommand(
  target: string | undefined,
  options: IngestCommandOptions,
): Promise<IngestCommandOutput> {
  if (!target) {
    return { stdout: "ingest: give a URL or a .md, .txt or .html file", exitCode: 2 };
  }
  const context: IngestContext = { knowledgeDir: options.knowledgeDir, allowlist: options.allowlist };
  try {
    const result = isUrl(target)
      ? await ingestUrl(target, options.guild, context)
      : await ingestFile(basename(target), await readUpload(target), options.guild, context);
    const summary = summarise(result);
    if (options.json) return { stdout: JSON.stringify(summary), exitCode: 0 };
    const about = [summary.date, summary.source].filter(Boolean).join(", ");
    return {
      stdout: `Added "${summary.title}"${about ? ` (${about})` : ""} as ${summary.id}: ${summary.sentences} sentence${summary.sentences === 1 ? "" : "s"}.`,
      exitCode: 0,
    };
  } catch (error) {
    if (!(error instanceof IngestError)) throw error;
    if (options.json)
      return { stdout: JSON.stringify({ error: { code: error.code, message: error.message } }), exitCode: 1 };
    return { stdout: error.message, exitCode: 1 };
  }
}
