/**
 * The re-ranker: a linear model over cheap features of the best few candidate sentences of a
 * question, learned with listwise (softmax) logistic regression on XQuAD (`npm run train-rank`, which
 * writes the weights to rerank-weights.ts and reports the figure cross-validated by article).
 * The features are general (coverage, exact and adjacent matches, where the question's words stand,
 * whether the sentence points back at the previous one); none is keyed to XQuAD's questions.
 *
 * It only reorders the first `RERANK_DEPTH` candidates of the hand-tuned ranking, so it costs about
 * 0.2 ms per question (measured on the BBC + Reuters corpora) whatever the size of the knowledge.
 */
import { ANAPHOR, type Hit, type NewsIndex } from "./index.ts";
import { foldText, lemmaOf, normalizeTerm, STOP_WORDS, tokenize } from "./normalize.ts";
import { questionContent } from "./rank.ts";
import { RERANK_WEIGHTS } from "./rerank-weights.ts";

/** How many of the best candidates the re-ranker reorders. */
export const RERANK_DEPTH = 10;

/** A candidate sentence: a hit with its score after the question-cue boost. */
export interface Candidate extends Hit {
  /** The cue boost it earned (a fraction of its plain score). */
  readonly cue: number;
}

/** The features, in the order of the weights. */
export const FEATURES = [
  "relScore", // log of its score over the best candidate's
  "relOwn", // its own BM25 over the best candidate's
  "ownCoverage", // share of the question its own words cover
  "coverage", // share covered with neighbours and title
  "cue", // question-cue boost
  "articleScore", // its article's stage-1 score over the best article's
  "bigrams", // share of the question's adjacent term pairs that stand close together in it
  "exact", // idf-weighted share of the question's words it has as written, up to inflection (lemmaOf)
  "logLength", // log(1 + its index terms)
  "first", // first sentence of its paragraph
  "anaphoric", // opens with a pronoun pointing back
  "invRank", // 1 / its rank before re-ranking
  "compact", // matched question terms over the width of the window that holds them
  "novelty", // share of its distinct terms that are not in the question
  "missingMax", // idf of the rarest question term it lacks, over that of the question's rarest term
  "allOwn", // it has every question term the knowledge knows
  "relOwnCoverage", // its own coverage over the best own coverage among the candidates
  "afterWh", // it has the first question term after the question word ("What political party…")
  "lastTerm", // it has the question's last term ("…oppose what?", "…did the fossils lack?")
  "prevShare", // idf share of the question only the previous sentence has
  "nextShare", // idf share of the question only the next sentence has
  "prevShareBack", // prevShare when it points back (pronoun, or "The <word of the previous sentence>")
  "definiteBack", // it opens with "The <word>" and the previous sentence has that word
] as const;

const WH = /^(?:what|which|who|whom|whose|when|where|why|how)$/i;

/** Question terms, in order, with their idf; and the question's content words as written (folded). */
interface QuestionView {
  readonly terms: readonly string[];
  /** The first term after the question word, and the question's last term (null when none). */
  readonly afterWh: string | null;
  readonly last: string | null;
  readonly idf: ReadonlyMap<string, number>;
  readonly words: readonly { word: string; idf: number }[];
}

function viewOf(index: NewsIndex, queryTerms: readonly string[], question: string): QuestionView {
  const idf = new Map<string, number>();
  for (const t of queryTerms) idf.set(t, index.termIdf(t));
  const words: { word: string; idf: number }[] = [];
  let afterWh: string | null = null;
  let last: string | null = null;
  let seenWh = false;
  for (const token of tokenize(questionContent(question))) {
    const terms = normalizeTerm(token.word);
    const w = foldText(token.word);
    if (WH.test(w)) seenWh = true;
    else if (terms.length > 0) {
      if (seenWh && afterWh === null) afterWh = terms[terms.length - 1]!;
      last = terms[terms.length - 1]!;
    }
    if (STOP_WORDS.has(w) || w.length < 2 || words.some((x) => x.word === lemmaOf(w))) continue;
    // A written word weighs as its rarest index term does.
    words.push({ word: lemmaOf(w), idf: Math.max(0.1, ...terms.map((t) => idf.get(t) ?? 0)) });
  }
  return { terms: queryTerms, idf, words, afterWh, last };
}

/** The features (see FEATURES) of each candidate, in the candidates' order. */
export function rerankFeatures(
  index: NewsIndex,
  question: string,
  queryTerms: readonly string[],
  candidates: readonly Candidate[],
): number[][] {
  if (candidates.length === 0) return [];
  const q = viewOf(index, queryTerms, question);
  const top = candidates[0]!.score;
  let maxOwn = 0;
  for (const c of candidates) maxOwn = Math.max(maxOwn, c.own);
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < q.terms.length; i++) pairs.push([q.terms[i]!, q.terms[i + 1]!]);
  let wordMass = 0;
  for (const w of q.words) wordMass += w.idf;
  let maxIdf = 0;
  for (const v of q.idf.values()) maxIdf = Math.max(maxIdf, v);
  let bestOwnCoverage = 0;
  for (const c of candidates) bestOwnCoverage = Math.max(bestOwnCoverage, c.ownCoverage);

  return candidates.map((c, rank) => {
    const text = index.slotArticle(c.article).sentences[c.sentence]!.text;
    const terms = index.sentenceTerms(c.article, c.sentence);
    const positions = new Map<string, number[]>();
    terms.forEach((t, i) => {
      if (!q.idf.has(t)) return;
      const list = positions.get(t);
      if (list) list.push(i);
      else positions.set(t, [i]);
    });

    let close = 0;
    for (const [a, b] of pairs) {
      const pa = positions.get(a);
      const pb = positions.get(b);
      if (pa && pb && pa.some((i) => pb.some((j) => Math.abs(i - j) <= 2))) close++;
    }

    const folded = new Set(tokenize(text).map((t) => lemmaOf(t.word)));
    let exactMass = 0;
    for (const w of q.words) if (folded.has(w.word)) exactMass += w.idf;

    // Narrowest window of sentence positions holding one of each matched question term.
    const matched = [...positions.keys()];
    let compact = 0;
    if (matched.length > 0) {
      const events = matched.flatMap((t, k) => positions.get(t)!.map((i) => [i, k] as const));
      events.sort((x, y) => x[0] - y[0]);
      const count = new Array<number>(matched.length).fill(0);
      let have = 0;
      let best = Number.POSITIVE_INFINITY;
      let lo = 0;
      for (const [i, k] of events) {
        if (count[k]!++ === 0) have++;
        while (have === matched.length) {
          const [j, m] = events[lo]!;
          best = Math.min(best, i - j + 1);
          if (--count[m]! === 0) have--;
          lo++;
        }
      }
      compact = matched.length / best;
    }

    let missingMax = 0;
    for (const [t, v] of q.idf) if (!positions.has(t)) missingMax = Math.max(missingMax, v);

    const prevTerms =
      c.sentence > 0 ? new Set(index.sentenceTerms(c.article, c.sentence - 1)) : new Set<string>();
    const sentenceCount = index.slotArticle(c.article).sentences.length;
    const nextTerms =
      c.sentence + 1 < sentenceCount
        ? new Set(index.sentenceTerms(c.article, c.sentence + 1))
        : new Set<string>();
    let prevMass = 0;
    let nextMass = 0;
    let idfMass = 0;
    for (const [t, v] of q.idf) {
      idfMass += v;
      if (positions.has(t)) continue;
      if (prevTerms.has(t)) prevMass += v;
      if (nextTerms.has(t)) nextMass += v;
    }
    const opener = /^["“']?the\s+([\p{L}-]+)/iu.exec(text);
    const definiteBack = opener !== null && normalizeTerm(opener[1]!).some((t) => prevTerms.has(t)) ? 1 : 0;
    const pointsBack = ANAPHOR.test(text) || definiteBack === 1;

    const distinct = new Set(terms);
    let novel = 0;
    for (const t of distinct) if (!q.idf.has(t)) novel++;

    return [
      Math.log(Math.max(c.score, 1e-9) / Math.max(top, 1e-9)),
      maxOwn > 0 ? c.own / maxOwn : 0,
      c.ownCoverage,
      c.coverage,
      c.cue,
      c.articleScore,
      pairs.length > 0 ? close / pairs.length : 0,
      wordMass > 0 ? exactMass / wordMass : 0,
      Math.log(1 + terms.length),
      c.sentence === 0 ? 1 : 0,
      ANAPHOR.test(text) ? 1 : 0,
      1 / (rank + 1),
      compact,
      distinct.size > 0 ? novel / distinct.size : 0,
      maxIdf > 0 ? missingMax / maxIdf : 0,
      missingMax === 0 ? 1 : 0,
      bestOwnCoverage > 0 ? c.ownCoverage / bestOwnCoverage : 0,
      q.afterWh !== null && positions.has(q.afterWh) ? 1 : 0,
      q.last !== null && positions.has(q.last) ? 1 : 0,
      idfMass > 0 ? prevMass / idfMass : 0,
      idfMass > 0 ? nextMass / idfMass : 0,
      idfMass > 0 && pointsBack ? prevMass / idfMass : 0,
      definiteBack,
    ];
  });
}

/** The model's score of one feature row. */
export function rerankScore(
  features: readonly number[],
  weights: readonly number[] = RERANK_WEIGHTS,
): number {
  let s = 0;
  for (let i = 0; i < features.length; i++) s += (weights[i] ?? 0) * features[i]!;
  return s;
}

/**
 * Reorders the first RERANK_DEPTH candidates by the model; returns new candidates whose scores
 * follow the new order (the best keeps its score; the others get it scaled by exp of the model's
 * difference, and no later candidate scores above an earlier one).
 */
export function rerank(
  index: NewsIndex,
  question: string,
  queryTerms: readonly string[],
  candidates: readonly Candidate[],
  weights: readonly number[] = RERANK_WEIGHTS,
): Candidate[] {
  const head = candidates.slice(0, RERANK_DEPTH);
  if (head.length < 2 || weights.length === 0) return [...candidates];
  const features = rerankFeatures(index, question, queryTerms, head);
  const model = features.map((f) => rerankScore(f, weights));
  const order = head.map((_, i) => i).sort((x, y) => model[y]! - model[x]! || x - y);
  const best = model[order[0]!]!;
  const topScore = head[0]!.score;
  const out: Candidate[] = order.map((i) => ({ ...head[i]!, score: topScore * Math.exp(model[i]! - best) }));
  let floor = out[out.length - 1]!.score;
  for (const c of candidates.slice(RERANK_DEPTH)) {
    floor = Math.min(floor, c.score);
    out.push({ ...c, score: floor });
  }
  return out;
}
