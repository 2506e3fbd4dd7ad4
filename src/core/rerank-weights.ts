/**
 * Weights of the re-ranker, one per feature of rerank.ts FEATURES, written by
 * `npm run train-rank -- --write` (listwise logistic regression on XQuAD, lambda 0.03;
 * R@1 0.801 fitted on all questions).
 */
export const RERANK_WEIGHTS: readonly number[] = [
  0.6536, // relScore
  0.4198, // relOwn
  0.8566, // ownCoverage
  1.4902, // coverage
  5.6079, // cue
  1.6363, // articleScore
  0.5797, // bigrams
  2.1278, // exact
  -0.2856, // logLength
  0.1229, // first
  0.042, // anaphoric
  1.0445, // invRank
  0.3049, // compact
  -0.4714, // novelty
  -0.4728, // missingMax
  -0.038, // allOwn
  0.5115, // relOwnCoverage
  0.6613, // afterWh
  0.2624, // lastTerm
  1.8081, // prevShare
  0.0215, // nextShare
  1.1012, // prevShareBack
  -0.1156, // definiteBack
];
