import { expect, it } from "vitest";
import * as ingest from "../../src/ingest/index.ts";

it("GIVEN the ingest module WHEN imported THEN its public surface is exactly this list", () => {
  expect(Object.keys(ingest).sort()).toEqual([
    "DuplicateArticleError",
    "FEED_DEFAULTS",
    "FETCH_DEFAULTS",
    "FeedPoller",
    "IngestError",
    "RateLimiter",
    "UPLOAD_EXTENSIONS",
    "classifyAddress",
    "extractArticle",
    "extractArticleOffThread",
    "fromPlainText",
    "fromUpload",
    "ingestFile",
    "ingestText",
    "ingestUrl",
    "isAllowed",
    "isForbiddenAddress",
    "isIngestError",
    "listArticles",
    "parseAllowlist",
    "parseFeed",
    "removeArticle",
    "removeStaleTempFiles",
    "runIngestCommand",
    "safeFetch",
    "saveArticle",
    "stopExtractWorker",
    "summarise",
    "toMarkdownFile",
    "writeFileAtomic",
  ]);
});
