/**
 * `ask`: from a question to an Answer made only of sentences from the articles, each cited.
 */
import type { NewsIndex, RankingOptions, SearchOutcome } from "./index.ts";
import { defaultRanking } from "./index.ts";
import { normalizeTerm, tokenize } from "./normalize.ts";
import { passageOf } from "./passage.ts";
import { cueBoost, questionCues } from "./rank.ts";
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
  for (const token of tokenize(text)) {
    if (normalizeTerm(token.word).some((t) => matched.has(t)) && !out.includes(token.word))
      out.push(token.word);
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
  const eligible = outcome.hits.filter((h) => h.coverage >= minCoverage); // best plain score first

  /** Cue-boosted ranking of the hits whose plain score is at least `floor`, one per distinct sentence. */
  const rank = (floor: number): { unique: Candidate[]; complete: boolean } => {
    const considered = eligible.filter((h) => h.score >= floor);
    const ranked = considered
      .map((h) => {
        const text = index.slotArticle(h.article).sentences[h.sentence]!.text;
        const cue = cueBoost(cues, text, query, cueWeight);
        return { ...h, cue, score: h.score * (1 + cue) };
      })
      .sort((x, y) => y.score - x.score || x.article - y.article || x.sentence - y.sentence);
    // The same sentence may stand in several articles (wire copy): quote it once.
    const seen = new Set<string>();
    const unique: Candidate[] = [];
    for (const h of ranked) {
      const text = index.slotArticle(h.article).sentences[h.sentence]!.text;
      if (seen.has(text)) continue;
      seen.add(text);
      unique.push(h);
      if (unique.length >= wanted) break;
    }
    return { unique, complete: unique.length >= wanted || considered.length === eligible.length };
  };
  // A boost multiplies a score by at most `maxBoost`, so a hit whose plain score is below the
  // `wanted`-th best divided by it can never reach the page: skip checking cues on the long tail.
  const maxBoost = 1 + cueWeight * cues.length;
  const kth = eligible[wanted - 1];
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
