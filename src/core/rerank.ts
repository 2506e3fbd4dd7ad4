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
const DEFINITE = /^["“']?the\s+([\p{L}-]+)/iu;

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

/** Scratch space of rerankFeatures, grown as needed (one question at a time). */
let at = new Int32Array(64);
let counts = new Int32Array(16);
let flags = new Uint8Array(16);
let hasWord = new Uint8Array(16);
/** By term id: 1 + its question term number while rerankFeatures runs, 0 otherwise. */
let kPlusOne = new Int32Array(1024);
/** By term id: the last sentence (numbered by `stamp`) it was counted in, for distinct counts. */
let seenIn = new Uint32Array(1024);
let stamp = 0;

/**
 * The features (see FEATURES) of each candidate, in the candidates' order.
 * The question's distinct terms are numbered 0..n-1 (`k`); a sentence is read as the `k` of each of
 * its index terms (-1 for terms not in the question), straight from the index's term ids.
 */
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
  // The distinct question terms (q.idf's order), their idf and term ids (-1: not in the index).
  const nq = q.idf.size;
  const kOf = new Map<string, number>();
  const idfs: number[] = [];
  const qIds: number[] = [];
  for (const [t, v] of q.idf) {
    qIds.push(index.termIdOf(t));
    kOf.set(t, kOf.size);
    idfs.push(v);
  }
  // The question's words (lemmas, distinct) as the index's lemma ids; -1 for one no article has.
  const wordIds = q.words.map((w) => index.lemmaIdOf(w.word));
  const pairs: number[] = [];
  for (let i = 0; i + 1 < q.terms.length; i++) pairs.push(kOf.get(q.terms[i]!)!, kOf.get(q.terms[i + 1]!)!);
  const pairCount = pairs.length / 2;
  let wordMass = 0;
  for (const w of q.words) wordMass += w.idf;
  let maxIdf = 0;
  for (const v of q.idf.values()) maxIdf = Math.max(maxIdf, v);
  let bestOwnCoverage = 0;
  for (const c of candidates) bestOwnCoverage = Math.max(bestOwnCoverage, c.ownCoverage);
  const afterWh = q.afterWh === null ? -1 : (kOf.get(q.afterWh) ?? -1);
  const lastK = q.last === null ? -1 : (kOf.get(q.last) ?? -1);
  if (counts.length < nq) {
    counts = new Int32Array(nq * 2);
    flags = new Uint8Array(nq * 2);
  }
  if (hasWord.length < wordIds.length) hasWord = new Uint8Array(wordIds.length * 2);
  let maxId = 0;
  for (const id of qIds) maxId = Math.max(maxId, id);
  if (kPlusOne.length <= maxId) kPlusOne = new Int32Array(maxId * 2);
  const kLimit = kPlusOne.length;
  qIds.forEach((id, k) => {
    if (id >= 0) kPlusOne[id] = k + 1;
  });
  // flags: bit 1 the sentence has term k, bit 2 the previous sentence has it, bit 4 the next one.
  const marks = (ids: Uint32Array, from: number, to: number, bit: number): void => {
    for (let i = from; i < to; i++) {
      const id = ids[i]!;
      const k = id < kLimit ? kPlusOne[id]! - 1 : -1;
      if (k >= 0) flags[k]! |= bit;
    }
  };

  try {
    return candidates.map((c, rank) => features(c, rank));
  } finally {
    for (const id of qIds) if (id >= 0) kPlusOne[id] = 0;
  }

  function features(c: Candidate, rank: number): number[] {
    const sentences = index.slotArticle(c.article).sentences;
    const text = sentences[c.sentence]!.text;
    const { terms: ids, offsets } = index.slotTermIds(c.article);
    const from = offsets[c.sentence]!;
    const n = offsets[c.sentence + 1]! - from;
    if (at.length < n) at = new Int32Array(n * 2);
    flags.fill(0, 0, nq);
    let matched = 0;
    let distinct = 0;
    if (++stamp === 0xffffffff) {
      seenIn.fill(0);
      stamp = 1;
    }
    for (let i = 0; i < n; i++) {
      const id = ids[from + i]!;
      const k = id < kLimit ? kPlusOne[id]! - 1 : -1;
      at[i] = k;
      if (k >= 0 && (flags[k]! & 1) === 0) {
        flags[k] = 1;
        matched++;
      }
      if (id >= seenIn.length) {
        const grown = new Uint32Array(id * 2);
        grown.set(seenIn);
        seenIn = grown;
      }
      if (seenIn[id] !== stamp) {
        seenIn[id] = stamp;
        distinct++;
      }
    }

    let close = 0;
    for (let p = 0; p < pairs.length; p += 2) {
      const a = pairs[p]!;
      const b = pairs[p + 1]!;
      if ((flags[a]! & 1) === 0 || (flags[b]! & 1) === 0) continue;
      let near = false;
      for (let i = 0; i < n && !near; i++) {
        if (at[i] !== a) continue;
        for (let j = Math.max(0, i - 2); j <= Math.min(n - 1, i + 2); j++) {
          if (at[j] === b) {
            near = true;
            break;
          }
        }
      }
      if (near) close++;
    }

    let exactMass = 0;
    hasWord.fill(0, 0, q.words.length);
    const words = index.slotLemmas(c.article);
    for (let i = words.offsets[c.sentence]!; i < words.offsets[c.sentence + 1]!; i++) {
      const lemma = words.lemmas[i]!;
      for (let j = 0; j < wordIds.length; j++) {
        if (wordIds[j] === lemma) {
          hasWord[j] = 1;
          break;
        }
      }
    }
    q.words.forEach((w, j) => {
      if (hasWord[j] === 1) exactMass += w.idf;
    });

    // Narrowest window of sentence positions holding one of each matched question term.
    let compact = 0;
    if (matched > 0) {
      counts.fill(0, 0, nq);
      let have = 0;
      let best = Number.POSITIVE_INFINITY;
      let lo = 0;
      for (let i = 0; i < n; i++) {
        const k = at[i]!;
        if (k < 0) continue;
        if (counts[k]!++ === 0) have++;
        while (have === matched) {
          while (at[lo]! < 0) lo++;
          best = Math.min(best, i - lo + 1);
          if (--counts[at[lo]!]! === 0) have--;
          lo++;
        }
      }
      compact = matched / best;
    }

    let missingMax = 0;
    for (let k = 0; k < nq; k++) if ((flags[k]! & 1) === 0) missingMax = Math.max(missingMax, idfs[k]!);

    if (c.sentence > 0) marks(ids, offsets[c.sentence - 1]!, from, 2);
    if (c.sentence + 1 < sentences.length) marks(ids, from + n, offsets[c.sentence + 2]!, 4);
    let prevMass = 0;
    let nextMass = 0;
    let idfMass = 0;
    for (let k = 0; k < nq; k++) {
      const v = idfs[k]!;
      idfMass += v;
      const f = flags[k]!;
      if ((f & 1) !== 0) continue;
      if ((f & 2) !== 0) prevMass += v;
      if ((f & 4) !== 0) nextMass += v;
    }
    let definiteBack = 0;
    const opener = c.sentence > 0 ? DEFINITE.exec(text) : null;
    if (opener !== null) {
      for (const t of normalizeTerm(opener[1]!)) {
        const id = index.termIdOf(t);
        for (let i = offsets[c.sentence - 1]!; i < from && id >= 0; i++) if (ids[i] === id) definiteBack = 1;
      }
    }
    const anaphoric = ANAPHOR.test(text);
    const pointsBack = anaphoric || definiteBack === 1;

    const novel = distinct - matched;

    return [
      Math.log(Math.max(c.score, 1e-9) / Math.max(top, 1e-9)),
      maxOwn > 0 ? c.own / maxOwn : 0,
      c.ownCoverage,
      c.coverage,
      c.cue,
      c.articleScore,
      pairCount > 0 ? close / pairCount : 0,
      wordMass > 0 ? exactMass / wordMass : 0,
      Math.log(1 + n),
      c.sentence === 0 ? 1 : 0,
      anaphoric ? 1 : 0,
      1 / (rank + 1),
      compact,
      distinct > 0 ? novel / distinct : 0,
      maxIdf > 0 ? missingMax / maxIdf : 0,
      missingMax === 0 ? 1 : 0,
      bestOwnCoverage > 0 ? c.ownCoverage / bestOwnCoverage : 0,
      afterWh >= 0 && (flags[afterWh]! & 1) !== 0 ? 1 : 0,
      lastK >= 0 && (flags[lastK]! & 1) !== 0 ? 1 : 0,
      idfMass > 0 ? prevMass / idfMass : 0,
      idfMass > 0 ? nextMass / idfMass : 0,
      idfMass > 0 && pointsBack ? prevMass / idfMass : 0,
      definiteBack,
    ];
  }
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
