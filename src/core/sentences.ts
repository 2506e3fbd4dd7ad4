/**
 * Sentence splitting for news text. Pure.
 *
 * The boundaries come from `Intl.Segmenter` (ICU's Unicode sentence rules), which already handles decimals,
 * money, ellipses before lowercase words and quotes that close a sentence. A small set of targeted repairs
 * then undoes ICU's known misses in news copy: abbreviations and initials (`Mr.`, `U.S.`, `J.P. Morgan`,
 * `Gen. Smith`, `No. 1`, `10 a.m. Monday`), a `?`/`!` inside a quote that does not end the sentence
 * (`"Why?" he asked.`), and fragments of one or two words left around an abbreviation. List items (`- `,
 * `1. `) are split apart, and very long paragraphs are cut into chunks first (see `segments`).
 */
import { MONTH_ABBREVIATIONS } from "./months.ts";

const segmenter = new Intl.Segmenter("en", { granularity: "sentence" });

/** Abbreviations that precede a name or number and practically never end a sentence. */
const NEVER_FINAL = new Set([
  "mr",
  "mrs",
  "ms",
  "messrs",
  "mme",
  "mlle",
  "dr",
  "prof",
  "gen",
  "lt",
  "col",
  "capt",
  "cpt",
  "sgt",
  "maj",
  "adm",
  "cmdr",
  "brig",
  "sen",
  "rep",
  "gov",
  "atty",
  "supt",
  "insp",
  "rev",
  "hon",
  "pres",
  "fr",
  "mt",
  "st",
]);

/** Abbreviations that continue the sentence only before a number: `No. 1`, `Vol. 3`, `Fig. 2`, `Art. 50`. */
const NUMBER_PREFIX = new Set(["no", "nos", "vol", "fig", "figs", "pp", "ch", "art", "sec", "para", "op"]);

/** Abbreviations that usually continue the sentence but may end it; a typical sentence opener after them wins. */
const USUALLY_INNER = new Set([
  ...MONTH_ABBREVIATIONS,
  "approx",
  "ft",
  // US state abbreviations as wire copy writes them (`Houston, Tex.`).
  "ala",
  "ariz",
  "ark",
  "calif",
  "colo",
  "conn",
  "del",
  "fla",
  "ga",
  "ill",
  "ind",
  "kan",
  "ky",
  "la",
  "md",
  "mass",
  "mich",
  "minn",
  "miss",
  "mo",
  "mont",
  "neb",
  "nev",
  "okla",
  "ore",
  "pa",
  "tenn",
  "tex",
  "va",
  "vt",
  "wash",
  "wis",
  "wyo",
  "c",
  "ca",
  "cf",
  "viz",
  "est",
  "dept",
  "univ",
  "assn",
  "corp",
  "inc",
  "co",
  "cos",
  "ltd",
  "plc",
  "bros",
  "vs",
  "v",
  "etc",
  "jr",
  "sr",
  "ave",
  "blvd",
  "rd",
]);

/** Company designators: after `Corp.`/`Inc.` a capitalised word is a new sentence unless it is another designator. */
const COMPANY = new Set(["corp", "inc", "co", "cos", "ltd", "plc", "bros"]);
const COMPANY_FOLLOWERS = new Set([
  "inc",
  "ltd",
  "plc",
  "corp",
  "co",
  "llc",
  "lp",
  "nv",
  "ag",
  "sa",
  "ab",
  "bhd",
]);

/** Words that typically open a new sentence; after an ambiguous abbreviation they mark a real boundary. */
const OPENERS = new Set(
  (
    "the a an it its he she they we i you his her their our my this that these those there here but and " +
    "or so yet however meanwhile also in on at of for from with by to as if when while after before since " +
    "although though because during under over some many most all both each several few no not one two " +
    "three analysts officials shares prices sales profits earnings net revenue what who why how " +
    "where which another other such last next earlier later today yesterday currently now then thus still " +
    "according separately elsewhere investors traders dealers sources industry total"
  ).split(" "),
);

/**
 * After a dotted acronym (`U.S.`, `U.K.`) only these openers mark a new sentence: wire copy capitalises the
 * word after `U.S.` (`to U.S. Officials`, `the U.S. To attend`), so weaker openers are read as continuation.
 */
const STRONG_OPENERS = new Set(
  "the a an it its he she they we i you his her their our this these those there however meanwhile".split(
    " ",
  ),
);

const TERMINAL = /[.!?…]["'”’)\]]*$/;

function firstWord(text: string): string {
  const m = /^["'“‘([]*([\p{L}\p{N}][\p{L}\p{N}'’-]*)/u.exec(text);
  return m?.[1] ?? "";
}

/** An attribution after a quote: one to four capitalised words and a speech verb (`Smith asked.`). */
const ATTRIBUTION =
  /^\p{Lu}[\p{L}.'’-]*(?:\s+\p{Lu}[\p{L}.'’-]*){0,3}\s+(?:said|says|asked|asks|added|adds|replied|replies|wrote|writes|explained|insisted|warned|shouted|told\s+\p{L}+)[.!]?$/u;
/** What may follow `a.m.`/`p.m.` inside a sentence: a weekday, a month, a time zone. */
const TIME_FOLLOWERS =
  /^(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|[A-Z]{2,4}T\b|GMT|UTC|[Ll]ocal)/;

const wordCount = (text: string): number => text.split(" ").filter((w) => /[\p{L}\p{N}]/u.test(w)).length;

/** Whether the boundary between `prev` and `next` (both trimmed) is a false break that must be undone. */
function isFalseBoundary(prev: string, next: string): boolean {
  const head = next.replace(/^["'“‘([]+/, "");
  if (head === "") return true;
  const c = head[0]!;
  // A lowercase continuation never starts a new sentence (`"Why?" he asked.`, `U.S. officials`).
  if (/\p{Ll}/u.test(c)) return true;
  // `"Why not?" Smith asked.`: a quote closed by `?`/`!` followed only by its attribution.
  if (/[?!]["”’']$/.test(prev) && ATTRIBUTION.test(next)) return true;
  const token = prev.slice(prev.lastIndexOf(" ") + 1);
  if (!token.endsWith(".") || token.endsWith("..")) return false;
  // `10 a.m. Monday`, `4 p.m. EST`.
  if (/^[ap]\.m\.$/i.test(token)) return TIME_FOLLOWERS.test(next);
  // `"U.S.`, `<J.P.`, `(Tex.`, `Japan-U.S.`: the abbreviation is what follows opening marks or a hyphen.
  const bare = token
    .replace(/^["'“‘(<[]+/, "")
    .slice(0, -1)
    .replace(/^.*[-/](?=\p{Lu}\.)/u, "");
  const lower = bare.toLowerCase();
  if (NEVER_FINAL.has(lower)) return true;
  if (NUMBER_PREFIX.has(lower)) return /^[\p{N}#]/u.test(head);
  const isInitials = /^(?:\p{Lu}\.)*\p{Lu}$/u.test(bare);
  const isAbbreviation = isInitials || USUALLY_INNER.has(lower);
  if (!isAbbreviation) return false;
  // A fragment of one or two words around an abbreviation is not a sentence: `The U.S.` + `Treasury said...`,
  // `...to U.S.` + `Investors.` (Reuters capitalises after `U.S.`).
  if (wordCount(prev) <= 2 || (wordCount(next) <= 2 && next.endsWith("."))) return true;
  if (/\p{N}/u.test(c)) return true;
  const word = firstWord(next);
  const lowerWord = word.toLowerCase();
  // Initials and dotted acronyms: `J.P. Morgan`, `John F. Kennedy`, `U.S. Treasury` (but `in the U.S. The ...`).
  if (isInitials) return !STRONG_OPENERS.has(lowerWord);
  if (COMPANY.has(lower)) return COMPANY_FOLLOWERS.has(lowerWord);
  if (lower === "etc" || lower === "jr" || lower === "sr") return false;
  return !OPENERS.has(lowerWord) && !/^\p{Lu}{2,}$/u.test(word);
}

/** Symbol bullets that open a list item (`- `, `* `, `• `); numbered items keep their number. */
const SYMBOL_BULLET = /^\s*[-*•·▪–]\s+/;
const BULLET = /^\s*(?:[-*•·▪–]|\d{1,2}[.)])\s+/;

/**
 * Groups hard-wrapped lines into units: the whole paragraph, or one unit per list item. A list flattened onto
 * one line (`- Item one - Item two`) is split at ` - ` before a capital letter (not a digit: `the outfit - 17 places lower - lost`).
 */
function units(paragraph: string): string[] {
  const lines = paragraph.split(/\r\n|\r|\n/);
  const bulletCount = lines.filter((l) => BULLET.test(l)).length;
  let items: string[];
  if (bulletCount < 2) {
    items = [paragraph];
  } else {
    items = [];
    let current: string[] = [];
    for (const line of lines) {
      if (BULLET.test(line) && current.length > 0) {
        items.push(current.join(" "));
        current = [];
      }
      current.push(line);
    }
    if (current.length > 0) items.push(current.join(" "));
  }
  return items.flatMap((item) => {
    if (!SYMBOL_BULLET.test(item)) return [item];
    const body = item.replace(SYMBOL_BULLET, "");
    return body.split(/\s+[-–•]\s+(?=["“]?\p{Lu})/u);
  });
}

/** Matches a terminal mark followed by whitespace: without one, a unit cannot hold two sentences. */
const INNER_TERMINAL = /[.!?…‼⁇⁈⁉。！？](?=["'”’)\]]*\s)/;

const CHUNK = 1000;
const MAX_CHUNK = 5000;
/** A place where ICU always breaks (rule SB11): `.`/`!`/`?`, closing quotes, a space, a capital letter. */
const SAFE_CUT = /(?<=[.!?]["'”’)\]]*) (?=\p{Lu})/gu;

/**
 * ICU sentence segments of `text`. V8's segment iterator is quadratic on long strings (a 200 KB paragraph
 * takes a second), so long text is first cut into ~1,000-character chunks at places where ICU breaks anyway.
 */
function* segments(text: string): Generator<string> {
  let start = 0;
  while (text.length - start > CHUNK + MAX_CHUNK / 5) {
    SAFE_CUT.lastIndex = start + CHUNK;
    const m = SAFE_CUT.exec(text);
    let cut = m !== null && m.index - start <= MAX_CHUNK ? m.index + 1 : -1;
    if (cut < 0) {
      const space = text.indexOf(" ", start + MAX_CHUNK);
      cut = space < 0 ? text.length : space + 1;
    }
    for (const { segment } of segmenter.segment(text.slice(start, cut))) yield segment;
    start = cut;
  }
  if (start < text.length) for (const { segment } of segmenter.segment(text.slice(start))) yield segment;
}

/**
 * Splits one paragraph into sentences, verbatim except that whitespace runs (including hard wraps) collapse
 * to one space. A bullet marker opening a list item is dropped; text without letters or digits is no sentence.
 *
 * @example
 * splitSentences('He fled to Russia for "humanitarian\nreasons," officials said. Mr. Putin agreed.')
 * // → ['He fled to Russia for "humanitarian reasons," officials said.', 'Mr. Putin agreed.']
 */
export function splitSentences(paragraph: string): string[] {
  const out: string[] = [];
  const push = (sentence: string): void => {
    if (/[\p{L}\p{N}]/u.test(sentence)) out.push(sentence);
  };
  for (const unit of units(paragraph)) {
    const text = unit.replace(/\s+/g, " ").trim();
    if (text === "") continue;
    if (!INNER_TERMINAL.test(text)) {
      push(text);
      continue;
    }
    // `pending` is the sentence being built from raw segments (each keeps its trailing space, so merging
    // segments reproduces the text exactly, also where ICU broke without a space: `"Why?"he asked`).
    let pending = "";
    for (const segment of segments(text)) {
      const piece = segment.trim();
      if (pending.trim() === "" || piece === "" || isFalseBoundary(pending.trimEnd(), piece)) {
        pending += segment;
      } else {
        push(pending.trim());
        pending = segment;
      }
    }
    if (pending.trim() !== "") push(pending.trim());
  }
  return out;
}

/** Whether a line ends like a sentence (`.`, `!`, `?`, `…`, optionally followed by closing quotes/brackets). */
export function endsSentence(line: string): boolean {
  return TERMINAL.test(line.trimEnd());
}
