import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadSquad, miniSearchRanks, newsdeskRanks } from "../../bench/eval.ts";
import { crossValidate, fitListwise, samplesOf } from "../../bench/train-rank.ts";

const XQUAD = "../shared/eval/xquad.en.json";
const present = existsSync(XQUAD);
if (!present) console.warn(`skipping retrieval-quality test: ${XQUAD} is absent`);

const recall = (ranks: (number | null)[], k: number) =>
  ranks.filter((r) => r !== null && r <= k).length / ranks.length;

describe.skipIf(!present)("sentence retrieval quality on XQuAD (shared data)", () => {
  it("GIVEN 1,190 XQuAD questions WHEN ranked THEN Newsdesk beats plain MiniSearch and holds its measured level", () => {
    const set = loadSquad(XQUAD);
    expect(set.questions).toHaveLength(1190);
    const ours = newsdeskRanks(set);
    const plain = miniSearchRanks(set);
    console.log(
      `XQuAD R@1 ${recall(ours, 1).toFixed(3)} R@3 ${recall(ours, 3).toFixed(3)} (plain MiniSearch ${recall(plain, 1).toFixed(3)} / ${recall(plain, 3).toFixed(3)})`,
    );
    expect(recall(ours, 1)).toBeGreaterThan(recall(plain, 1) + 0.05);
    expect(recall(ours, 3)).toBeGreaterThanOrEqual(0.92);
    // Measured 0.801 with the committed re-ranker weights (issue target 0.80); the floor leaves a
    // few questions' margin for changes elsewhere in the pipeline.
    expect(recall(ours, 1)).toBeGreaterThanOrEqual(0.795);
  }, 120_000);

  it("GIVEN the re-ranker trained on 7/8 of XQuAD's articles WHEN scored on the articles it never saw THEN R@1 holds too", () => {
    const samples = samplesOf(loadSquad(XQUAD));
    const ranks = crossValidate(samples, 8, 0.03, fitListwise);
    console.log(
      `XQuAD 8-fold cross-validated R@1 ${recall(ranks, 1).toFixed(3)} R@3 ${recall(ranks, 3).toFixed(3)}`,
    );
    // Measured 0.801 (R@3 0.940); before re-ranking 0.795.
    expect(recall(ranks, 1)).toBeGreaterThanOrEqual(0.795);
    expect(recall(ranks, 3)).toBeGreaterThanOrEqual(0.92);
  }, 120_000);
});
