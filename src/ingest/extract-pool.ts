/**
 * `extractArticle` on a worker thread: Readability over a large page takes seconds of CPU, which on the main
 * thread would stall every other interaction of the bot. One worker is started lazily and reused; it never
 * keeps the process alive. If the worker cannot run (e.g. TypeScript cannot be loaded there), extraction falls
 * back to the main thread, with the same results.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { IngestError, type IngestErrorCode } from "./errors.ts";
import { type ExtractedArticle, type ExtractOptions, extractArticle } from "./extract.ts";
import type { ExtractRequest } from "./extract-worker.ts";

interface Pending {
  resolve(article: ExtractedArticle): void;
  reject(error: unknown): void;
  request: ExtractRequest;
}

interface Reply {
  readonly id: number;
  readonly article?: ExtractedArticle;
  readonly error?: { code: IngestErrorCode | null; message: string };
}

let worker: Worker | null = null;
let disabled = false;
let nextId = 1;
const pending = new Map<number, Pending>();

/**
 * Node 20 does not apply the main thread's TypeScript loader to a worker's entry module, so a small bootstrap
 * registers tsx's loader inside the worker and then imports the worker module.
 */
function spawnWorker(): Worker {
  const entry = new URL("./extract-worker.ts", import.meta.url);
  // `require.resolve` gives the CommonJS build; its ES module twin sits next to it.
  const tsxApi = pathToFileURL(
    createRequire(import.meta.url)
      .resolve("tsx/esm/api")
      .replace(/\.cjs$/, ".mjs"),
  );
  const bootstrap = [
    `import(${JSON.stringify(tsxApi.href)})`,
    "  .then((tsx) => { tsx.register(); })",
    `  .then(() => import(${JSON.stringify(entry.href)}))`,
    "  .catch((error) => { setImmediate(() => { throw error; }); });",
  ].join("\n");
  return new Worker(bootstrap, { eval: true });
}

/** Runs every waiting request on the main thread and stops using the worker. */
function fallBack(): void {
  disabled = true;
  worker = null;
  for (const [id, job] of pending) {
    pending.delete(id);
    try {
      job.resolve(extractArticle(job.request.html, job.request.pageUrl, job.request.options));
    } catch (error) {
      job.reject(error);
    }
  }
}

function startWorker(): Worker | null {
  if (disabled) return null;
  if (worker) return worker;
  try {
    worker = spawnWorker();
  } catch {
    disabled = true;
    return null;
  }
  worker.unref();
  worker.on("message", (reply: Reply) => {
    const job = pending.get(reply.id);
    if (!job) return;
    pending.delete(reply.id);
    if (pending.size === 0) worker?.unref();
    if (reply.article) job.resolve(reply.article);
    else if (reply.error?.code) job.reject(new IngestError(reply.error.code, reply.error.message));
    else job.reject(new IngestError("extract", `extract: ${reply.error?.message ?? "failed"}`));
  });
  worker.on("error", fallBack);
  worker.on("exit", () => {
    if (pending.size > 0) fallBack();
    worker = null;
  });
  return worker;
}

/** Same contract as `extractArticle`, off the main thread when possible. */
export function extractArticleOffThread(
  html: string,
  pageUrl: string | null,
  options: ExtractOptions = {},
): Promise<ExtractedArticle> {
  const thread = startWorker();
  if (!thread) return Promise.resolve().then(() => extractArticle(html, pageUrl, options));
  const request: ExtractRequest = { id: nextId++, html, pageUrl, options };
  return new Promise((resolve, reject) => {
    pending.set(request.id, { resolve, reject, request });
    thread.ref();
    thread.postMessage(request);
  });
}

/** Where extraction runs now: on the worker, on the main thread after a fallback, or not started yet. */
export function extractWorkerState(): "worker" | "main-thread" | "idle" {
  if (disabled) return "main-thread";
  return worker ? "worker" : "idle";
}

/** Stops the worker (tests, shutdown). */
export async function stopExtractWorker(): Promise<void> {
  const current = worker;
  worker = null;
  if (current) await current.terminate();
}
