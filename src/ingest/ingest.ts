/**
 * The ingestion pipeline in one call per input: a URL, an uploaded file or pasted text becomes a knowledge
 * file of a server (or of everyone when `guildId` is null). Discord commands, the CLI and the feed poller all
 * go through here.
 *
 * @example
 * const context = { knowledgeDir: "knowledge", allowlist: parseAllowlist(config.ingestAllowlist), limiter };
 * const { saved, article } = await ingestUrl("https://news.example/a", "123456789012345678", context);
 */
import { parseArticle } from "../core/articles.ts";
import type { Article } from "../core/types.ts";
import type { Allowlist } from "./address.ts";
import { IngestError } from "./errors.ts";
import { type ExtractedArticle, fromPlainText, fromUpload, toMarkdownFile } from "./extract.ts";
import { extractArticleOffThread } from "./extract-pool.ts";
import { decodeBody, FETCH_DEFAULTS, type FetchResult, type Resolver, safeFetch } from "./fetch.ts";
import type { RateLimiter } from "./rate-limit.ts";
import { type SavedArticle, saveArticle } from "./store.ts";

export interface IngestContext {
  readonly knowledgeDir: string;
  readonly allowlist: Allowlist;
  /** Per-server limit; the CLI without a server uses the key "cli". */
  readonly limiter?: RateLimiter;
  readonly resolve?: Resolver;
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
}

export interface IngestResult {
  readonly saved: SavedArticle;
  readonly article: ExtractedArticle;
  /** The saved file as the knowledge loader reads it (id, guild, sentences). */
  readonly parsed: Article;
  readonly markdown: string;
  /** The fetch, for URL ingestion. */
  readonly fetched: FetchResult | null;
}

function take(context: IngestContext, guildId: string | null): void {
  context.limiter?.takeOrThrow(guildId ?? "cli");
}

/** Parses the file as the knowledge loader will, so an article without sentences is refused before saving. */
function parseAsKnowledge(path: string, markdown: string, guildId: string | null): Article {
  try {
    return parseArticle({ path, content: markdown, guild: guildId });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new IngestError("extract", `extract: the article cannot be read as knowledge (${reason})`, {
      cause: error,
    });
  }
}

async function save(
  context: IngestContext,
  guildId: string | null,
  article: ExtractedArticle,
  fetched: FetchResult | null,
): Promise<IngestResult> {
  const markdown = toMarkdownFile(article);
  parseAsKnowledge("new-article.md", markdown, guildId);
  const saved = await saveArticle(context.knowledgeDir, guildId, markdown);
  const parsed = parseAsKnowledge(`${saved.id}.md`, markdown, guildId);
  return { saved, article, parsed, markdown, fetched };
}

/** Fetches a page under the SSRF rules, extracts its article and saves it. */
export async function ingestUrl(
  url: string,
  guildId: string | null,
  context: IngestContext,
): Promise<IngestResult> {
  take(context, guildId);
  const options = {
    allowlist: context.allowlist,
    ...(context.resolve ? { resolve: context.resolve } : {}),
    ...(context.timeoutMs ? { timeoutMs: context.timeoutMs } : {}),
    ...(context.maxBytes ? { maxBytes: context.maxBytes } : {}),
  };
  const fetched = await safeFetch(url, options);
  const type = fetched.contentType ?? "";
  if (type !== "text/html" && type !== "application/xhtml+xml" && type !== "text/plain") {
    throw new IngestError(
      "content-type",
      `refused: ${fetched.url} is ${type} (a feed?), not an article page; follow feeds with /feed add`,
    );
  }
  let article: ExtractedArticle;
  if (type === "text/plain") {
    const plain = fromUpload("page.txt", fetched.text);
    article = { ...plain, url: fetched.url, source: new URL(fetched.url).hostname.replace(/^www\./, "") };
  } else {
    article = await extractArticleOffThread(fetched.text, fetched.url);
  }
  return save(context, guildId, article, fetched);
}

/** Saves an uploaded `.md`, `.txt` or `.html` file (at most 2 MB). */
export async function ingestFile(
  fileName: string,
  content: Uint8Array,
  guildId: string | null,
  context: IngestContext,
): Promise<IngestResult> {
  const maxBytes = context.maxBytes ?? FETCH_DEFAULTS.maxBytes;
  if (content.length > maxBytes) {
    throw new IngestError(
      "too-large",
      `refused: ${fileName} is larger than ${Math.round(maxBytes / 1024 / 1024)} MB`,
    );
  }
  take(context, guildId);
  if (/\.html?$/i.test(fileName)) {
    if (content.includes(0)) throw new IngestError("invalid-file", `refused: ${fileName}: binary content`);
    const html = decodeBody(content, null, "text/html").text;
    return save(context, guildId, await extractArticleOffThread(html, null), null);
  }
  return save(context, guildId, fromUpload(fileName, content), null);
}

/** Saves pasted text under a title. */
export async function ingestText(
  title: string,
  text: string,
  guildId: string | null,
  context: IngestContext,
): Promise<IngestResult> {
  take(context, guildId);
  return save(context, guildId, fromPlainText(title, text), null);
}
