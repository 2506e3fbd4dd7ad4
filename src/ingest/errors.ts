/**
 * The one error class of the ingestion pipeline. Its message is safe to show to the moderator who asked:
 * it says what was refused and why, never a stack trace or an internal path outside the knowledge folder.
 */
export type IngestErrorCode =
  | "invalid-url"
  | "refused"
  | "dns"
  | "redirect"
  | "timeout"
  | "too-large"
  | "content-type"
  | "http-status"
  | "network"
  | "extract"
  | "duplicate"
  | "not-found"
  | "invalid-file"
  | "rate-limited"
  | "feed";

export class IngestError extends Error {
  override readonly name = "IngestError";
  readonly code: IngestErrorCode;
  /** The HTTP status when `code` is `http-status`. */
  readonly status: number | null;

  constructor(code: IngestErrorCode, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? null;
  }
}

export function isIngestError(error: unknown): error is IngestError {
  return error instanceof IngestError;
}
