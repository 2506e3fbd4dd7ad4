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

const stemCache = new Map<string, string>();

/** Reduces one folded, joiner-free word to its index form: lemma of irregular verbs, then Porter stem. */
function stemWord(word: string): string {
  let stem = stemCache.get(word);
  if (stem === undefined) {
    stem = /^\p{N}/u.test(word) ? word : stemmer(lemmatizer.adjective(lemmatizer.verb(word)));
    if (stemCache.size < 200_000) stemCache.set(word, stem);
  }
  return stem;
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
  let lemma = lemmaCache.get(word);
  if (lemma === undefined) {
    const w = foldText(word);
    lemma = /^\p{N}/u.test(w) ? w : lemmatizer.noun(lemmatizer.verb(lemmatizer.adjective(w)));
    if (lemmaCache.size < 200_000) lemmaCache.set(word, lemma);
  }
  return lemma;
}

/**
 * Turns one word into the terms it is indexed under (none for a stop word).
 * `Al-Sharaa's` gives `al`, `sharaa` and `alsharaa`, so `al sharaa`, `Al-Sharaa` and `alsharaa` meet.
 *
 * @example normalizeTerm("Reconstruction") // ["reconstruct"]
 */
export function normalizeTerm(word: string): string[] {
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
