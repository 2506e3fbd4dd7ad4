/**
 * Finds the entities one article names, sentence by sentence: capitalised spans cleaned of
 * possessives and titles, classified with compromise's lexicon (and compromise's tagger for the
 * spans the lexicon cannot decide), then linked within the article: surnames to full names,
 * descriptors ("the Russian leader") to the person whose role fits, sentence-initial pronouns to
 * the previous sentence's subject, and speech verbs next to a mention to mark quotes.
 */
import nlp from "compromise";
import type { Article } from "../types.ts";
import {
  HONORIFICS,
  isCalendarWord,
  isCommonWord,
  isDemonym,
  isFemaleName,
  isFirstName,
  isFunctionWord,
  isGroupWord,
  isLastName,
  isMaleName,
  isOrgSuffix,
  isOrgWord,
  isPlaceSuffix,
  isPlaceWord,
  isSurnameLike,
  LEADER_TITLES,
  lexHas,
  NAME_PARTICLES,
  nationKey,
  ROLE_HEADS,
  ROLE_MODIFIERS,
  SPEECH_VERBS,
} from "./lexicon.ts";

export type EntityKind = "person" | "organization" | "place" | "group";
export type MentionVia = "name" | "descriptor" | "pronoun";

const ASCII = /^[ -_a-~]*$/;

/** Lower case, no diacritics, straight apostrophes. */
export function fold(text: string): string {
  if (ASCII.test(text)) return text.toLowerCase();
  return text
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[’‘ʼ`]/g, "'");
}

/** The words of a name as compared: folded, possessive dropped, hyphens and dots split. */
export function nameWords(name: string): string[] {
  const f = fold(name).replace(/'s\b/g, "");
  return (ASCII.test(f) ? f.replace(/[^a-z0-9'&]+/g, " ") : f.replace(/[^\p{L}\p{N}'&]+/gu, " "))
    .replace(/'/g, "")
    .split(" ")
    .filter((w) => w.length > 0);
}

/**
 * The key a person's name is merged under: folded words without particles (`al`, `van`)
 * or initials. `Ahmed Al-Sharaa`, `Ahmed al Sharaa` → `ahmed sharaa`.
 */
export function personKey(name: string): string {
  const words = nameWords(name);
  const kept = words.filter((w) => !NAME_PARTICLES.has(w) && w.length > 1 && !/^(jr|sr|ii|iii)$/.test(w));
  return (kept.length > 0 ? kept : words).join(" ");
}

/** The key an organisation, place or group is merged under. */
export function plainKey(name: string): string {
  const words = nameWords(name);
  if (words[0] === "the" && words.length > 1) words.shift();
  return words.join(" ");
}

interface Tok {
  readonly text: string;
  readonly start: number;
  readonly end: number;
  readonly word: boolean;
  readonly cap: boolean;
  readonly poss: boolean;
  readonly low: string;
}

const TOKEN = /[\p{L}\p{N}](?:[\p{L}\p{M}\p{N}]|[-'’.&](?=[\p{L}\p{N}]))*|[^\s\p{L}\p{N}]/gu;
const PARTICLE_CAP = /^(al|el|ad|as|ash|bin|ibn|abu)[-'’]\p{Lu}/u;
const QUOTE_CHARS = /["“”]/;

export function tokenizeSentence(text: string): Tok[] {
  const out: Tok[] = [];
  for (const m of text.matchAll(TOKEN)) {
    let raw = m[0];
    const start = m.index;
    const word = /^[\p{L}\p{N}]/u.test(raw);
    let poss = false;
    if (word && /.['’]s$/u.test(raw) && raw.length > 3) {
      raw = raw.slice(0, -2);
      poss = true;
    }
    // "Douglas-designed", "Carwyn James-inspired": a compound adjective, not a name
    const cap = word && (/^\p{Lu}/u.test(raw) || PARTICLE_CAP.test(raw)) && !/-\p{Ll}+$/u.test(raw);
    out.push({ text: raw, start, end: start + raw.length, word, cap, poss, low: fold(raw) });
  }
  return out;
}

/** A name, descriptor or pronoun found in one sentence. */
export interface RawMention {
  readonly sentence: number;
  /** Token index where the mention (with its role prefix, if any) begins. */
  readonly lead: number;
  readonly start: number;
  readonly end: number;
  readonly via: MentionVia;
  readonly terms: string[];
  quote: boolean;
}

/** A person as one article names them. */
export interface LocalPerson {
  /** personKey of the fullest name; for a surname-only person, that surname. */
  key: string;
  single: boolean;
  evidence: boolean;
  surfaces: Map<string, number>;
  roles: { role: string; sentence: number }[];
  mentions: RawMention[];
  gender: "m" | "f" | null;
}

export interface LocalThing {
  kind: Exclude<EntityKind, "person">;
  key: string;
  surfaces: Map<string, number>;
  /** positions of the sentences naming it */
  sentences: number[];
}

export interface ArticleEntities {
  readonly persons: LocalPerson[];
  readonly things: LocalThing[];
}

/** One capitalised span after cleanup. */
interface Span {
  readonly sentence: number;
  readonly from: number;
  readonly to: number;
  /** first token of the name proper (after a title prefix) */
  readonly nameFrom: number;
  readonly kind: EntityKind | "pending" | "role";
  readonly role: string | null;
  readonly evidence: boolean;
}

/** How often each folded word is written in lower case and capitalised (not sentence-initial). */
export interface WordStats {
  readonly lower: Map<string, number>;
  readonly cap: Map<string, number>;
}

const WORD = /(?<![\p{L}\p{N}'’-])\p{L}[\p{L}\p{M}'’-]*/gu;

/** Counts lower-case and capitalised uses of words: a word mostly written in lower case is not a name. */
export function wordStats(articles: readonly Article[]): WordStats {
  const stats: WordStats = { lower: new Map(), cap: new Map() };
  for (const a of articles) countWords(stats, a, 1);
  return stats;
}

/** Adds (sign 1) or removes (sign -1) one article's words to/from `stats`. */
export function countWords(stats: WordStats, article: Article, sign: 1 | -1): void {
  const { lower, cap } = stats;
  for (const s of article.sentences) {
    let first = true;
    for (const m of s.text.matchAll(WORD)) {
      if (first) {
        first = false;
        continue;
      }
      const w = m[0];
      const c = w.charCodeAt(0);
      const isLower = c >= 97 && c <= 122 ? true : c >= 65 && c <= 90 ? false : w[0] !== w[0]!.toUpperCase();
      const key = isLower ? w : fold(w);
      const map = isLower ? lower : cap;
      const n = (map.get(key) ?? 0) + sign;
      if (n > 0) map.set(key, n);
      else map.delete(key);
    }
  }
}

/** Mostly written in lower case in these articles. */
function commonByStats(stats: WordStats | undefined, low: string): boolean {
  if (stats === undefined) return false;
  const l = stats.lower.get(low) ?? 0;
  return l >= 2 && l >= (stats.cap.get(low) ?? 0);
}

const kindCache = new Map<string, EntityKind | null>();

/** compromise's tagger on a short span, cached: the costly path, used only when the lexicon cannot decide. */
function tagSpan(text: string): EntityKind | null {
  const cached = kindCache.get(text);
  if (cached !== undefined) return cached;
  const doc = nlp(text);
  let kind: EntityKind | null = null;
  if (doc.organizations().found) kind = "organization";
  else if (doc.places().found) kind = "place";
  else if (doc.people().found) kind = "person";
  if (kindCache.size > 300_000) kindCache.clear();
  kindCache.set(text, kind);
  return kind;
}

function isAcronym(t: Tok): boolean {
  return /^[A-Z](?:[A-Z&]|\.(?=[A-Z]))+\.?$/.test(t.text) && t.text.replace(/[.&]/g, "").length <= 6;
}

/** A headline-style sentence in capitals: capitalisation says nothing about names there. */
function isUpperSentence(text: string): boolean {
  let upper = 0;
  let lower = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 97 && c <= 122) lower++;
    else if (c >= 65 && c <= 90) upper++;
  }
  return upper >= 10 && upper > lower * 1.5;
}

function isRoleWord(low: string): boolean {
  return ROLE_HEADS.has(low) || ROLE_MODIFIERS.has(low) || HONORIFICS.has(low);
}

/** Finds the capitalised runs of a sentence. */
function runsOf(toks: readonly Tok[]): [number, number][] {
  const runs: [number, number][] = [];
  const n = toks.length;
  let i = 0;
  while (i < n) {
    const t = toks[i]!;
    const startsWithParticle =
      t.word && !t.cap && NAME_PARTICLES.has(t.low) && toks[i + 1]?.cap === true && toks[i - 1]?.cap !== true;
    if (!(t.word && t.cap) && !startsWithParticle) {
      i++;
      continue;
    }
    if (t.cap && isCalendarWord(t.low)) {
      i++;
      continue;
    }
    let j = i;
    for (;;) {
      const cur = toks[j]!;
      if (cur.poss) break;
      const next = toks[j + 1];
      if (next === undefined || !next.word || next.start > cur.end + 1) break;
      if (next.cap && !isCalendarWord(next.low)) {
        j++;
        continue;
      }
      const after = toks[j + 2];
      const afterOk = after?.word === true && after.cap && after.start <= next.end + 1;
      if (afterOk && NAME_PARTICLES.has(next.low)) {
        j += 2;
        continue;
      }
      if (
        afterOk &&
        (next.low === "of" || next.low === "for" || next.low === "and" || next.text === "&") &&
        (isOrgSuffix(cur.low) || isPlaceSuffix(cur.low))
      ) {
        j += 2;
        continue;
      }
      break;
    }
    runs.push([i, j]);
    i = j + 1;
  }
  return runs;
}

function textOf(sentence: string, toks: readonly Tok[], from: number, to: number): string {
  return sentence.slice(toks[from]!.start, toks[to]!.end);
}

/** Classifies a run into a span: organisation, place, group, person (with role prefix) or pending surname. */
function classify(
  sentence: string,
  toks: readonly Tok[],
  si: number,
  from0: number,
  to: number,
  stats: WordStats | undefined,
): Span | null {
  let from = from0;
  // Words capitalised only because they start the sentence or a quote, and function words.
  while (from <= to) {
    const t = toks[from]!;
    const prev = toks[from - 1];
    const initial = prev === undefined || (!prev.word && /["“‘(\-—–:]/.test(prev.text));
    if (isFunctionWord(t.low) && !HONORIFICS.has(t.low)) from++;
    else if (
      initial &&
      isCommonWord(t.low) &&
      !isRoleWord(t.low) &&
      !isDemonym(t.low) &&
      !(from < to && isRoleWord(toks[from + 1]!.low))
    )
      from++;
    else break;
  }
  if (from > to) return null;
  const words = toks.slice(from, to + 1);
  const lows = words.map((w) => w.low);
  const whole = lows.join(" ");
  const last = lows[lows.length - 1]!;
  const single = words.length === 1;
  const base = { sentence: si, from, to, nameFrom: from, role: null, evidence: false };

  if (single) {
    const w = words[0]!;
    if (isGroupWord(w.low)) return { ...base, kind: "group" };
    if (isDemonym(w.low)) return null;
    if (HONORIFICS.has(w.low) || ROLE_HEADS.has(w.low) || ROLE_MODIFIERS.has(w.low))
      return { ...base, kind: "role" };
    if (isPlaceWord(w.low)) return { ...base, kind: "place" };
    if (isOrgWord(w.low)) return { ...base, kind: "organization" };
    if (isAcronym(w))
      return { ...base, kind: isPlaceWord(w.low.replace(/\./g, "")) ? "place" : "organization" };
    if (isOrgSuffix(w.low) || isPlaceSuffix(w.low)) return null;
    if (isFirstName(w.low) && !isLastName(w.low)) return null;
    if (isCommonWord(w.low) && !isLastName(w.low)) return null;
    if (!isSurnameLike(w.low) || commonByStats(stats, w.low)) return null;
    return { ...base, kind: "pending", evidence: isLastName(w.low) };
  }

  if (lows.every((l) => isOrgSuffix(l))) return null; // "Co Inc"
  if (lexHas(whole, "Organization") || isOrgSuffix(last)) return { ...base, kind: "organization" };
  if (lexHas(whole, "Country", "City", "Region", "Place") || (isPlaceSuffix(last) && !isFirstName(lows[0]!)))
    return { ...base, kind: "place" };

  // Title prefix: everything up to the last role head or honorific that still leaves a name.
  let nameFrom = from;
  let honorific = false;
  for (let k = from; k < to; k++) {
    const low = toks[k]!.low;
    if (ROLE_HEADS.has(low) || HONORIFICS.has(low) || low.split("-").some((part) => ROLE_HEADS.has(part)))
      nameFrom = k + 1;
  }
  // "Exchequer Nigel Lawson", "Lib Dem Norman Baker": a first name after other words starts the name.
  if (nameFrom === from) {
    for (let k = from + 1; k < to; k++) {
      if (isFirstName(toks[k]!.low) && !isFirstName(toks[k - 1]!.low) && !isLastName(toks[k - 1]!.low)) {
        nameFrom = k;
        break;
      }
    }
  }
  // "(Secretary of) State Condoleezza Rice": title words left over at the start
  while (nameFrom < to - 1 && ROLE_MODIFIERS.has(toks[nameFrom]!.low) && toks[nameFrom - 1]?.low === "of")
    nameFrom++;
  if (nameFrom <= to && /^(of|for|and|the|&)$/.test(toks[nameFrom]!.low)) return null;
  // Leading demonyms/countries directly before a title word belong to the title.
  let role: string | null = null;
  if (nameFrom > from) {
    const prefix = toks.slice(from, nameFrom);
    honorific = prefix.every((p) => HONORIFICS.has(p.low));
    const roleToks = prefix.filter((p) => !HONORIFICS.has(p.low));
    if (roleToks.some((p) => ROLE_HEADS.has(p.low) || p.low.split("-").some((x) => ROLE_HEADS.has(x))))
      role = sentence.slice(roleToks[0]!.start, roleToks[roleToks.length - 1]!.end);
    // "US Secretary of State Condoleezza Rice": the title began before "of"
    if (role === null && toks[from - 1]?.low === "of") {
      const before = roleBefore(sentence, toks, from - 1);
      if (before !== null)
        role = `${before.role} of ${sentence.slice(toks[from]!.start, toks[nameFrom - 1]!.end)}`;
    }
  } else {
    const allRole = lows.every((l) => isRoleWord(l) || isDemonym(l));
    if (allRole) return { ...base, kind: "role" };
  }
  const nameToks = toks.slice(nameFrom, to + 1);
  const nameLows = nameToks.map((t) => t.low);
  if (nameToks.length === 0) return { ...base, kind: "role" };
  if (nameLows.every((l) => isRoleWord(l) || isDemonym(l))) return { ...base, kind: "role" };
  const evidence = role !== null || honorific;
  if (nameToks.length === 1) {
    const w = nameToks[0]!;
    if ((!isSurnameLike(w.low) || commonByStats(stats, w.low)) && !(evidence && isLastName(w.low)))
      return null;
    return { ...base, nameFrom, kind: "pending", role, evidence };
  }
  const first = nameLows[0]!;
  const lastLow = nameLows[nameLows.length - 1]!;
  if (commonByStats(stats, lastLow) && !isLastName(lastLow)) return null;
  if (nameToks.some((t) => /^(i|we|you|he|she|they|it)['’]/i.test(t.text))) return null;
  const nameText = textOf(sentence, toks, nameFrom, to);
  if (isFirstName(first) || evidence) return { ...base, nameFrom, kind: "person", role, evidence: true };
  if (nameToks.length > 4) return null;
  const tagged = tagSpan(nameText);
  if (tagged === "organization" || tagged === "place") return { ...base, kind: tagged };
  if (tagged === "person" || isLastName(nameLows[nameLows.length - 1]!))
    return { ...base, nameFrom, kind: "person", role, evidence: false };
  return null;
}

/** A role written before a name: `Syria's President, Ahmed Al-Sharaa`, `chairman and chief executive Richard Parsons`. */
function roleBefore(
  sentence: string,
  toks: readonly Tok[],
  nameStart: number,
): { role: string; lead: number } | null {
  let j = nameStart - 1;
  if (j >= 0 && toks[j]!.text === ",") j--;
  const end = j;
  let head = false;
  let k = j;
  while (k >= 0) {
    const t = toks[k]!;
    if (!t.word) break;
    if (t.poss) {
      if (k === end) break;
      k--;
      break;
    }
    if (ROLE_HEADS.has(t.low)) head = true;
    else if (!(ROLE_MODIFIERS.has(t.low) || isDemonym(t.low) || nationKey(t.low) !== null)) break;
    k--;
  }
  let from = k + 1;
  while (from <= end && (toks[from]!.low === "and" || toks[from]!.low === "of")) from++;
  // "between the chancellor and Tony Blair": a role ends right before the name
  if (end >= 0 && /^(and|of|the|a|an|or)$/.test(toks[end]!.low)) return null;
  if (!head || from > end) return null;
  return { role: sentence.slice(toks[from]!.start, toks[end]!.end), lead: from };
}

/** A role written after a name: `Alexander Novak, Russia's deputy prime minister, said`. */
function roleAfter(sentence: string, toks: readonly Tok[], nameEnd: number): string | null {
  if (toks[nameEnd + 1]?.text !== ",") return null;
  let k = nameEnd + 2;
  if (toks[k]?.low === "the") k++;
  const from = k;
  let head = false;
  let lastHead = -1;
  while (k < toks.length) {
    const t = toks[k]!;
    if (!t.word) break;
    if (ROLE_HEADS.has(t.low)) {
      head = true;
      lastHead = k;
    } else if (t.low === "of" && head) {
      // "chief executive of Time Warner"
      let m = k + 1;
      if (toks[m]?.low === "the") m++;
      while (toks[m]?.cap) m++;
      if (m > k + 1) lastHead = m - 1;
      k = m;
      break;
    } else if (!(ROLE_MODIFIERS.has(t.low) || isDemonym(t.low) || t.poss)) break;
    k++;
  }
  const closing = toks[k];
  if (!head || lastHead < from || (closing !== undefined && closing.text !== "," && closing.text !== "."))
    return null;
  if (k - from > 8) return null;
  return sentence.slice(toks[from]!.start, toks[lastHead]!.end);
}

const PREPOSITIONS = new Set([
  "for",
  "of",
  "to",
  "with",
  "by",
  "from",
  "at",
  "on",
  "in",
  "about",
  "against",
  "than",
]);

function speakerAt(toks: readonly Tok[], lead: number, end: number): boolean {
  // "A spokesman for Mr Blair said": the speaker is someone else
  const prep = toks[lead - 1]?.word === true && PREPOSITIONS.has(toks[lead - 1]!.low);
  // "Mr Mubanga, who insists he does not feel bitter, said:"
  let from = end + 1;
  if (toks[from]?.text === "," && /^(who|whose)$/.test(toks[from + 1]?.low ?? "")) {
    const close = toks.findIndex((t, n) => n > from + 1 && t.text === ",");
    if (close > 0) from = close + 1;
  }
  // "Putin insisted", "Novak told", "Novak later affirmed", "He added"
  for (let k = from, skipped = 0; !prep && k < toks.length && skipped <= 2; k++) {
    const t = toks[k]!;
    if (!t.word) return false;
    if (SPEECH_VERBS.has(t.low)) return true;
    if (t.cap) return false;
    skipped++;
  }
  // "said Putin", "according to Putin"
  let k = lead - 1;
  if (toks[k]?.text === ",") k--;
  const before = toks[k];
  if (before?.word === true && (SPEECH_VERBS.has(before.low) || before.low === "to")) {
    if (before.low !== "to") return true;
    return toks[k - 1]?.low === "according";
  }
  return false;
}

/** Descriptor heads that fit any head of state or government ("the Russian leader"). */
const GENERIC_LEADER = new Set(["leader", "ruler", "strongman", "dictator"]);

/** A descriptor refers to someone mentioned at most this many sentences before. */
const RECENT = 8;

const DESCRIPTOR_PRE = new Set([
  "former",
  "ex",
  "late",
  "ousted",
  "deposed",
  "new",
  "outgoing",
  "incoming",
  "then",
  "exiled",
  "toppled",
]);
const FORMER = new Set(["former", "ex", "late", "ousted", "deposed", "exiled", "toppled", "predecessor"]);

interface Descriptor {
  readonly sentence: number;
  readonly lead: number;
  readonly end: number;
  readonly former: boolean;
  readonly nation: string | null;
  readonly head: string;
  /** words qualifying the head ("foreign" in "the foreign secretary"): the person's role must have them */
  readonly mods: string[];
  readonly terms: string[];
}

/** `the (former) (Russian) (prime) leader|minister|…` not followed by a name. */
function descriptorsOf(toks: readonly Tok[], si: number): Descriptor[] {
  const out: Descriptor[] = [];
  const quotesBefore: number[] = [];
  let quotes = 0;
  for (const t of toks) {
    quotesBefore.push(quotes);
    if (!t.word && QUOTE_CHARS.test(t.text)) quotes++;
  }
  const firstComma = toks.findIndex((t) => t.text === ",");
  for (let i = 0; i < toks.length; i++) {
    if (toks[i]!.low !== "the") continue;
    let k = i + 1;
    let former = false;
    let nation: string | null = null;
    let head: string | null = null;
    const terms: string[] = [];
    const mods: string[] = [];
    while (k < toks.length && k <= i + 5) {
      const t = toks[k]!;
      if (!t.word) break;
      if (DESCRIPTOR_PRE.has(t.low)) {
        former ||= FORMER.has(t.low);
      } else if (nation === null && (isDemonym(t.low) || (t.poss && nationKey(t.low) !== null))) {
        nation = nationKey(t.low);
      } else if (ROLE_HEADS.has(t.low) && !ROLE_MODIFIERS.has(t.low)) {
        head = t.low;
        terms.push(t.text);
        break;
      } else if (!ROLE_MODIFIERS.has(t.low)) break;
      else mods.push(t.low);
      terms.push(t.text);
      k++;
    }
    if (head === null && k > i + 1 && ROLE_HEADS.has(toks[k - 1]!.low)) {
      // "the chief executive": the head is also a modifier word
      k--;
      head = toks[k]!.low;
      mods.pop();
    }
    if (head === null) continue;
    const next = toks[k + 1];
    // "the Russian President Vladimir Putin" is a title before a name, not a descriptor;
    // "the leader of …" or "the minister's" are too unspecific to link.
    if (next?.word === true && (next.cap || next.low === "of")) continue;
    if (toks[k]!.poss) continue;
    // Only in subject position or as a speaker, and never inside a quotation (the speaker's words
    // describe people from their own point of view): "The minister said", "…, the minister left",
    // "… said the minister."
    if (quotesBefore[i]! % 2 === 1) continue;
    const subject = i === 0 || (i === firstComma + 1 && firstComma >= 0);
    const speaker =
      (next?.word === true && SPEECH_VERBS.has(next.low)) ||
      (toks[i - 1]?.word === true &&
        SPEECH_VERBS.has(toks[i - 1]!.low) &&
        (next === undefined || !next.word));
    if (!subject && !speaker) continue;
    out.push({ sentence: si, lead: i, end: k, former, nation, head, mods, terms });
  }
  return out;
}

interface RoleFacts {
  words: Set<string>;
  nations: Set<string>;
  heads: Set<string>;
  former: boolean;
}

function roleFacts(role: string): RoleFacts {
  const toks = tokenizeSentence(role);
  const nations = new Set<string>();
  const heads = new Set<string>();
  const words = new Set<string>();
  let former = false;
  for (const t of toks) {
    if (!t.word) continue;
    for (const part of t.low.split("-")) words.add(part);
    if (FORMER.has(t.low)) former = true;
    if (ROLE_HEADS.has(t.low)) heads.add(t.low);
    const n = isDemonym(t.low) || t.poss || t.cap ? nationKey(t.low) : null;
    if (n !== null) nations.add(n);
  }
  if (/\bex-/i.test(role)) former = true;
  if (heads.has("minister") && /\bprime\b/i.test(role)) heads.add("premier");
  return { words, nations, heads, former };
}

/**
 * Extracts the entities of one article. Persons come back per article (merged by surname here);
 * merging across articles happens in the table builder.
 */
export function extractArticle(article: Article, stats?: WordStats): ArticleEntities {
  const persons: LocalPerson[] = [];
  const things = new Map<string, LocalThing>();
  const personByKey = new Map<string, LocalPerson>();
  const sentToks = article.sentences.map((s) => tokenizeSentence(s.text));
  type Pending = { span: Span; toks: Tok[]; text: string; lead: number; role: string | null };
  const pendings: Pending[] = [];
  const named: { person: LocalPerson; mention: RawMention }[] = [];

  const addPersonMention = (p: LocalPerson, m: RawMention, surface: string, role: string | null) => {
    p.mentions.push(m);
    p.surfaces.set(surface, (p.surfaces.get(surface) ?? 0) + 1);
    if (role !== null && !p.roles.some((r) => r.role === role && r.sentence === m.sentence))
      p.roles.push({ role, sentence: m.sentence });
    named.push({ person: p, mention: m });
  };

  for (let si = 0; si < article.sentences.length; si++) {
    const text = article.sentences[si]!.text;
    const toks = sentToks[si]!;
    if (isUpperSentence(text)) continue;
    const position = article.sentences[si]!.position;
    for (const [a, b] of runsOf(toks)) {
      const span = classify(text, toks, position, a, b, stats);
      if (span === null || span.kind === "role") continue;
      const surface = textOf(text, toks, span.nameFrom, span.to);
      const terms = toks.slice(span.nameFrom, span.to + 1).map((t) => t.text);
      if (span.kind === "person" || span.kind === "pending") {
        let role = span.role;
        let lead = span.from;
        if (role === null) {
          const before = roleBefore(text, toks, span.from);
          if (before !== null) {
            role = before.role;
            lead = before.lead;
          } else role = roleAfter(text, toks, span.to);
        } else {
          const before = roleBefore(text, toks, span.from);
          if (before !== null && before.lead < span.from) {
            role = `${text.slice(toks[before.lead]!.start, toks[span.from - 1]!.end)} ${role}`.replace(
              / ,/,
              ",",
            );
            lead = before.lead;
          }
        }
        if (span.kind === "pending") {
          pendings.push({ span, toks, text: surface, lead, role });
          continue;
        }
        const key = personKey(surface);
        let p = personByKey.get(key);
        if (p === undefined) {
          const firstLow = toks[span.nameFrom]!.low;
          p = {
            key,
            single: false,
            evidence: span.evidence,
            surfaces: new Map(),
            roles: [],
            mentions: [],
            gender: isFemaleName(firstLow) ? "f" : isMaleName(firstLow) ? "m" : null,
          };
          personByKey.set(key, p);
          persons.push(p);
        }
        p.evidence ||= span.evidence;
        const m: RawMention = {
          sentence: position,
          lead,
          start: span.nameFrom,
          end: span.to,
          via: "name",
          terms,
          quote: false,
        };
        addPersonMention(p, m, surface, role);
      } else {
        const kind = span.kind;
        const key = plainKey(surface);
        if (key.length === 0) continue;
        const tk = `${kind}:${key}`;
        let th = things.get(tk);
        if (th === undefined) {
          th = { kind, key, surfaces: new Map(), sentences: [] };
          things.set(tk, th);
        }
        th.surfaces.set(surface, (th.surfaces.get(surface) ?? 0) + 1);
        if (!th.sentences.includes(position)) th.sentences.push(position);
      }
    }
  }

  // Surnames (and spelling variants) to the one full name of this article that ends with them.
  const bySurname = new Map<string, LocalPerson[]>();
  for (const p of persons) {
    const words = p.key.split(" ");
    const sur = words[words.length - 1]!;
    bySurname.set(sur, [...(bySurname.get(sur) ?? []), p]);
  }
  for (const pend of pendings) {
    const key = personKey(pend.text);
    if (key.length < 2) continue;
    const full = bySurname.get(key);
    const sentence = pend.span.sentence;
    const m: RawMention = {
      sentence,
      lead: pend.lead,
      start: pend.span.nameFrom,
      end: pend.span.to,
      via: "name",
      terms: pend.toks.slice(pend.span.nameFrom, pend.span.to + 1).map((t) => t.text),
      quote: false,
    };
    if (full !== undefined && full.length === 1) {
      addPersonMention(full[0]!, m, pend.text, pend.role);
      continue;
    }
    if (full !== undefined && full.length > 1) continue; // two people share the surname here: don't guess
    // A first name alone ("Vladimir") is not linked.
    let p = personByKey.get(`~${key}`);
    if (p === undefined) {
      p = { key, single: true, evidence: false, surfaces: new Map(), roles: [], mentions: [], gender: null };
      personByKey.set(`~${key}`, p);
      persons.push(p);
    }
    p.evidence ||= pend.span.evidence || pend.role !== null;
    addPersonMention(p, m, pend.text, pend.role);
  }

  // Mentions sorted by sentence, then token.
  for (const p of persons) p.mentions.sort((a, b) => a.sentence - b.sentence || a.start - b.start);

  linkDescriptorsAndPronouns(article, sentToks, persons);
  markQuotes(article, sentToks, persons);
  for (const p of persons) dedupeMentions(p);
  return { persons, things: [...things.values()] };
}

function dedupeMentions(p: LocalPerson): void {
  const bySentence = new Map<number, RawMention>();
  const order: RawMention[] = [];
  const rank = { name: 0, descriptor: 1, pronoun: 2 } as const;
  for (const m of p.mentions) {
    const prev = bySentence.get(m.sentence);
    if (prev === undefined) {
      bySentence.set(m.sentence, m);
      order.push(m);
      continue;
    }
    const keep = rank[m.via] < rank[prev.via] ? m : prev;
    const other = keep === m ? prev : m;
    const merged: RawMention = {
      ...keep,
      quote: keep.quote || other.quote,
      terms: [...new Set([...keep.terms, ...other.terms])],
    };
    bySentence.set(m.sentence, merged);
    order[order.indexOf(prev)] = merged;
  }
  p.mentions = order;
}

function linkDescriptorsAndPronouns(
  article: Article,
  sentToks: readonly Tok[][],
  persons: LocalPerson[],
): void {
  const facts = new Map<LocalPerson, RoleFacts[]>();
  const surnameIndex = new Map<string, LocalPerson>();
  for (const p of persons) {
    const w = p.key.split(" ");
    surnameIndex.set(w[w.length - 1]!, p);
  }
  for (const p of persons) {
    const list: RoleFacts[] = [];
    for (const r of p.roles) {
      const f = roleFacts(r.role);
      // "Al-Sharaa's predecessor": inherit the owner's nation and office, as a former holder.
      const owner = /^(.+?)['’]s\s+(predecessor|successor)\b/i.exec(r.role);
      if (owner) {
        const o = surnameIndex.get(personKey(owner[1]!).split(" ").pop() ?? "");
        if (o !== undefined && o !== p) {
          for (const orole of o.roles) {
            const of = roleFacts(orole.role);
            for (const n of of.nations) f.nations.add(n);
            for (const h of of.heads) f.heads.add(h);
            for (const w of of.words) f.words.add(w);
          }
          f.former = owner[2]!.toLowerCase() === "predecessor";
          f.nations.delete(nationKey(owner[1]!) ?? "");
        }
      }
      list.push(f);
    }
    facts.set(p, list);
  }

  const firstNamed = (p: LocalPerson) => p.mentions.find((m) => m.via === "name")?.sentence ?? Infinity;
  const lastNamedBefore = (p: LocalPerson, s: number) => {
    let last = -1;
    for (const m of p.mentions) if (m.sentence < s) last = Math.max(last, m.sentence);
    return last;
  };

  // Walk sentences in order so pronouns can follow descriptor subjects and vice versa.
  let prevSubject: LocalPerson | null = null;
  let insideQuote = false;
  for (let si = 0; si < article.sentences.length; si++) {
    const position = article.sentences[si]!.position;
    const toks = sentToks[si]!;
    const text = article.sentences[si]!.text;
    for (const d of descriptorsOf(toks, position)) {
      const candidates = persons.filter((p) => {
        if (firstNamed(p) >= position) return false;
        if (lastNamedBefore(p, position) < position - RECENT) return false;
        return (facts.get(p) ?? []).some((f) => {
          const headOk =
            f.heads.has(d.head) ||
            (GENERIC_LEADER.has(d.head) && [...f.heads].some((h) => LEADER_TITLES.has(h)));
          if (!d.mods.every((m) => f.words.has(m))) return false;
          const nationOk = d.nation === null || f.nations.has(d.nation);
          return headOk && nationOk && f.former === d.former;
        });
      });
      let chosen: LocalPerson | null = null;
      if (candidates.length === 1) chosen = candidates[0]!;
      else if (candidates.length > 1) {
        const recent = candidates.filter((p) => lastNamedBefore(p, position) >= position - 2);
        if (recent.length === 1) chosen = recent[0]!;
        // "Labour Minister Omar Haddad … met Hadley. … the minister left": the previous subject
        else if (prevSubject !== null && candidates.includes(prevSubject)) chosen = prevSubject;
      }
      if (chosen !== null) {
        chosen.mentions.push({
          sentence: position,
          lead: d.lead,
          start: d.lead,
          end: d.end,
          via: "descriptor",
          terms: d.terms,
          quote: false,
        });
      }
    }

    // Sentence-initial He/She continues the previous sentence's subject; so does the
    // he/she of an attribution right after an opening quote ("…," he said).
    let first: Tok | undefined = toks[0];
    if (first !== undefined && !first.word && QUOTE_CHARS.test(first.text)) {
      const close = toks.findIndex((t, n) => n > 0 && !t.word && QUOTE_CHARS.test(t.text));
      const pron = toks[close + 1];
      if (
        close > 0 &&
        pron !== undefined &&
        /^(he|she)$/.test(pron.low) &&
        SPEECH_VERBS.has(toks[close + 2]?.low ?? "")
      )
        first = pron;
      else first = undefined;
    }
    // "Judges should think carefully …, he said." — an attribution closing the sentence
    if (first === undefined || !/^(he|she)$/i.test(first.text)) {
      const n = toks.length;
      const endsWithStop = n > 0 && !toks[n - 1]!.word;
      const verb = toks[n - (endsWithStop ? 2 : 1)];
      const pron = toks[n - (endsWithStop ? 3 : 2)];
      const comma = toks[n - (endsWithStop ? 4 : 3)];
      if (
        verb !== undefined &&
        SPEECH_VERBS.has(verb.low) &&
        pron !== undefined &&
        /^(he|she)$/.test(pron.low)
      )
        if (comma !== undefined && (comma.text === "," || QUOTE_CHARS.test(comma.text))) first = pron;
    }
    let linked: LocalPerson | null = null;
    if (first !== undefined && /^(he|she)$/i.test(first.text) && prevSubject !== null) {
      const g = first.low === "he" ? "m" : "f";
      if (prevSubject.gender === null || prevSubject.gender === g) {
        linked = prevSubject;
        prevSubject.mentions.push({
          sentence: position,
          lead: toks.indexOf(first),
          start: toks.indexOf(first),
          end: toks.indexOf(first),
          via: "pronoun",
          terms: [first.text],
          quote: false,
        });
      }
    }
    const quotes = toks.filter((t) => !t.word && QUOTE_CHARS.test(t.text)).length;
    const continuesQuote = insideQuote;
    if (quotes % 2 === 1) insideQuote = !insideQuote;
    else if (quotes > 0 && !continuesQuote) insideQuote = false;
    // A quotation running on from the previous sentence keeps its speaker as the subject.
    const named = persons.some((p) => p.mentions.some((m) => m.sentence === position));
    prevSubject =
      subjectOf(toks, text, persons, position) ?? linked ?? (continuesQuote && !named ? prevSubject : null);
  }
  for (const p of persons) p.mentions.sort((a, b) => a.sentence - b.sentence || a.start - b.start);
}

/** The person in subject position: at the start (after a title), or right after an opening clause's comma. */
function subjectOf(
  toks: readonly Tok[],
  _text: string,
  persons: LocalPerson[],
  position: number,
): LocalPerson | null {
  let best: { p: LocalPerson; lead: number; end: number } | null = null;
  for (const p of persons) {
    if (p.single && !p.evidence) continue; // probably not a person at all
    for (const m of p.mentions) {
      if (m.sentence !== position) continue;
      if (best === null || m.lead < best.lead) best = { p, lead: m.lead, end: m.end };
    }
  }
  if (best === null) return null;
  // One of a list ("Gardener, Darren Campbell, Marlon Devonish and …") is nobody's pronoun antecedent.
  const after = toks[best.end + 1];
  const listed =
    (after?.low === "and" && toks[best.end + 2]?.cap === true) ||
    (toks[best.lead - 1]?.text === "," && after?.text === "," && toks[best.end + 2]?.cap === true);
  if (listed) return null;
  const before = toks.slice(0, best.lead).filter((t) => t.word);
  // "Portside manager Luis Ortega", "The company's finance director, James Whitlock"
  if (before.every((t) => t.low === "the" || t.low === "a" || t.low === "an" || t.cap || t.poss))
    return best.p;
  // "…," Okafor told analysts: the speaker after an opening quote
  if (toks[0] !== undefined && !toks[0].word && QUOTE_CHARS.test(toks[0].text)) {
    const close = toks.findIndex((t, n) => n > 0 && !t.word && QUOTE_CHARS.test(t.text));
    for (const p of persons) {
      for (const m of p.mentions) if (m.sentence === position && close > 0 && m.lead === close + 1) return p;
    }
  }
  const firstComma = toks.findIndex((t) => t.text === ",");
  if (firstComma >= 0 && firstComma === best.lead - 1) {
    // the opening clause must not itself name someone else
    return best.p;
  }
  // "Despite his previous support for Assad, Putin insisted": the subject follows the first comma.
  if (firstComma >= 0) {
    for (const p of persons) {
      for (const m of p.mentions) if (m.sentence === position && m.lead === firstComma + 1) return p;
    }
  }
  return null;
}

function markQuotes(article: Article, sentToks: readonly Tok[][], persons: LocalPerson[]): void {
  const byPosition = new Map<number, number>();
  article.sentences.forEach((s, i) => {
    byPosition.set(s.position, i);
  });
  for (const p of persons) {
    for (const m of p.mentions) {
      const i = byPosition.get(m.sentence);
      if (i === undefined) continue;
      const toks = sentToks[i]!;
      let quoted = false;
      let open = -1;
      let insideAtLead = false;
      toks.forEach((t, n) => {
        if (t.word || !QUOTE_CHARS.test(t.text)) return;
        if (open < 0) open = n;
        else {
          if (toks.slice(open + 1, n).some((w) => w.word)) quoted = true;
          if (open < m.lead && m.lead < n) insideAtLead = true;
          open = -1;
        }
      });
      if (open >= 0 && toks.slice(open + 1).some((w) => w.word)) quoted = true;
      if (open >= 0 && open < m.lead) insideAtLead = true;
      // someone named inside a quotation is not its speaker
      if (!quoted || insideAtLead) continue;
      if (speakerAt(toks, m.lead, m.end)) m.quote = true;
    }
  }
}
