import { describe, expect, it } from "vitest";
import { crossValidate, fit, fitListwise, rankWith, type Sample, scaleOf } from "../../bench/train-rank.ts";
import { FEATURES } from "../../src/core/rerank.ts";

/** Synthetic questions: feature 1 (relOwn) marks the answer; feature 0 (relScore) is noise. */
function synthetic(groups: number, perGroup: number): Sample[] {
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const out: Sample[] = [];
  for (let g = 0; g < groups; g++) {
    for (let q = 0; q < perGroup; q++) {
      const answer = Math.floor(random() * 5);
      const features = Array.from({ length: 5 }, (_, i) =>
        FEATURES.map((_, k) => (k === 0 ? random() : k === 1 ? (i === answer ? 1 : 0) + 0.3 * random() : 0)),
      );
      out.push({ group: `title-${g}`, features, labels: features.map((_, i) => i === answer) });
    }
  }
  return out;
}

describe("re-ranker training", () => {
  for (const [name, learn] of [
    ["listwise", fitListwise],
    ["pairwise", fit],
  ] as const) {
    it(`GIVEN questions whose answer one feature marks WHEN fitted ${name} THEN that feature gets the weight and the answer comes first`, () => {
      const samples = synthetic(4, 25);
      const weights = learn(samples, 0.01, scaleOf(samples));
      expect(weights[1]).toBeGreaterThan(Math.abs(weights[0]!) * 3);
      expect(samples.every((s) => rankWith(s, weights) === 1)).toBe(true);
    });
  }

  it("GIVEN folds split by title WHEN cross-validated THEN every question gets a held-out rank", () => {
    const samples = synthetic(6, 10);
    const ranks = crossValidate(samples, 3, 0.01, fitListwise);
    expect(ranks).toHaveLength(samples.length);
    expect(ranks.filter((r) => r === 1).length).toBe(samples.length);
  });

  it("GIVEN the candidates in their original order WHEN ranked without weights THEN the first answer's position is returned", () => {
    const sample: Sample = { group: "t", features: [[0], [0], [0]], labels: [false, true, false] };
    expect(rankWith(sample, null)).toBe(2);
    expect(rankWith({ ...sample, labels: [false, false, false] }, null)).toBeNull();
  });
});
