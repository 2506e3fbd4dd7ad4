/**
 * The data model shared by every part of Newsdesk. Pure data: no I/O, no Discord.
 */

/** Something that can receive diagnostics; pino loggers satisfy it. */
export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

/** A logger that drops everything (the default for core functions). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** One sentence of an article, verbatim, with its position. */
export interface Sentence {
  /** The sentence exactly as the article has it (hard wraps joined with a space). */
  readonly text: string;
  /** 1-based paragraph number within the article. */
  readonly paragraph: number;
  /** 1-based sentence number within the article (counting across paragraphs). */
  readonly position: number;
}

/** Metadata of an article, as the file gives it. Dates are never invented. */
export interface ArticleMeta {
  /** Stable id derived from the file's path relative to the knowledge folder, without extension. */
  readonly id: string;
  readonly title: string;
  /** As the article gives it (front matter `date` or the plain-text dateline), or null. */
  readonly date: string | null;
  readonly source: string | null;
  readonly url: string | null;
  readonly author: string | null;
  readonly section: string | null;
  readonly dateline: string | null;
  readonly tags: readonly string[];
  /** Discord server that added the article; null for shared knowledge. */
  readonly guild: string | null;
}

/** A parsed article: metadata plus its sentences in order. */
export interface Article extends ArticleMeta {
  readonly sentences: readonly Sentence[];
}

/** Where a quoted sentence comes from. */
export interface Citation {
  readonly article: string;
  readonly title: string;
  readonly date: string | null;
  readonly source: string | null;
  readonly url: string | null;
  readonly paragraph: number;
  readonly sentence: number;
}

/** A quoted sentence with its citation: the unit every answer is made of. */
export interface Passage {
  /** The sentence verbatim. */
  readonly text: string;
  readonly score: number;
  readonly context: { readonly before: string | null; readonly after: string | null };
  /** Words of `text` (as they appear in it) that matched the query, for highlighting. */
  readonly terms: readonly string[];
  readonly citation: Citation;
}

/** The outcome of a query, independent of how it is shown. */
export interface Answer {
  readonly command: "ask";
  readonly query: string;
  /** `ok`: results found; `no-match`: nothing relevant; `invalid`: the query itself is unusable. */
  readonly status: "ok" | "no-match" | "invalid";
  /** A user-facing explanation when status is not `ok`. */
  readonly message: string | null;
  /** "Did you mean" suggestions when nothing matched. */
  readonly suggestions: readonly string[];
  readonly results: readonly Passage[];
}
