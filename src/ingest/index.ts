/**
 * Ingestion: adding articles from URLs, files, pasted text and feeds. The public surface for the Discord
 * commands, the CLI and `main.ts`; see each module for details.
 */
export {
  type AllowEntry,
  type Allowlist,
  classifyAddress,
  isAllowed,
  isForbiddenAddress,
  parseAllowlist,
} from "./address.ts";
export { type IngestCommandOptions, type IngestSummary, runIngestCommand, summarise } from "./cli.ts";
export { IngestError, type IngestErrorCode, isIngestError } from "./errors.ts";
export {
  type ExtractedArticle,
  extractArticle,
  fromPlainText,
  fromUpload,
  toMarkdownFile,
  UPLOAD_EXTENSIONS,
} from "./extract.ts";
export { extractArticleOffThread, stopExtractWorker } from "./extract-pool.ts";
export {
  FEED_DEFAULTS,
  type FeedItem,
  FeedPoller,
  type FeedPollerOptions,
  type FeedRecord,
  type PollReport,
  parseFeed,
} from "./feeds.ts";
export { FETCH_DEFAULTS, type FetchResult, type SafeFetchOptions, safeFetch } from "./fetch.ts";
export { type IngestContext, type IngestResult, ingestFile, ingestText, ingestUrl } from "./ingest.ts";
export { RateLimiter, type RateLimitOptions } from "./rate-limit.ts";
export {
  DuplicateArticleError,
  listArticles,
  removeArticle,
  removeStaleTempFiles,
  type SavedArticle,
  type StoredArticle,
  saveArticle,
  writeFileAtomic,
} from "./store.ts";
