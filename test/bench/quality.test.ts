import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadSquad, miniSearchRanks, newsdeskRanks } from "../../bench/eval.ts";

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
    // Measured 0.789 when written; the target is 0.80 (not yet met, see README).
    expect(recall(ours, 1)).toBeGreaterThanOrEqual(0.78);
  }, 120_000);
});
