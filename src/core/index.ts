/**
 * The sentence index. Retrieval runs in two stages so that it stays fast on large corpora:
 *
 * 1. MiniSearch, over whole articles (title and text, already normalised), picks the candidate
 *    articles and resolves typos (fuzzy) for query terms the corpus does not know.
 * 2. Every sentence of those candidates is scored with BM25 over its own terms (sentence-level
 *    document frequencies), plus a smaller share for its neighbours and its article's title, plus
 *    the article's own stage-1 score, so a sentence is found also through the words around it.
 *
 * Scoring only the sentences of a few dozen articles, rather than every sentence sharing a word
 * with the question, is what keeps `ask` within milliseconds on 176,000 sentences.
 */
import MiniSearch, { type SearchResult } from "minisearch";
import { normalizeTerm, tokenize } from "./normalize.ts";
import type { Article } from "./types.ts";

/** Tuning knobs of the ranking; defaults were chosen on XQuAD (see bench/eval.ts). */
export interface RankingOptions {
  /** How many articles stage 1 hands to stage 2. */
  readonly candidates: number;
  /** Most article postings stage 1 may touch (sum of the chosen terms' article frequencies). */
  readonly postingBudget: number;
  /** Known terms stage 1 always uses (the rarest), whatever the budget. */
  readonly minStageOneTerms: number;
  /** Weight of the neighbouring sentences' matches (each side). */
  readonly neighbourWeight: number;
  /** Weight of the previous sentence's matches when a sentence opens with a pronoun ("He added…"). */
  readonly anaphorWeight: number;
  /** Weight of the article title's matches. */
  readonly titleWeight: number;
  /** Weight of the article's stage-1 score (normalised to the best article = 1). */
  readonly articleWeight: number;
  /** How much less a word counts for choosing a sentence when every sentence of its article has it (0..1). */
  readonly topicDiscount: number;
  /** Weight of a fuzzy (typo) expansion relative to an exact term. */
  readonly fuzzyWeight: number;
  /** Share of the question's weight a passage must cover to count as a good match. */
  readonly minCoverage: number;
  /** Boost (a fraction of the score) for a sentence that has what the question asks for. */
  readonly cueWeight: number;
  readonly k1: number;
  readonly b: number;
  /** BM25 parameters of stage 1 (MiniSearch over whole articles). */
  readonly articleBm25: { readonly k: number; readonly b: number; readonly d: number };
}

export const defaultRanking: RankingOptions = Object.freeze({
  candidates: 20,
  postingBudget: 2500,
  minStageOneTerms: 1,
  neighbourWeight: 0.15,
  anaphorWeight: 0.3,
  titleWeight: 0.2,
  articleWeight: 12,
  fuzzyWeight: 0.6,
  topicDiscount: 0.4,
  minCoverage: 0.2,
  cueWeight: 0.15,
  k1: 0.4,
  b: 0,
  articleBm25: { k: 1.2, b: 0.7, d: 0.5 },
});

/** One scored sentence: indices into the index's article list and that article's sentences. */
export interface Hit {
  readonly article: number;
  readonly sentence: number;
  readonly score: number;
  /** Share of the question's weight this sentence and its surroundings cover (0..1). */
  readonly coverage: number;
}

export interface SearchOutcome {
  /** Every sentence with a match, best first. */
  readonly hits: Hit[];
  /** Index terms the hits were matched on (exact and typo-corrected). */
  readonly matchedTerms: ReadonlySet<string>;
  /** Query words that the knowledge does not contain. */
  readonly unknownWords: string[];
  /** The query's index terms; empty when it had only stop words or punctuation. */
  readonly queryTerms: string[];
}

export interface SearchOptions {
  /** Which articles may be searched (per-server knowledge). */
  readonly visible?: (article: Article) => boolean;
  readonly ranking?: Partial<RankingOptions>;
}

/** The serialisable state of an index, stored in the index cache. */
export interface SerializedIndex {
  readonly version: number;
  readonly terms: string[];
  readonly surfaces: string[];
  readonly df: string;
  readonly articleDf: string;
  readonly sentenceTerms: string;
  readonly sentenceOffsets: string;
  readonly titleTerms: string;
  readonly titleOffsets: string;
  readonly articleStarts: number[];
  /** The stage-1 MiniSearch index, as MiniSearch's own JSON. */
  readonly articles: string;
}

const INDEX_VERSION = 1;

/** A sentence that opens by pointing back at the previous one. */
const ANAPHOR =
  /^["“']?(?:he|she|it|they|this|these|those|that|his|her|its|their|there|such|both|most of them|some of them|all of them|the (?:latter|former|move|decision|deal|company|group))\b/i;

const splitSpaces = (text: string): string[] => (text.length === 0 ? [] : text.split(" "));

function miniSearchFor(): MiniSearch<{ id: number; title: string; text: string }> {
  return new MiniSearch({
    fields: ["title", "text"],
    idField: "id",
    // Documents are indexed already normalised (space-separated index terms).
    tokenize: splitSpaces,
    processTerm: (t) => t,
    searchOptions: { tokenize: splitSpaces, processTerm: (t) => t },
  });
}

function encode(a: Uint32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
}

function decode(s: string): Uint32Array {
  const buf = Buffer.from(s, "base64");
  const copy = new Uint8Array(buf.byteLength);
  copy.set(buf);
  return new Uint32Array(copy.buffer);
}

/** Levenshtein distance, bounded: returns max + 1 as soon as it is exceeded. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < best) best = v;
    }
    if (best > max) return max + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * A searchable index over the sentences of a set of articles.
 *
 * @example
 * const index = NewsIndex.build(articles);
 * const { hits } = index.search("Where did Assad flee?");
 * const best = index.articles[hits[0].article].sentences[hits[0].sentence].text;
 */
export class NewsIndex {
  readonly articles: readonly Article[];
  private readonly miniSearch: MiniSearch<{ id: number; title: string; text: string }>;
  private readonly vocab: Map<string, number>;
  private readonly terms: string[];
  private readonly surfaces: string[];
  private readonly df: Uint32Array;
  private readonly articleDf: Uint32Array;
  private readonly sentenceTerms: Uint32Array;
  private readonly sentenceOffsets: Uint32Array;
  private readonly titleTerms: Uint32Array;
  private readonly titleOffsets: Uint32Array;
  private readonly articleStarts: Uint32Array;
  private readonly avgLength: number;
  private readonly sentenceCount: number;

  private constructor(
    articles: readonly Article[],
    miniSearch: MiniSearch<{ id: number; title: string; text: string }>,
    data: {
      terms: string[];
      surfaces: string[];
      df: Uint32Array;
      articleDf: Uint32Array;
      sentenceTerms: Uint32Array;
      sentenceOffsets: Uint32Array;
      titleTerms: Uint32Array;
      titleOffsets: Uint32Array;
      articleStarts: Uint32Array;
    },
  ) {
    this.articles = articles;
    this.miniSearch = miniSearch;
    this.terms = data.terms;
    this.surfaces = data.surfaces;
    this.vocab = new Map(data.terms.map((t, i) => [t, i]));
    this.df = data.df;
    this.articleDf = data.articleDf;
    this.sentenceTerms = data.sentenceTerms;
    this.sentenceOffsets = data.sentenceOffsets;
    this.titleTerms = data.titleTerms;
    this.titleOffsets = data.titleOffsets;
    this.articleStarts = data.articleStarts;
    this.sentenceCount = data.sentenceOffsets.length - 1;
    this.avgLength = this.sentenceCount > 0 ? data.sentenceTerms.length / this.sentenceCount : 1;
  }

  /** Indexes the sentences of `articles` (in the given order). */
  static build(articles: readonly Article[]): NewsIndex {
    const vocab = new Map<string, number>();
    const terms: string[] = [];
    const surfaces: string[] = [];
    const dfCounts: number[] = [];
    const articleDfCounts: number[] = [];
    const sentenceTerms: number[] = [];
    const sentenceOffsets: number[] = [0];
    const titleTerms: number[] = [];
    const titleOffsets: number[] = [0];
    const articleStarts: number[] = [];
    const miniSearch = miniSearchFor();
    const docs: { id: number; title: string; text: string }[] = [];

    const idOf = (term: string, surface: string): number => {
      let id = vocab.get(term);
      if (id === undefined) {
        id = terms.length;
        vocab.set(term, id);
        terms.push(term);
        surfaces.push(surface.toLowerCase());
        dfCounts.push(0);
        articleDfCounts.push(0);
      }
      return id;
    };
    const termsOf = (text: string, into: number[]): string[] => {
      const out: string[] = [];
      for (const token of tokenize(text)) {
        for (const term of normalizeTerm(token.word)) {
          into.push(idOf(term, token.word));
          out.push(term);
        }
      }
      return out;
    };

    let sentenceNo = 0;
    articles.forEach((article, a) => {
      articleStarts.push(sentenceNo);
      const titleWords = termsOf(article.title, titleTerms);
      titleOffsets.push(titleTerms.length);
      const textWords: string[] = [];
      const articleFirst = sentenceTerms.length;
      for (const sentence of article.sentences) {
        const start = sentenceTerms.length;
        for (const w of termsOf(sentence.text, sentenceTerms)) textWords.push(w);
        const seen = new Set<number>();
        for (let i = start; i < sentenceTerms.length; i++) {
          const id = sentenceTerms[i]!;
          if (!seen.has(id)) {
            seen.add(id);
            dfCounts[id]!++;
          }
        }
        sentenceOffsets.push(sentenceTerms.length);
        sentenceNo++;
      }
      const inArticle = new Set<number>();
      for (let i = articleFirst; i < sentenceTerms.length; i++) inArticle.add(sentenceTerms[i]!);
      for (const id of inArticle) articleDfCounts[id]!++;
      docs.push({ id: a, title: titleWords.join(" "), text: textWords.join(" ") });
    });
    articleStarts.push(sentenceNo);
    miniSearch.addAll(docs);

    return new NewsIndex(articles, miniSearch, {
      terms,
      surfaces,
      df: Uint32Array.from(dfCounts),
      articleDf: Uint32Array.from(articleDfCounts),
      sentenceTerms: Uint32Array.from(sentenceTerms),
      sentenceOffsets: Uint32Array.from(sentenceOffsets),
      titleTerms: Uint32Array.from(titleTerms),
      titleOffsets: Uint32Array.from(titleOffsets),
      articleStarts: Uint32Array.from(articleStarts),
    });
  }

  /** The index's state for the cache; `articles` must be stored alongside by the caller. */
  toJSON(): SerializedIndex {
    return {
      version: INDEX_VERSION,
      terms: this.terms,
      surfaces: this.surfaces,
      df: encode(this.df),
      articleDf: encode(this.articleDf),
      sentenceTerms: encode(this.sentenceTerms),
      sentenceOffsets: encode(this.sentenceOffsets),
      titleTerms: encode(this.titleTerms),
      titleOffsets: encode(this.titleOffsets),
      articleStarts: Array.from(this.articleStarts),
      articles: JSON.stringify(this.miniSearch),
    };
  }

  /**
   * Restores an index saved with `toJSON` for the same articles in the same order.
   * Throws when the data does not fit them (the caller then rebuilds).
   */
  static fromJSON(json: SerializedIndex, articles: readonly Article[]): NewsIndex {
    if (json.version !== INDEX_VERSION)
      throw new Error(`index: cache version ${json.version} is not ${INDEX_VERSION}`);
    const articleStarts = Uint32Array.from(json.articleStarts);
    const sentenceOffsets = decode(json.sentenceOffsets);
    const titleOffsets = decode(json.titleOffsets);
    const df = decode(json.df);
    const total = articles.reduce((n, a) => n + a.sentences.length, 0);
    if (
      articleStarts.length !== articles.length + 1 ||
      sentenceOffsets.length !== total + 1 ||
      titleOffsets.length !== articles.length + 1 ||
      df.length !== json.terms.length
    ) {
      throw new Error("index: cache does not match the knowledge");
    }
    if (typeof json.articles !== "string") throw new Error("index: cache has no article index");
    const miniSearch = MiniSearch.loadJSON(json.articles, {
      fields: ["title", "text"],
      idField: "id",
      tokenize: splitSpaces,
      processTerm: (t) => t,
      searchOptions: { tokenize: splitSpaces, processTerm: (t) => t },
    });
    return new NewsIndex(articles, miniSearch, {
      terms: json.terms,
      surfaces: json.surfaces,
      df,
      articleDf: decode(json.articleDf),
      sentenceTerms: decode(json.sentenceTerms),
      sentenceOffsets,
      titleTerms: decode(json.titleTerms),
      titleOffsets,
      articleStarts,
    });
  }

  get sentenceTotal(): number {
    return this.sentenceCount;
  }

  /** The index terms of a query (stop words dropped, duplicates removed). */
  queryTerms(query: string): string[] {
    const out = new Set<string>();
    for (const token of tokenize(query)) {
      for (const term of normalizeTerm(token.word)) out.add(term);
    }
    return [...out];
  }

  private idf(id: number): number {
    const df = this.df[id] ?? 0;
    return Math.log(1 + (this.sentenceCount - df + 0.5) / (df + 0.5));
  }

  /** Finds and scores the sentences that match `query`, best first. */
  search(query: string, options: SearchOptions = {}): SearchOutcome {
    const r: RankingOptions = { ...defaultRanking, ...options.ranking };
    const queryTerms = this.queryTerms(query);
    const empty: SearchOutcome = { hits: [], matchedTerms: new Set(), unknownWords: [], queryTerms };
    if (queryTerms.length === 0) return empty;

    const unknown = queryTerms.filter((t) => !this.vocab.has(t));
    const visible = options.visible;
    const articleHits: SearchResult[] = this.miniSearch.search(this.stageOneTerms(queryTerms, r).join(" "), {
      boost: { title: 2 },
      bm25: r.articleBm25,
      fuzzy: (term) => (this.vocab.has(term) || term.length < 4 ? false : term.length >= 8 ? 2 : 1),
      maxFuzzy: 2,
      ...(visible ? { filter: (result) => visible(this.articles[result.id as number]!) } : {}),
    });
    if (articleHits.length === 0) {
      return { ...empty, unknownWords: unknown.map((t) => this.surfaceOf(t) ?? t) };
    }

    // Query weights: exact terms weigh 1; a typo's corrections weigh less and stand for it.
    const weights = new Map<number, { weight: number; source: string }>();
    for (const t of queryTerms) {
      const id = this.vocab.get(t);
      if (id !== undefined) weights.set(id, { weight: 1, source: t });
    }
    if (unknown.length > 0) {
      for (const hit of articleHits.slice(0, r.candidates)) {
        for (const term of hit.terms) {
          const id = this.vocab.get(term);
          if (id === undefined || weights.has(id)) continue;
          const source = unknown.find((u) => editDistance(u, term, u.length >= 8 ? 2 : 1) <= 2);
          if (source) weights.set(id, { weight: r.fuzzyWeight, source });
        }
      }
    }
    const stillUnknown = unknown.filter((u) => ![...weights.values()].some((w) => w.source === u));

    // The share of the question each source term stands for (rare words weigh more).
    const sourceMass = new Map<string, number>();
    for (const t of queryTerms) {
      const id = this.vocab.get(t);
      sourceMass.set(t, id !== undefined ? this.idf(id) : Math.log(1 + this.sentenceCount));
    }
    let totalMass = 0;
    for (const m of sourceMass.values()) totalMass += m;

    const termIds = [...weights.keys()];
    const termIdf = termIds.map((id) => this.idf(id) * weights.get(id)!.weight);
    const termSource = termIds.map((id) => weights.get(id)!.source);
    const hits: Hit[] = [];
    const top = articleHits[0]!.score;
    const ownTf = new Float64Array(termIds.length);

    for (const articleHit of articleHits.slice(0, r.candidates)) {
      const a = articleHit.id as number;
      const articleBoost = r.articleWeight * (articleHit.score / top);
      const first = this.articleStarts[a]!;
      const last = this.articleStarts[a + 1]!;
      const titleMatch = this.presence(
        this.titleTerms,
        this.titleOffsets[a]!,
        this.titleOffsets[a + 1]!,
        termIds,
      );
      const presence: Uint8Array[] = [];
      const spread = new Float64Array(termIds.length);
      for (let s = first; s < last; s++) {
        const mask = this.presenceMask(s, termIds);
        presence.push(mask);
        for (let k = 0; k < termIds.length; k++) spread[k]! += mask[k]!;
      }
      const localIdf = termIdf.map((idf, k) => idf * (1 - (r.topicDiscount * spread[k]!) / (last - first)));
      for (let s = first; s < last; s++) {
        const start = this.sentenceOffsets[s]!;
        const end = this.sentenceOffsets[s + 1]!;
        ownTf.fill(0);
        for (let i = start; i < end; i++) {
          const k = termIds.indexOf(this.sentenceTerms[i]!);
          if (k >= 0) ownTf[k]!++;
        }
        const len = end - start;
        let own = 0;
        for (let k = 0; k < termIds.length; k++) {
          const tf = ownTf[k]!;
          if (tf > 0)
            own +=
              (localIdf[k]! * (tf * (r.k1 + 1))) / (tf + r.k1 * (1 - r.b + (r.b * len) / this.avgLength));
        }
        const prev = s > first ? presence[s - first - 1]! : undefined;
        const next = s + 1 < last ? presence[s - first + 1]! : undefined;
        const anaphoric = ANAPHOR.test(this.articles[a]!.sentences[s - first]!.text);
        let around = 0;
        const covered = new Set<string>();
        for (let k = 0; k < termIds.length; k++) {
          if (ownTf[k]! > 0) {
            covered.add(termSource[k]!);
            continue;
          }
          if (prev?.[k]) {
            around += (anaphoric ? r.anaphorWeight : r.neighbourWeight) * termIdf[k]!;
            covered.add(termSource[k]!);
          }
          if (next?.[k]) {
            around += r.neighbourWeight * termIdf[k]!;
            covered.add(termSource[k]!);
          }
          if (titleMatch[k]) {
            around += r.titleWeight * termIdf[k]!;
            covered.add(termSource[k]!);
          }
        }
        if (own === 0) continue;
        let coveredMass = 0;
        for (const c of covered) coveredMass += sourceMass.get(c) ?? 0;
        hits.push({
          article: a,
          sentence: s - first,
          score: own + around + articleBoost,
          coverage: totalMass > 0 ? coveredMass / totalMass : 0,
        });
      }
    }
    hits.sort((x, y) => y.score - x.score || x.article - y.article || x.sentence - y.sentence);
    const matchedTerms = new Set(termIds.map((id) => this.terms[id]!));
    return { hits, matchedTerms, unknownWords: stillUnknown, queryTerms };
  }

  /**
   * The query terms stage 1 searches with: unknown words (for typo correction) and the rarest known
   * words, as long as the articles they are in stay within the posting budget. Common words still count
   * in stage 2; leaving them out here only spares MiniSearch from scoring most of the corpus.
   */
  private stageOneTerms(queryTerms: readonly string[], r: RankingOptions): string[] {
    const known = queryTerms
      .filter((t) => this.vocab.has(t))
      .map((t) => ({ t, df: this.articleDf[this.vocab.get(t)!]! }))
      .sort((x, y) => x.df - y.df);
    const out = queryTerms.filter((t) => !this.vocab.has(t));
    let postings = 0;
    for (const [i, k] of known.entries()) {
      if (i >= r.minStageOneTerms && postings + k.df > r.postingBudget) break;
      out.push(k.t);
      postings += k.df;
    }
    return out;
  }

  private presenceMask(s: number, termIds: number[]): Uint8Array {
    return this.presence(this.sentenceTerms, this.sentenceOffsets[s]!, this.sentenceOffsets[s + 1]!, termIds);
  }

  private presence(store: Uint32Array, start: number, end: number, termIds: number[]): Uint8Array {
    const mask = new Uint8Array(termIds.length);
    for (let i = start; i < end; i++) {
      const k = termIds.indexOf(store[i]!);
      if (k >= 0) mask[k] = 1;
    }
    return mask;
  }

  /** A readable word for an index term (the first form it was seen in). */
  surfaceOf(term: string): string | undefined {
    const id = this.vocab.get(term);
    return id === undefined ? undefined : this.surfaces[id];
  }

  /** "Did you mean" words for a query whose words the knowledge does not contain. */
  suggest(query: string, limit = 3): string[] {
    const out: string[] = [];
    for (const s of this.miniSearch.autoSuggest(
      this.queryTerms(query)
        .filter((t) => !this.vocab.has(t))
        .join(" "),
      { fuzzy: 0.4, maxFuzzy: 3, prefix: true, combineWith: "OR" },
    )) {
      const words = s.terms.map((t) => this.surfaceOf(t) ?? t).join(" ");
      if (!out.includes(words)) out.push(words);
      if (out.length >= limit) break;
    }
    return out;
  }
}
