/**
 * Article parsing: one file's text in, one Article out. Pure (the caller reads the file).
 *
 * `.md` files carry YAML front matter (title, date, source, url, author, section, dateline, tags) and
 * blank-line separated paragraphs. `.txt` files are plain text as scraped from the web: an optional leading
 * dateline, hard-wrapped lines and page furniture (`0 Comments`, `Share this article`) that is dropped.
 */
import frontMatter from "front-matter";
import { endsSentence, splitSentences } from "./sentences.ts";
import type { Article, Sentence } from "./types.ts";

interface FrontMatterFn {
  (text: string): { attributes: unknown; body: string; frontmatter?: string };
  test(text: string): boolean;
}
/** front-matter is CommonJS: under Node's ESM interop the default import is the function itself. */
const fm = frontMatter as unknown as FrontMatterFn;

/** A file that cannot become an article; `reason` is user-facing. */
export class ArticleError extends Error {
  readonly file: string;
  readonly reason: string;
  constructor(file: string, reason: string) {
    super(`knowledge: ${file}: ${reason}`);
    this.name = "ArticleError";
    this.file = file;
    this.reason = reason;
  }
}

/**
 * The stable id of an article: its path relative to the knowledge folder, posix separators, no extension.
 *
 * @example articleIdFromPath("bbc\\business-001.md") // → "bbc/business-001"
 */
export function articleIdFromPath(relativePath: string): string {
  const posix = relativePath
    .replace(/\\/g, "/")
    .replace(/^(?:\.\/)+/, "")
    .replace(/^\/+/, "");
  return posix.replace(/\.[^./]+$/, "");
}

/** The guild an article belongs to when it lives under `guilds/<id>/`. */
function guildFromPath(relativePath: string): string | null {
  const m = /^guilds\/([^/]+)\//.exec(relativePath.replace(/\\/g, "/").replace(/^(?:\.\/)+/, ""));
  return m?.[1] ?? null;
}

// ---------------------------------------------------------------------------------------------------------
// Page furniture

const MONTHS =
  "(?:Jan(?:uary|\\.)?|Feb(?:ruary|\\.)?|Mar(?:ch|\\.)?|Apr(?:il|\\.)?|May|June?|July?|Aug(?:ust|\\.)?|" +
  "Sept?(?:ember|\\.)?|Oct(?:ober|\\.)?|Nov(?:ember|\\.)?|Dec(?:ember|\\.)?)";
const WEEKDAYS = "(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs?)?|Fri|Sat(?:ur)?|Sun)(?:day)?\\.?";

/** Whole lines that are scraped page chrome, not article text. */
const FURNITURE: RegExp[] = [
  /^\d[\d,.]*k?\s+(?:comments?|shares?|replies|responses)$/i,
  /^(?:no |view |show |load |see )?(?:all )?(?:\d+ )?comments?(?: \(\d+\))?$/i,
  /^(?:share|share this|share this (?:article|story|page|post)|share on \w+|share via \w+)(?: on \w+)?:?$/i,
  /^(?:advertisement|advertising|sponsored(?: content)?|ad|promoted|story continues below(?: advertisement)?)$/i,
  /^(?:read more|read more:.{0,120}|continue reading.{0,60}|read the full (?:article|story).{0,60})$/i,
  /^(?:subscribe|subscribe now|subscribe to .{0,80})$/i,
  /^sign up(?: now)?(?: for| to)? .{0,80}$/i,
  /^(?:sign up|log in|login|sign in|register)$/i,
  /^follow (?:us|me)\b.{0,80}$/i,
  /^(?:tweet|email|print|facebook|twitter|whatsapp|linkedin|reddit|pinterest|copy link|x)$/i,
  /^(?:skip to (?:main )?content|back to top|top of page|jump to comments)$/i,
  /^(?:related|related (?:articles|stories|content|topics)|more (?:from|on) .{0,60}|recommended(?: for you)?|most read|trending)$/i,
  /^(?:click|tap) here\b.{0,100}$/i,
  /^(?:©|\(c\)|copyright\s*(?:©|\(c\))?\s*\d{4}\b).{0,160}$/i,
  /^all rights reserved\.?$/i,
  // Wire-service trailers: `REUTER`, `Reuter...`, `REUTER^M`, a continuation marker `MORE`.
  /^(?:REUTERS?|Reuters?)(?:\s*\.{2,})?(?:\s*\^M)?(?:\s+\p{Lu}{1,3})?$/u,
  /^(?:\^M|MORE|More)$/,
  /^(?:image|photo|picture)(?: credit)?:.{0,120}$/i,
  /^(?:we use cookies|this (?:web)?site uses cookies|by (?:continuing|using) (?:to use )?(?:this|our) (?:web)?site|accept (?:all )?cookies|cookie (?:policy|settings|preferences)).{0,300}$/i,
  /^(?:accept|reject|manage)(?: all)?(?: cookies)?$/i,
  /^(?:newsletter|get our newsletter|sign up for our newsletter)[^.!?]{0,80}$/i,
];

/** Furniture glued after the last sentence of a paragraph (`...agreed upon.0 Comments`). */
const GLUED_FURNITURE =
  /([.!?…]["'”’)]*)\s*(?:\d+\s+comments?|share this (?:article|story)|advertisement|read more|subscribe(?: now)?)\s*$/i;
/** The wire-service sign-off glued to the end of a paragraph: `... 13.1 mln REUTER`, `...said. REUTER...^M`. */
const WIRE_TRAILER = /\s+REUTERS?(?:\s*\.{2,})?(?:\s*\^M)?(?:\s+\p{Lu}{1,3})?\s*$/u;

function isFurniture(line: string): boolean {
  const t = line.trim();
  if (t === "" || t.length > 320) return false;
  return FURNITURE.some((re) => re.test(t));
}

// ---------------------------------------------------------------------------------------------------------
// Dates and datelines

/** `Thursday, October 16, 2025 - ` / `October 16, 2025 — ` / `2025-10-16 - ` at the start of the text. */
const DATE_DATELINE = new RegExp(
  `^\\s*((?:${WEEKDAYS},?\\s+)?(?:${MONTHS}\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+\\d{4}|\\d{1,2}\\s+${MONTHS},?\\s+\\d{4}|\\d{4}-\\d{2}-\\d{2}))\\s*[-–—|:]\\s+`,
  "u",
);
/** `WASHINGTON, Feb 26 - ` / `LONDON (Reuters) - ` (a place in capitals, optional date or agency). */
const PLACE_DATELINE = new RegExp(
  `^\\s*(\\p{Lu}[\\p{Lu}.' -]{1,40}(?:,\\s*[\\p{L}.' ]{2,30})?(?:,\\s*${MONTHS}\\s+\\d{1,2}(?:,\\s*\\d{4})?)?(?:\\s*\\([\\p{L} ]{2,30}\\))?)\\s*[-–—]\\s+`,
  "u",
);

/** A line that is only a date: `Thursday, October 16, 2025`, `16 October 2025 14:05 GMT`, `2025-10-16`. */
const DATE_LINE = new RegExp(
  `^\\s*((?:${WEEKDAYS},?\\s+)?(?:${MONTHS}\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+\\d{4}|\\d{1,2}\\s+${MONTHS},?\\s+\\d{4}|\\d{4}-\\d{2}-\\d{2})(?:,?\\s+(?:at\\s+)?\\d{1,2}[:.]\\d{2}(?:\\s*[ap]\\.?m\\.?)?(?:\\s+[A-Z]{2,4})?)?)\\s*$`,
  "iu",
);
/** A byline: `By Jane Smith`, `By Jane Smith and John Doe, BBC News`. */
const BYLINE =
  /^\s*(?:By|BY|by)\s+(\p{Lu}[\p{L}.'’-]*(?:\s+(?:\p{Lu}[\p{L}.'’-]*|and|de|da|van|von|der|al|bin)){0,6})(?:\s*[,|–—-]\s*[^.!?]{0,60})?\s*$/u;

interface Dateline {
  dateline: string;
  date: string | null;
  rest: string;
}

function takeDateline(firstLine: string): Dateline | null {
  const d = DATE_DATELINE.exec(firstLine);
  if (d) {
    const dateline = d[1]!.trim();
    return { dateline, date: dateline, rest: firstLine.slice(d[0].length) };
  }
  const p = PLACE_DATELINE.exec(firstLine);
  if (p && /\p{Lu}{2}/u.test(p[1]!) && /^["'“‘(]?[\p{Lu}\p{N}]/u.test(firstLine.slice(p[0].length))) {
    const dateline = p[1]!.trim();
    const date = new RegExp(`${MONTHS}\\s+\\d{1,2}(?:,\\s*\\d{4})?`).exec(dateline);
    return { dateline, date: date ? date[0] : null, rest: firstLine.slice(p[0].length) };
  }
  return null;
}

/** Front matter values as text; YAML Dates go back to the form the file used. */
function rawScalar(frontmatter: string, key: string): string | null {
  const m = new RegExp(`^${key}\\s*:\\s*(.+?)\\s*$`, "m").exec(frontmatter);
  if (!m) return null;
  return m[1]!.replace(/\s+#.*$/, "").replace(/^(["'])(.*)\1$/, "$2");
}

function dateToText(value: Date, raw: string | null): string {
  if (raw && !Number.isNaN(Date.parse(raw))) return raw;
  const iso = value.toISOString();
  return iso.endsWith("T00:00:00.000Z") ? iso.slice(0, 10) : iso.replace(".000Z", "Z");
}

function textField(attrs: Record<string, unknown>, frontmatter: string, key: string): string | null {
  const value = attrs[key];
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return dateToText(value, rawScalar(frontmatter, key));
  if (typeof value === "string") {
    const t = value.trim();
    return t === "" ? null : t;
  }
  if (typeof value === "number" || typeof value === "boolean")
    return rawScalar(frontmatter, key) ?? String(value);
  return null;
}

function tagsField(value: unknown): string[] {
  if (Array.isArray(value)) {
    return value
      .filter((v) => v !== null && v !== undefined && typeof v !== "object")
      .map((v) => String(v).trim())
      .filter(Boolean);
  }
  if (typeof value === "string")
    return value
      .split(",")
      .map((t) => t.trim())
      .filter(Boolean);
  return [];
}

// ---------------------------------------------------------------------------------------------------------
// Bodies

/** Light Markdown cleanup so quotes read as the article does: links keep their text, markers go. */
function stripMarkdownLine(line: string): string {
  if (!/[[#>]/.test(line)) return line;
  return line
    .replace(/!\[[^\]]*\]\([^)]*\)/g, "")
    .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
    .replace(/^\s{0,3}#{1,6}\s+/, "")
    .replace(/\s+#+\s*$/, "")
    .replace(/^\s{0,3}>\s?/, "");
}

/** Splits a body into paragraphs: blank-line separated blocks, furniture removed. */
function blocks(lines: string[]): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  for (const line of lines) {
    if (line.trim() === "") {
      if (current.length > 0) out.push(current);
      current = [];
    } else if (!isFurniture(line)) {
      current.push(line);
    }
  }
  if (current.length > 0) out.push(current);
  return out;
}

const FUNCTION_WORD_END =
  /\b(?:the|a|an|of|to|in|on|at|for|from|by|with|and|or|but|that|which|who|as|is|was|were|has|had|have|its|his|her|their|our|this|these|those)$/i;

/** A short line that reads like a sub-heading inside unbroken plain text (`Background`, `What happens next`). */
function isHeadingLine(line: string, previous: string | undefined, next: string | undefined): boolean {
  const t = line.trim();
  if (t.length > 50 || t.split(/\s+/).length > 6 || endsSentence(t) || /[,;:–—-]$/.test(t)) return false;
  if (FUNCTION_WORD_END.test(t) || !/^["'“‘(]?[\p{Lu}\p{N}]/u.test(t)) return false;
  if (previous !== undefined && !endsSentence(previous)) return false;
  return next !== undefined && /^\s*["'“‘(]?\p{Lu}/u.test(next);
}

/**
 * Paragraphs of a plain-text body that has no blank lines, read from its line structure: in hard-wrapped text
 * (some lines run on) a line that ends a sentence ends the paragraph, unless the next line goes on in lowercase;
 * when every line ends a sentence, each line is a paragraph; short heading-like lines stand alone.
 */
function splitWrappedBlock(block: string[]): string[][] {
  if (block.length < 2) return [block];
  const ends = block.filter((l) => endsSentence(l)).length;
  const out: string[][] = [];
  let current: string[] = [];
  const flush = (): void => {
    if (current.length > 0) out.push(current);
    current = [];
  };
  for (const [i, line] of block.entries()) {
    if (isHeadingLine(line, block[i - 1], block[i + 1])) {
      flush();
      out.push([line]);
      continue;
    }
    current.push(line);
    const nextLine = block[i + 1];
    const continues = nextLine !== undefined && /^\s*["'“‘(]*\p{Ll}/u.test(nextLine);
    if (ends >= 2 && endsSentence(line) && !continues) flush();
  }
  flush();
  return out;
}

function dropGluedFurniture(paragraph: string): string {
  return paragraph.replace(WIRE_TRAILER, "").replace(GLUED_FURNITURE, "$1");
}

/**
 * Rejoins a sentence that a scraper broke across paragraphs: a paragraph without terminal punctuation followed
 * by one that starts in lowercase (`...Ireland's` + `took the men's title`). A headline before a capitalised
 * paragraph stays on its own.
 */
function joinBrokenParagraphs(paragraphs: string[]): string[] {
  const out: string[] = [];
  for (const p of paragraphs) {
    const last = out.length - 1;
    if (
      last >= 0 &&
      !endsSentence(out[last]!) &&
      /^\s*\p{Ll}/u.test(p) &&
      !/^\s*(?:[-*•]|\d+[.)])\s/.test(p)
    ) {
      out[last] = `${out[last]!.trimEnd()} ${p.trimStart()}`;
    } else {
      out.push(p);
    }
  }
  return out;
}

/** Derives a short title from the first sentence: cut on a word boundary near 80 characters. */
export function deriveTitle(sentence: string, max = 80): string {
  const s = sentence.trim().replace(/\s+/g, " ");
  if (s.length <= max) return s.replace(/(?<!\.)\.$/, "");
  const cut = s.slice(0, max + 1);
  const space = cut.lastIndexOf(" ");
  const head = (space > max / 2 ? cut.slice(0, space) : s.slice(0, max)).replace(/[\s,;:–—-]+$/, "");
  return `${head}…`;
}

function toSentences(paragraphs: string[]): Sentence[] {
  const sentences: Sentence[] = [];
  let paragraph = 0;
  for (const p of paragraphs) {
    const parts = splitSentences(p);
    if (parts.length === 0) continue;
    paragraph++;
    for (const text of parts) sentences.push({ text, paragraph, position: sentences.length + 1 });
  }
  return sentences;
}

interface ParsedMeta {
  title: string | null;
  date: string | null;
  source: string | null;
  url: string | null;
  author: string | null;
  section: string | null;
  dateline: string | null;
  tags: string[];
}

const EMPTY_META: ParsedMeta = {
  title: null,
  date: null,
  source: null,
  url: null,
  author: null,
  section: null,
  dateline: null,
  tags: [],
};

function parseFrontMatter(file: string, text: string): { meta: ParsedMeta; body: string } {
  const startsWithFence = /^---[ \t]*(?:\n|$)/.test(text);
  if (!startsWithFence) return { meta: { ...EMPTY_META }, body: text };
  if (!fm.test(text)) throw new ArticleError(file, "broken front matter: no closing '---'");
  let parsed: ReturnType<FrontMatterFn>;
  try {
    parsed = fm(text);
  } catch (err) {
    const msg = err instanceof Error ? (err.message.split("\n")[0] ?? err.message) : String(err);
    throw new ArticleError(file, `broken front matter: ${msg}`);
  }
  const attrs = parsed.attributes;
  if (attrs === null || typeof attrs !== "object" || Array.isArray(attrs)) {
    throw new ArticleError(file, "broken front matter: not a key/value mapping");
  }
  const a = attrs as Record<string, unknown>;
  const raw = parsed.frontmatter ?? "";
  return {
    meta: {
      title: textField(a, raw, "title"),
      date: textField(a, raw, "date"),
      source: textField(a, raw, "source"),
      url: textField(a, raw, "url"),
      author: textField(a, raw, "author"),
      section: textField(a, raw, "section"),
      dateline: textField(a, raw, "dateline"),
      tags: tagsField(a.tags),
    },
    body: parsed.body,
  };
}

interface Header {
  lines: string[];
  title: string | null;
  date: string | null;
  dateline: string | null;
  author: string | null;
}

/**
 * Reads what precedes the text of a plain article: a headline (a short line without terminal punctuation,
 * followed by a blank line), a byline (`By Jane Smith`), a date on its own line, and a dateline opening the
 * first paragraph (`Thursday, October 16, 2025 - `, `WASHINGTON, Feb 26 - `). What is recognised is removed.
 */
function takeHeader(input: string[], want: { wantTitle: boolean; wantDateline: boolean }): Header {
  const lines = [...input];
  const header: Header = { lines, title: null, date: null, dateline: null, author: null };
  const nextContent = (from: number): number => {
    let i = from;
    while (i < lines.length && (lines[i]!.trim() === "" || isFurniture(lines[i]!))) i++;
    return i;
  };
  let i = nextContent(0);
  for (let scanned = 0; scanned < 4 && i < lines.length; scanned++) {
    const line = lines[i]!.trim();
    const followedByBlank = i + 1 >= lines.length || lines[i + 1]!.trim() === "";
    const dateOnly = DATE_LINE.exec(line);
    const byline = BYLINE.exec(line);
    if (dateOnly && want.wantDateline && header.date === null) {
      header.date = dateOnly[1]!.trim();
      header.dateline ??= header.date;
    } else if (byline && header.author === null) {
      header.author = byline[1]!.trim();
    } else if (
      scanned === 0 &&
      want.wantTitle &&
      followedByBlank &&
      line.length <= 150 &&
      !endsSentence(line) &&
      takeDateline(line) === null &&
      nextContent(i + 1) < lines.length
    ) {
      header.title = line;
    } else {
      break;
    }
    lines[i] = "";
    i = nextContent(i + 1);
  }
  if (want.wantDateline && header.dateline === null && i < lines.length) {
    const found = takeDateline(lines[i]!);
    if (found) {
      header.dateline = found.dateline;
      header.date ??= found.date;
      lines[i] = found.rest;
    }
  }
  return header;
}

const comparable = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();

/** Normalises newlines, strips a BOM and rejects text that cannot be an article. */
function normaliseText(file: string, content: string): string {
  if (content.includes("\u0000")) throw new ArticleError(file, "binary file (contains NUL bytes)");
  const text = content
    .replace(/^\uFEFF/, "")
    .replace(/\r\n?/g, "\n")
    .replace(INVISIBLE, "")
    .replace(CONTROL, " ");
  if (text.trim() === "") throw new ArticleError(file, "empty file");
  return text;
}

/** Invisible characters that split words for search: soft hyphen, zero-width space, word joiner, stray BOMs. */
const INVISIBLE = /[\u00AD\u200B\u2060\uFEFF]/g;
/** Control characters other than tab and newline. */
const CONTROL = /[^\P{Cc}\t\n]/gu;

const NAMED_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00A0",
  ndash: "–",
  mdash: "—",
  lsquo: "‘",
  rsquo: "’",
  ldquo: "“",
  rdquo: "”",
  hellip: "…",
  pound: "£",
  euro: "€",
};

/** Decodes HTML character references left by scraping (`&#233;` → `é`, `&amp;` → `&`). */
export function decodeEntities(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(
    /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{2,8}));/g,
    (whole, dec, hex, name) => {
      if (name !== undefined) return NAMED_ENTITIES[name as string] ?? whole;
      const code =
        dec !== undefined ? Number.parseInt(dec as string, 10) : Number.parseInt(hex as string, 16);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)
        ? String.fromCodePoint(code)
        : whole;
    },
  );
}

/**
 * Parses one knowledge file into an Article.
 *
 * @example
 * parseArticle({ path: "syria.txt", content: "Thursday, October 16, 2025 - Syria's President ..." })
 * // → { id: "syria", date: "Thursday, October 16, 2025", sentences: [{ text: "Syria's President ...", paragraph: 1, position: 1 }, ...] }
 * @throws ArticleError when the file is empty, binary, has broken front matter or no sentences.
 */
export function parseArticle(input: { path: string; content: string; guild?: string | null }): Article {
  const file = input.path.replace(/\\/g, "/");
  const text = normaliseText(file, input.content);
  const isMarkdown = /\.(?:md|markdown)$/i.test(file);
  const { meta, body } = isMarkdown ? parseFrontMatter(file, text) : { meta: { ...EMPTY_META }, body: text };

  // Rules and setext underlines (`-----`, `=====`, `* * *`) separate paragraphs like a blank line.
  let lines = decodeEntities(body)
    .split("\n")
    .map((l) => (/^\s*(?:([-=*_~#])\s*)\1(?:\s*\1)+\s*$/.test(l) ? "" : l));
  if (isMarkdown) {
    lines = lines.filter((l) => !/^\s*<!--.*-->\s*$/.test(l)).map(stripMarkdownLine);
  }
  let title = meta.title === null ? null : decodeEntities(meta.title);
  let date = meta.date;
  let dateline = meta.dateline;

  // A Markdown body that repeats its front matter title as a heading: the heading is not a sentence.
  if (title !== null) {
    const at = lines.findIndex((l) => l.trim() !== "");
    if (at >= 0 && comparable(lines[at]!) === comparable(title)) lines[at] = "";
  }
  const header = takeHeader(lines, {
    wantTitle: title === null,
    wantDateline: !isMarkdown || (dateline === null && date === null),
  });
  lines = header.lines;
  title ??= header.title;
  date ??= header.date;
  dateline ??= header.dateline;
  const author = meta.author ?? header.author;

  let paragraphLines = blocks(lines);
  if (!isMarkdown && paragraphLines.length === 1) paragraphLines = splitWrappedBlock(paragraphLines[0]!);
  const paragraphs = joinBrokenParagraphs(
    paragraphLines.map((b) => dropGluedFurniture(b.join("\n"))).filter((p) => p.trim() !== ""),
  );
  const sentences = toSentences(paragraphs);
  if (sentences.length === 0) throw new ArticleError(file, "no sentences");

  return {
    id: articleIdFromPath(file),
    title: title ?? deriveTitle(sentences[0]!.text),
    date,
    source: meta.source,
    url: meta.url,
    author,
    section: meta.section,
    dateline,
    tags: meta.tags,
    guild: guildFromPath(file) ?? input.guild ?? null,
    sentences,
  };
}
