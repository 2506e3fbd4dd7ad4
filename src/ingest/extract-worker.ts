/** Worker thread body for `extract-pool.ts`: runs `extractArticle` off the main thread. */
import { parentPort } from "node:worker_threads";
import { IngestError } from "./errors.ts";
import { type ExtractOptions, extractArticle } from "./extract.ts";

export interface ExtractRequest {
  readonly id: number;
  readonly html: string;
  readonly pageUrl: string | null;
  readonly options: ExtractOptions;
}

parentPort?.on("message", (request: ExtractRequest) => {
  try {
    const article = extractArticle(request.html, request.pageUrl, request.options);
    parentPort?.postMessage({ id: request.id, article });
  } catch (error) {
    const ingest = error instanceof IngestError;
    parentPort?.postMessage({
      id: request.id,
      error: { code: ingest ? error.code : null, message: (error as Error)?.message ?? String(error) },
    });
  }
});
