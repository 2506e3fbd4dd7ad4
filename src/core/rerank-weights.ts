/**
 * Weights of the re-ranker, one per feature of rerank.ts FEATURES, written by
 * `npm run train-rank -- --write` (listwise logistic regression on XQuAD, lambda 0.03;
 * R@1 0.804 fitted on all questions).
 */
export const RERANK_WEIGHTS: readonly number[] = [
  0.6548, // relScore
  0.4589, // relOwn
  0.9338, // ownCoverage
  1.5304, // coverage
  5.743, // cue
  1.601, // articleScore
  0.5143, // bigrams
  2.2357, // exact
  -0.305, // logLength
  0.1008, // first
  0.048, // anaphoric
  1.0143, // invRank
  0.2471, // compact
  -0.4479, // novelty
  -0.4299, // missingMax
  -0.0148, // allOwn
  0.5309, // relOwnCoverage
  0.6639, // afterWh
  0.2415, // lastTerm
  1.7873, // prevShare
  0.0382, // nextShare
  0.9896, // prevShareBack
  -0.1605, // definiteBack
];
