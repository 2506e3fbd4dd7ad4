/**
 * Text normalisation shared by indexing and querying, so that a question and a sentence meet
 * whatever their case, diacritics, quotes, possessives, hyphenation or inflection.
 */
import { stemmer } from "stemmer";
import { eng } from "stopword";
import lemmatizer from "wink-lemmatizer";

/** A word of a text, with its position (UTF-16 offsets) so that matches can be highlighted. */
export interface Token {
  readonly word: string;
  readonly start: number;
  readonly end: number;
}

const WORD = /[\p{L}\p{N}]+(?:['’‘ʼ\-‐‑.][\p{L}\p{N}]+)*/gu;
const MARKS = /\p{M}+/gu;
const JOINERS = /['’‘ʼ\-‐‑.]/;
/** A number, possibly with decimals and a unit ("1.13bn", "3.5", "2,700"): one term, not split. */
const NUMBER_WITH_UNIT = /^\p{N}[\p{N}.,]*\p{L}{0,3}$/u;

/** Words that carry no meaning for retrieval (question words included). */
export const STOP_WORDS: ReadonlySet<string> = new Set([
  ...eng,
  ...["would", "could", "also", "one", "two", "many", "much", "may", "might", "must", "shall", "us"],
  ...["what", "which", "who", "whom", "whose", "when", "where", "why", "how", "does", "did", "do"],
]);

/** Splits text into words, keeping hyphenated, dotted and apostrophe'd words whole. */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(WORD)) {
    out.push({ word: m[0], start: m.index, end: m.index + m[0].length });
  }
  return out;
}

/** Lower case, no diacritics, straight apostrophes: the form names are compared in. */
export function foldText(text: string): string {
  return text.normalize("NFKD").replace(MARKS, "").toLowerCase().replace(/[’‘ʼ]/g, "'");
}

/**
 * Word → result caches for the functions below, each bounded: when one reaches `CACHE_ENTRIES` it is
 * emptied and refills with the words in use (a corpus of 20,000 articles has more distinct written forms
 * than that, and a cache that stops growing would leave every later new word on the slow path).
 */
const CACHE_ENTRIES = 200_000;

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= CACHE_ENTRIES) cache.clear();
  cache.set(key, value);
  return value;
}

const stemCache = new Map<string, string>();

/** Reduces one folded, joiner-free word to its index form: lemma of irregular verbs, then Porter stem. */
function stemWord(word: string): string {
  return (
    stemCache.get(word) ??
    remember(
      stemCache,
      word,
      /^\p{N}/u.test(word) ? word : stemmer(lemmatizer.adjective(lemmatizer.verb(word))),
    )
  );
}

const lemmaCache = new Map<string, string>();

/**
 * The dictionary form of a word (folded; plural, verb and comparative endings undone, no stemming):
 * `builds` and `build`, `oldest` and `old` meet, while `general` and `generally` stay apart.
 *
 * @example lemmaOf("Ferries") // "ferry"
 */
export function lemmaOf(word: string): string {
  // Keyed by the word as written: re-ranking asks for every word of ten sentences per question, and
  // folding (NFD, accents, quotes) costs more than the look-up.
  const cached = lemmaCache.get(word);
  if (cached !== undefined) return cached;
  const w = foldText(word);
  return remember(
    lemmaCache,
    word,
    /^\p{N}/u.test(w) ? w : lemmatizer.noun(lemmatizer.verb(lemmatizer.adjective(w))),
  );
}

const termsCache = new Map<string, readonly string[]>();

/**
 * Turns one word into the terms it is indexed under (none for a stop word).
 * `Al-Sharaa's` gives `al`, `sharaa` and `alsharaa`, so `al sharaa`, `Al-Sharaa` and `alsharaa` meet.
 *
 * @example normalizeTerm("Reconstruction") // ["reconstruct"]
 */
export function normalizeTerm(word: string): readonly string[] {
  // Keyed by the word as written (shared, read-only result): indexing and every question's
  // highlighting and re-ranking call this per word, and folding costs more than the look-up.
  return termsCache.get(word) ?? remember(termsCache, word, termsOf(word));
}

function termsOf(word: string): string[] {
  let w = foldText(word);
  w = w.replace(/'s$/, "").replace(/'$/, "");
  if (!JOINERS.test(w) || NUMBER_WITH_UNIT.test(w)) {
    if (w.length === 0 || STOP_WORDS.has(w)) return [];
    if (w.length === 1 && !/\p{N}/u.test(w)) return [];
    return [stemWord(w)];
  }
  const parts = w.split(/['\-‐‑.]+/).filter((p) => p.length > 0);
  const terms: string[] = [];
  for (const p of parts) {
    if (p.length > 1 && !STOP_WORDS.has(p)) terms.push(stemWord(p));
  }
  const joined = parts.join("");
  if (parts.length > 1 && joined.length > 1) terms.push(stemWord(joined));
  return terms;
}

/** All index terms of a text, in order (duplicates kept). */
export function textTerms(text: string): string[] {
  const terms: string[] = [];
  for (const t of tokenize(text)) {
    for (const term of normalizeTerm(t.word)) terms.push(term);
  }
  return terms;
}
