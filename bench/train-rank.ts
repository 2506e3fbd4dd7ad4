/**
 * Trains the re-ranker (src/core/rerank.ts) on a SQuAD-format file: for every question, the best
 * RERANK_DEPTH candidates of the hand-tuned ranking, their features, and which of them hold the answer;
 * then a linear model fitted by listwise (softmax) logistic regression: the share of a softmax over
 * a question's candidates that falls on its answer sentences is maximised (L2-regularised, damped
 * Newton steps on standardised features). `--loss pairwise` fits each answer sentence against each
 * other candidate instead (it did worse on XQuAD).
 *
 * It reports R@1/R@3/R@5/MRR@10 before re-ranking, with the model fitted on all questions, and
 * cross-validated: k folds split by SQuAD article (title), each fold scored by a model that never saw
 * its articles. With --write it stores the all-data weights in src/core/rerank-weights.ts.
 *
 *   npm run train-rank -- --squad ../shared/eval/xquad.en.json [--folds 8] [--lambda 0.03] [--loss listwise|pairwise] [--write]
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { candidates } from "../src/core/answer.ts";
import { NewsIndex } from "../src/core/index.ts";
import { FEATURES, RERANK_DEPTH, rerankFeatures, rerankScore } from "../src/core/rerank.ts";
import { type EvalSet, isAnswer, loadSquad, type Metrics, score } from "./eval.ts";

/** One question's candidates: feature rows and whether each holds the answer. */
export interface Sample {
  readonly group: string;
  readonly features: number[][];
  readonly labels: boolean[];
}

export function samplesOf(set: EvalSet): Sample[] {
  const index = NewsIndex.build(set.articles);
  return set.questions.map((q) => {
    const query = q.text.trim();
    const group = q.article.slice(0, q.article.lastIndexOf("/"));
    const outcome = index.search(query);
    if (outcome.queryTerms.length === 0) return { group, features: [], labels: [] };
    const list = candidates(index, query, outcome, {}, RERANK_DEPTH);
    return {
      group,
      features: rerankFeatures(index, query, outcome.queryTerms, list).map((f) =>
        f.map((v, k) => (!MASK || MASK.includes(FEATURES[k]!) ? v : 0)),
      ),
      labels: list.map((c) => isAnswer(set, q, index.slotArticle(c.article).id, c.sentence)),
    };
  });
}

/** Rank (1-based) of the first answer once the candidates are ordered by `weights`; null when none. */
export function rankWith(sample: Sample, weights: readonly number[] | null): number | null {
  const order = sample.features.map((_, i) => i);
  if (weights) {
    const model = sample.features.map((f) => rerankScore(f, weights));
    order.sort((x, y) => model[y]! - model[x]! || x - y);
  }
  const at = order.findIndex((i) => sample.labels[i]);
  return at < 0 ? null : at + 1;
}

/** Regularisation centre, in scaled units: the hand-tuned order (all weight on relScore) times PRIOR. */
const PRIOR = Number(process.env.PRIOR ?? 0);
const MASK = process.env.FEATURES ? process.env.FEATURES.split(",") : undefined;
function priorOf(scale: readonly number[]): number[] {
  return FEATURES.map((name, k) => (name === "relScore" ? PRIOR * scale[k]! : 0));
}

/** Solves a x = b (Gaussian elimination with partial pivoting); a is n×n. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= m[r]![k]! * x[k]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}

/**
 * Pairwise logistic regression: minimises the mean over questions of the mean over (answer, other)
 * pairs of log(1 + exp(-w·(f_answer - f_other))), plus lambda/2 |w|², on features scaled by `scale`.
 * Returns weights for the unscaled features.
 */
export function fit(samples: readonly Sample[], lambda: number, scale: readonly number[]): number[] {
  const d = scale.length;
  const prior = priorOf(scale);
  const diffs: { x: number[]; weight: number }[] = [];
  let questions = 0;
  for (const s of samples) {
    const pos = s.labels.flatMap((l, i) => (l ? [i] : []));
    const neg = s.labels.flatMap((l, i) => (l ? [] : [i]));
    if (pos.length === 0 || neg.length === 0) continue;
    questions++;
    const weight = 1 / (pos.length * neg.length);
    for (const p of pos) {
      for (const n of neg) {
        diffs.push({ x: s.features[p]!.map((v, k) => (v - s.features[n]![k]!) / scale[k]!), weight });
      }
    }
  }
  let w = [...prior];
  for (let iter = 0; iter < 50; iter++) {
    const grad = w.map((v, k) => lambda * (v - prior[k]!));
    const hess = Array.from({ length: d }, (_, i) =>
      Array.from({ length: d }, (_, j) => (i === j ? lambda : 0)),
    );
    for (const { x, weight } of diffs) {
      let z = 0;
      for (let k = 0; k < d; k++) z += w[k]! * x[k]!;
      const p = 1 / (1 + Math.exp(-z));
      const g = (weight * (p - 1)) / questions;
      const h = (weight * p * (1 - p)) / questions;
      for (let i = 0; i < d; i++) {
        grad[i]! += g * x[i]!;
        for (let j = 0; j < d; j++) hess[i]![j]! += h * x[i]! * x[j]!;
      }
    }
    const step = solve(hess, grad);
    w = w.map((v, k) => v - step[k]!);
    if (Math.max(...step.map(Math.abs)) < 1e-9) break;
  }
  return w.map((v, k) => v / scale[k]!);
}

/**
 * Listwise (softmax) logistic regression: minimises the mean over questions of -log of the share of
 * softmax(w·f) that falls on its answer sentences, plus lambda/2 |w|², on features scaled by `scale`.
 * Newton steps with the covariance under the softmax as the Hessian. Returns unscaled weights.
 */
export function fitListwise(samples: readonly Sample[], lambda: number, scale: readonly number[]): number[] {
  const d = scale.length;
  const prior = priorOf(scale);
  const lists = samples
    .filter((s) => s.labels.some((l) => l) && s.labels.some((l) => !l))
    .map((s) => ({ x: s.features.map((f) => f.map((v, k) => v / scale[k]!)), y: s.labels }));
  const loss = (w: readonly number[]): number => {
    let sum = 0;
    for (const { x, y } of lists) {
      const z = x.map((f) => f.reduce((s, v, k) => s + v * w[k]!, 0));
      const max = Math.max(...z);
      const all = z.reduce((a, v) => a + Math.exp(v - max), 0);
      const pos = z.reduce((a, v, i) => a + (y[i] ? Math.exp(v - max) : 0), 0);
      sum += Math.log(all) - Math.log(pos);
    }
    return sum / lists.length + (lambda / 2) * w.reduce((a, v, k) => a + (v - prior[k]!) ** 2, 0);
  };
  let w = [...prior];
  let current = loss(w);
  for (let iter = 0; iter < 100; iter++) {
    const grad = w.map((v, k) => lambda * (v - prior[k]!));
    const hess = Array.from({ length: d }, (_, i) =>
      Array.from({ length: d }, (_, j) => (i === j ? lambda : 0)),
    );
    for (const { x, y } of lists) {
      const z = x.map((f) => f.reduce((s, v, k) => s + v * w[k]!, 0));
      const max = Math.max(...z);
      const e = z.map((v) => Math.exp(v - max));
      const all = e.reduce((a, b) => a + b, 0);
      const pos = e.reduce((a, b, i) => a + (y[i] ? b : 0), 0);
      const q = e.map((v) => v / all);
      const r = e.map((v, i) => (y[i] ? v / pos : 0));
      const mean = new Array<number>(d).fill(0);
      x.forEach((f, i) => {
        for (let k = 0; k < d; k++) mean[k]! += q[i]! * f[k]!;
      });
      x.forEach((f, i) => {
        for (let k = 0; k < d; k++) grad[k]! += ((q[i]! - r[i]!) * f[k]!) / lists.length;
        for (let a = 0; a < d; a++) {
          for (let b = 0; b < d; b++)
            hess[a]![b]! += (q[i]! * (f[a]! - mean[a]!) * (f[b]! - mean[b]!)) / lists.length;
        }
      });
    }
    const step = solve(hess, grad);
    // Damped Newton: halve the step until the loss goes down.
    let t = 1;
    let next = w.map((v, k) => v - step[k]!);
    let value = loss(next);
    while (!(value <= current) && t > 1e-6) {
      t /= 2;
      next = w.map((v, k) => v - t * step[k]!);
      value = loss(next);
    }
    if (!(value <= current)) break;
    const done = current - value < 1e-10;
    w = next;
    current = value;
    if (done) break;
  }
  return w.map((v, k) => v / scale[k]!);
}

/** Standard deviation of each feature over every candidate row (1 where it is constant). */
export function scaleOf(samples: readonly Sample[]): number[] {
  const rows = samples.flatMap((s) => s.features);
  return FEATURES.map((_, k) => {
    const mean = rows.reduce((sum, r) => sum + r[k]!, 0) / rows.length;
    const sd = Math.sqrt(rows.reduce((sum, r) => sum + (r[k]! - mean) ** 2, 0) / rows.length);
    return sd > 1e-12 ? sd : 1;
  });
}

/** Held-out ranks: each fold (a set of titles) scored by a model fitted on the other folds. */
export function crossValidate(
  samples: readonly Sample[],
  folds: number,
  lambda: number,
  learn: typeof fit,
): (number | null)[] {
  const groups = [...new Set(samples.map((s) => s.group))];
  const foldOf = new Map(groups.map((g, i) => [g, i % folds]));
  const ranks = new Array<number | null>(samples.length).fill(null);
  for (let f = 0; f < folds; f++) {
    const train = samples.filter((s) => foldOf.get(s.group) !== f);
    const weights = learn(train, lambda, scaleOf(train));
    samples.forEach((s, i) => {
      if (foldOf.get(s.group) === f) ranks[i] = rankWith(s, weights);
    });
  }
  return ranks;
}

function line(name: string, m: Metrics): string {
  return `${name.padEnd(22)}  ${m.r1.toFixed(3)}  ${m.r3.toFixed(3)}  ${m.r5.toFixed(3)}  ${m.mrr10.toFixed(3)}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      squad: { type: "string" },
      folds: { type: "string", default: "8" },
      lambda: { type: "string", default: "0.03" },
      loss: { type: "string", default: "listwise" },
      write: { type: "boolean", default: false },
    },
  });
  if (!values.squad) {
    console.error("train-rank: --squad <file> is required (e.g. ../shared/eval/xquad.en.json)");
    process.exit(2);
  }
  const folds = Number(values.folds);
  const lambda = Number(values.lambda);
  const set = loadSquad(values.squad);
  const samples = samplesOf(set);
  const learn = values.loss === "pairwise" ? fit : fitListwise;
  const weights = learn(samples, lambda, scaleOf(samples));
  const groups = new Set(samples.map((s) => s.group)).size;

  console.log(`${samples.length} questions, ${groups} articles, top ${RERANK_DEPTH} candidates each`);
  console.log(`                        R@1    R@3    R@5    MRR@10`);
  console.log(line("before re-ranking", score(samples.map((s) => rankWith(s, null)))));
  console.log(line("fitted on all", score(samples.map((s) => rankWith(s, weights)))));
  console.log(line(`${folds}-fold by article`, score(crossValidate(samples, folds, lambda, learn))));
  console.log("weights:");
  for (const [k, name] of FEATURES.entries()) console.log(`  ${name.padEnd(15)} ${weights[k]!.toFixed(4)}`);

  if (values.write) {
    const path = new URL("../src/core/rerank-weights.ts", import.meta.url);
    const rows = FEATURES.map((name, k) => `  ${Number(weights[k]!.toFixed(4))}, // ${name}`).join("\n");
    writeFileSync(
      path,
      `/**\n * Weights of the re-ranker, one per feature of rerank.ts FEATURES, written by\n` +
        ` * \`npm run train-rank -- --write\` (${values.loss} logistic regression on XQuAD, lambda ${lambda};\n` +
        ` * R@1 ${score(samples.map((s) => rankWith(s, weights))).r1} fitted on all questions).\n */\n` +
        `export const RERANK_WEIGHTS: readonly number[] = [\n${rows}\n];\n`,
    );
    console.log(`wrote ${path.pathname}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
