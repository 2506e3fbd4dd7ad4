/**
 * `ask`: from a question to an Answer made only of sentences from the articles, each cited.
 */
import type { Hit, NewsIndex, RankingOptions, SearchOutcome } from "./index.ts";
import { defaultRanking } from "./index.ts";
import { normalizeTerm, tokenize } from "./normalize.ts";
import { passageOf } from "./passage.ts";
import { cueBoostLowered, questionCues } from "./rank.ts";
import { type Candidate, RERANK_DEPTH, rerank } from "./rerank.ts";
import type { Answer, Article } from "./types.ts";

/** Longest question accepted, in characters. */
export const MAX_QUERY_LENGTH = 500;

export interface AskOptions {
  /** How many passages to return (default 5). */
  readonly limit?: number;
  /** How many of the best passages to skip (paging). */
  readonly offset?: number;
  /** Which articles may be quoted (per-server knowledge). */
  readonly visible?: (article: Article) => boolean;
  readonly ranking?: Partial<RankingOptions>;
}

/** The words of `text`, as written there, whose index terms are in `matched`. */
export function matchedWords(text: string, matched: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const { word } of tokenize(text)) {
    if (!out.includes(word) && normalizeTerm(word).some((t) => matched.has(t))) out.push(word);
  }
  return out;
}

function invalid(query: string, message: string): Answer {
  return { command: "ask", query, status: "invalid", message, suggestions: [], results: [] };
}

/** Checks a question; returns a user-facing reason when it cannot be asked. */
export function validateQuestion(query: string): string | null {
  const q = query.trim();
  if (q.length === 0) return "Ask a question, for example: /ask reconstruction";
  if (q.length > MAX_QUERY_LENGTH) {
    return `That question is ${q.length} characters long; keep it under ${MAX_QUERY_LENGTH}.`;
  }
  if (tokenize(q).length === 0) return "That question has no words in it; try a name or a topic.";
  return null;
}

/** Whether `x` comes after `y` in the ranking: higher score first, then lower slot, then earlier sentence. */
function after(x: Hit, y: Hit): boolean {
  return (y.score - x.score || x.article - y.article || x.sentence - y.sentence) > 0;
}

/**
 * The `wanted` best distinct sentences for a question, by plain score times the question-cue boost,
 * before re-ranking. Hits covering less than `minCoverage` of the question are left out.
 */
export function candidates(
  index: NewsIndex,
  query: string,
  outcome: SearchOutcome,
  options: AskOptions,
  wanted: number,
): Candidate[] {
  const minCoverage = options.ranking?.minCoverage ?? defaultRanking.minCoverage;
  const cueWeight = options.ranking?.cueWeight ?? defaultRanking.cueWeight;
  const cues = questionCues(query);
  const asked = query.toLowerCase();
  const hits = outcome.hits;
  // The eligible hits: how many, the `wanted`-th, and whether they stand in ranking order.
  let eligible = 0;
  let kth: Hit | undefined;
  let sorted = true;
  let previous: Hit | undefined;
  for (const h of hits) {
    if (!(h.coverage >= minCoverage)) continue;
    if (++eligible === wanted) kth = h;
    if (Number.isNaN(h.score)) continue; // never considered (see `floor` below)
    if (previous !== undefined && after(previous, h)) sorted = false;
    previous = h;
  }
  // Without cues every boost is 0, so the hits' own order is the ranking when they stand sorted.
  if (cues.length === 0 && sorted) {
    const seen = new Set<string>();
    const unique: Candidate[] = [];
    for (const h of hits) {
      if (!(h.coverage >= minCoverage) || Number.isNaN(h.score)) continue;
      const text = index.slotArticle(h.article).sentences[h.sentence]!.text;
      if (seen.has(text)) continue;
      seen.add(text);
      unique.push({ ...h, cue: 0, score: h.score });
      if (unique.length >= wanted) break;
    }
    return unique;
  }

  /** Cue-boosted ranking of the hits whose plain score is at least `floor`, one per distinct sentence. */
  const rank = (floor: number): { unique: Candidate[]; complete: boolean } => {
    // Positions (in `hits`) of the considered hits, with their cue boosts and boosted scores; only
    // the hits that make the list become Candidate objects.
    const at: number[] = [];
    const boosts: number[] = [];
    const scores: number[] = [];
    hits.forEach((h, i) => {
      if (!(h.coverage >= minCoverage && h.score >= floor)) return;
      at.push(i);
      const cue =
        cues.length === 0
          ? 0
          : cueBoostLowered(cues, index.slotArticle(h.article).sentences[h.sentence]!.text, asked, cueWeight);
      boosts.push(cue);
      scores.push(h.score * (1 + cue));
    });
    const order = at.map((_, k) => k);
    order.sort((x, y) => {
      const a = hits[at[x]!]!;
      const b = hits[at[y]!]!;
      return scores[y]! - scores[x]! || a.article - b.article || a.sentence - b.sentence;
    });
    // The same sentence may stand in several articles (wire copy): quote it once.
    const seen = new Set<string>();
    const unique: Candidate[] = [];
    for (const k of order) {
      const h = hits[at[k]!]!;
      const text = index.slotArticle(h.article).sentences[h.sentence]!.text;
      if (seen.has(text)) continue;
      seen.add(text);
      unique.push({ ...h, cue: boosts[k]!, score: scores[k]! });
      if (unique.length >= wanted) break;
    }
    return { unique, complete: unique.length >= wanted || at.length === eligible };
  };
  // A boost multiplies a score by at most `maxBoost`, so a hit whose plain score is below the
  // `wanted`-th best divided by it can never reach the page: skip checking cues on the long tail.
  const maxBoost = 1 + cueWeight * cues.length;
  const first = rank(cues.length > 0 && kth ? kth.score / maxBoost : Number.NEGATIVE_INFINITY);
  return first.complete ? first.unique : rank(Number.NEGATIVE_INFINITY).unique;
}

/**
 * Answers a question with the best-matching sentences of the knowledge, verbatim and cited.
 *
 * @example
 * const answer = ask(index, "Where did Assad flee?");
 * answer.results[0].text; // "Following his overthrow, the former Syrian leader fled to Russia, …"
 */
export function ask(index: NewsIndex, question: string, options: AskOptions = {}): Answer {
  const query = question.trim();
  const problem = validateQuestion(query);
  if (problem) return invalid(query, problem);

  const limit = Math.max(1, Math.min(options.limit ?? 5, 25));
  const offset = Math.max(0, options.offset ?? 0);
  const outcome = index.search(query, {
    ...(options.visible ? { visible: options.visible } : {}),
    ...(options.ranking ? { ranking: options.ranking } : {}),
  });
  if (outcome.queryTerms.length === 0) {
    return invalid(query, "That question has only very common words; try a name or a topic.");
  }
  const unique = candidates(index, query, outcome, options, Math.max(offset + limit, RERANK_DEPTH));
  const ranked =
    options.ranking?.rerank === false ? unique : rerank(index, query, outcome.queryTerms, unique);

  if (unique.length === 0) {
    const suggestions = index.suggest(query);
    const unknown =
      outcome.unknownWords.length > 0 ? ` (not in any article: ${outcome.unknownWords.join(", ")})` : "";
    return {
      command: "ask",
      query,
      status: "no-match",
      message: `No good match for that question${unknown}.`,
      suggestions,
      results: [],
    };
  }
  const results = ranked.slice(offset, offset + limit).map((h) => {
    const article = index.slotArticle(h.article);
    const words = matchedWords(article.sentences[h.sentence]!.text, outcome.matchedTerms);
    return passageOf(article, h.sentence, h.score, words);
  });
  return { command: "ask", query, status: "ok", message: null, suggestions: [], results };
}
