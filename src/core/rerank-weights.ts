/**
 * Weights of the re-ranker, one per feature of rerank.ts FEATURES, written by
 * `npm run train-rank -- --write` (listwise logistic regression on XQuAD, lambda 0.03;
 * R@1 0.801 fitted on all questions).
 */
export const RERANK_WEIGHTS: readonly number[] = [
  0.6532, // relScore
  0.421, // relOwn
  0.8592, // ownCoverage
  1.4872, // coverage
  5.5452, // cue
  1.6371, // articleScore
  0.5805, // bigrams
  2.1167, // exact
  -0.2893, // logLength
  0.1196, // first
  0.0446, // anaphoric
  1.0522, // invRank
  0.2962, // compact
  -0.4672, // novelty
  -0.4655, // missingMax
  -0.0289, // allOwn
  0.5088, // relOwnCoverage
  0.6582, // afterWh
  0.2607, // lastTerm
  1.8019, // prevShare
  0.0304, // nextShare
  1.0873, // prevShareBack
  -0.1311, // definiteBack
];
