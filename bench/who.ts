/**
 * Entity benchmark: builds the entity table on a corpus, then measures `who` and `suggest` latency.
 *
 *   npx tsx bench/who.ts [--knowledge DIR]… [--json]
 *
 * Default corpus: ../shared/corpora (BBC + Reuters). Targets: who p99 ≤ 20 ms, suggest p99 ≤ 5 ms.
 */
import { buildEntityTable, EntityTable } from "../src/core/entities.ts";
import { who } from "../src/core/who.ts";
import { loadKnowledge } from "../src/knowledge.ts";

const args = process.argv.slice(2);
const json = args.includes("--json");
const dirs: string[] = [];
for (let i = 0; i < args.length; i++) if (args[i] === "--knowledge" && args[i + 1]) dirs.push(args[++i]!);
if (dirs.length === 0) dirs.push("../shared/corpora");

const log = (msg: string) => {
  if (!json) console.error(msg);
};

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, i)]! * 1000) / 1000;
}

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

const t0 = performance.now();
const loaded = await Promise.all(dirs.map((d) => loadKnowledge(d)));
const articles = loaded.flatMap((k) => k.articles);
const sentences = articles.reduce((n, a) => n + a.sentences.length, 0);
const loadMs = performance.now() - t0;
log(`loaded ${articles.length} articles, ${sentences} sentences in ${Math.round(loadMs)} ms`);

const heapBefore = process.memoryUsage().heapUsed;
let table!: EntityTable;
const buildMs = time(() => {
  table = buildEntityTable(articles);
});
log(`entity table: ${table.size} entities in ${Math.round(buildMs)} ms`);

let text = "";
const serializeMs = time(() => {
  text = JSON.stringify(table);
});
let restored!: EntityTable;
const restoreMs = time(() => {
  restored = EntityTable.fromJSON(JSON.parse(text));
});
log(
  `JSON: ${(text.length / 1e6).toFixed(1)} MB, serialise ${Math.round(serializeMs)} ms, restore ${Math.round(restoreMs)} ms`,
);
const warmMs = time(() => restored.warm());
log(`search structures (first find/suggest, or warm()): ${Math.round(warmMs)} ms`);
const heapMB = Math.round(process.memoryUsage().heapUsed / 1e6);
const tableHeapMB = Math.round((process.memoryUsage().heapUsed - heapBefore) / 1e6);

const byId = new Map(articles.map((a) => [a.id, a]));
const people = restored.suggest("", { limit: 100, kinds: ["person"] }).map((s) => s.name);
const others = restored.suggest("", { limit: 30 }).map((s) => s.name);
const typo = (s: string) => (s.length > 4 ? s.slice(0, 2) + s[3] + s[2] + s.slice(4) : s);
const surnames = people.map((n) => n.split(" ").pop()!);
const names = [
  ...people,
  ...others,
  ...surnames,
  ...surnames.slice(0, 40).map(typo),
  ...["putin", "puttin", "blair", "brown", "greenspan", "qwertyuiop", "Zzyzx Unknownperson"],
];
const prefixes = [
  ..."abcdefghijklmnopqrstuvwxyz".split(""),
  ...people.slice(0, 60).map((n) => n.slice(0, 2)),
  ...people.slice(0, 60).map((n) => n.slice(0, 4)),
  ...surnames.slice(0, 60).map((n) => n.slice(0, 3)),
  "",
];

// warm up
for (const n of names.slice(0, 20)) who(restored, byId, n);
for (const p of prefixes.slice(0, 20)) restored.suggest(p);

const whoTimes: number[] = [];
const statuses: Record<string, number> = {};
for (const n of names) {
  whoTimes.push(
    time(() => {
      const a = who(restored, byId, n);
      statuses[a.status] = (statuses[a.status] ?? 0) + 1;
    }),
  );
}
whoTimes.sort((a, b) => a - b);

const suggestTimes: number[] = [];
for (let round = 0; round < 3; round++)
  for (const p of prefixes) suggestTimes.push(time(() => restored.suggest(p)));
suggestTimes.sort((a, b) => a - b);

// per-server visibility: half the articles visible
const half = new Set(articles.filter((_, i) => i % 2 === 0).map((a) => a.id));
const visible = (id: string) => half.has(id);
const visibleTimes: number[] = [];
for (const p of prefixes) visibleTimes.push(time(() => restored.suggest(p, { visible })));
visibleTimes.sort((a, b) => a - b);

const result = {
  articles: articles.length,
  sentences,
  entities: restored.size,
  loadMs: Math.round(loadMs),
  buildMs: Math.round(buildMs),
  jsonMB: Math.round(text.length / 1e5) / 10,
  serializeMs: Math.round(serializeMs),
  restoreMs: Math.round(restoreMs),
  warmMs: Math.round(warmMs),
  heapMB,
  tableHeapMB,
  who: { queries: names.length, p50: percentile(whoTimes, 50), p99: percentile(whoTimes, 99), statuses },
  suggest: {
    queries: suggestTimes.length,
    p50: percentile(suggestTimes, 50),
    p99: percentile(suggestTimes, 99),
  },
  suggestVisible: {
    queries: visibleTimes.length,
    p50: percentile(visibleTimes, 50),
    p99: percentile(visibleTimes, 99),
  },
};

if (json) console.log(JSON.stringify(result));
else {
  console.log(
    `who:     p50 ${result.who.p50} ms, p99 ${result.who.p99} ms over ${names.length} names ${JSON.stringify(statuses)}`,
  );
  console.log(
    `suggest: p50 ${result.suggest.p50} ms, p99 ${result.suggest.p99} ms over ${suggestTimes.length} prefixes`,
  );
  console.log(
    `suggest (half the articles visible): p50 ${result.suggestVisible.p50} ms, p99 ${result.suggestVisible.p99} ms`,
  );
  console.log(`heap ${heapMB} MB (entity tables, built and restored: ~${tableHeapMB} MB)`);
}
