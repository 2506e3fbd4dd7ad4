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
import MiniSearch from "minisearch";
import { lemmaOf, normalizeTerm, tokenize } from "./normalize.ts";
import { questionContent } from "./rank.ts";
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
  /** Boost (a fraction of the score, times the share of the question covered) for fuller matches. */
  readonly coverageWeight: number;
  /** How much less a word counts for choosing a sentence when every sentence of its article has it (0..1). */
  readonly topicDiscount: number;
  /** Weight of a fuzzy (typo) expansion relative to an exact term. */
  readonly fuzzyWeight: number;
  /** Share of the question's weight a passage must cover to count as a good match. */
  readonly minCoverage: number;
  /** Boost (a fraction of the score) for a sentence that has what the question asks for. */
  readonly cueWeight: number;
  /** Whether the learned re-ranker (rerank.ts) reorders the best candidates. */
  readonly rerank: boolean;
  readonly k1: number;
  readonly b: number;
  /** BM25 parameters of stage 1 (MiniSearch over whole articles). */
  readonly articleBm25: { readonly k: number; readonly b: number; readonly d: number };
}

export const defaultRanking: RankingOptions = Object.freeze({
  candidates: 40,
  postingBudget: 10_000,
  minStageOneTerms: 1,
  neighbourWeight: 0.15,
  anaphorWeight: 0.3,
  titleWeight: 0.2,
  articleWeight: 12,
  fuzzyWeight: 0.6,
  topicDiscount: 0.4,
  coverageWeight: 1,
  minCoverage: 0.2,
  cueWeight: 0.15,
  rerank: true,
  k1: 0.4,
  b: 0,
  articleBm25: { k: 1.2, b: 0.7, d: 0.5 },
});

/** One scored sentence: the article's slot in the index (see `NewsIndex.slotArticle`) and its sentence (0-based). */
export interface Hit {
  readonly article: number;
  readonly sentence: number;
  readonly score: number;
  /** Share of the question's weight this sentence and its surroundings cover (0..1). */
  readonly coverage: number;
  /** Share of the question's weight the sentence's own words cover (0..1). */
  readonly ownCoverage: number;
  /** The sentence's own BM25 score (before neighbours, title and article). */
  readonly own: number;
  /** Its article's stage-1 score relative to the best article's (0..1). */
  readonly articleScore: number;
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
  /** Slot number of each stored article (slots of removed articles stay empty). */
  readonly slots: string;
  readonly sentenceTerms: string;
  /** Per article: its sentence count, then its sentences' term counts. */
  readonly sentenceLengths: string;
  readonly titleTerms: string;
  readonly titleLengths: string;
  /** Every lemma (`lemmaOf`) of the written words, by lemma id. */
  readonly lemmas: string[];
  /** The lemma id of every written word of every sentence, in order. */
  readonly wordLemmas: string;
  /** Per sentence (articles in order): how many written words it has. */
  readonly wordCounts: string;
  /** The stage-1 MiniSearch index, as MiniSearch's own JSON. */
  readonly articles: string;
}

const INDEX_VERSION = 3;

/** A sentence that opens by pointing back at the previous one. */
export const ANAPHOR =
  /^["“']?(?:he|she|it|they|this|these|those|that|his|her|its|their|there|such|both|most of them|some of them|all of them|the (?:latter|former|move|decision|deal|company|group))\b/i;

const splitSpaces = (text: string): string[] => (text.length === 0 ? [] : text.split(" "));

const MINISEARCH_OPTIONS = {
  fields: ["title", "text"],
  idField: "id",
  // Documents are indexed already normalised (space-separated index terms).
  tokenize: splitSpaces,
  processTerm: (t: string) => t,
  searchOptions: { tokenize: splitSpaces, processTerm: (t: string) => t },
};

type ArticleDoc = { id: number; title: string; text: string };

/** A stage-1 result: an article's slot, its MiniSearch score and (typo corrections only) the index terms it matched. */
interface ArticleHit {
  readonly id: number;
  readonly score: number;
  readonly terms: readonly string[];
}

/** One term's MiniSearch results over all articles, as typed arrays. */
interface TermPostings {
  readonly ids: Uint32Array;
  readonly scores: Float64Array;
  /** When it was last used (the cache's clock): the least recently used go first when it is full. */
  used: number;
}

/** Most postings the stage-1 term cache keeps (12 bytes each: about 24 MB). */
const TERM_CACHE_POSTINGS = 2_000_000;

function encode(a: Uint32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
}

function decode(s: string): Uint32Array {
  const buf = Buffer.from(s, "base64");
  const copy = new Uint8Array(buf.byteLength);
  copy.set(buf);
  return new Uint32Array(copy.buffer);
}

/** The term ids of an article's sentences (see `NewsIndex.slotTermIds`). */
export interface SlotTermIds {
  /** Term ids of all its sentences, in order. */
  readonly terms: Uint32Array;
  /** Where each sentence's terms start in `terms` (one more entry than sentences). */
  readonly offsets: Uint32Array;
}

/** The lemma ids of the written words of an article's sentences (see `NewsIndex.slotLemmas`). */
export interface SlotLemmas {
  /** Lemma id of every written word of its sentences, in order (stop words too). */
  readonly lemmas: Uint32Array;
  /** Where each sentence's words start in `lemmas` (one more entry than sentences). */
  readonly offsets: Uint32Array;
}

/** An indexed article: its index terms, sentence by sentence, and its title's. */
interface Slot {
  readonly article: Article;
  /** Term ids of all its sentences, in order. */
  readonly terms: Uint32Array;
  /** Where each sentence's terms start in `terms` (one more entry than sentences). */
  readonly offsets: Uint32Array;
  readonly title: Uint32Array;
  readonly words: SlotLemmas;
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
 * const best = index.slotArticle(hits[0].article).sentences[hits[0].sentence].text;
 */
export class NewsIndex {
  private readonly miniSearch: MiniSearch<ArticleDoc>;
  private readonly slots: (Slot | null)[] = [];
  private readonly slotOf = new Map<string, number>();
  private readonly vocab = new Map<string, number>();
  private readonly terms: string[] = [];
  private readonly surfaces: string[] = [];
  private readonly df: number[] = [];
  private readonly articleDf: number[] = [];
  /**
   * The lemma (`lemmaOf`) of every written word, as an id: the re-ranker compares a question's words
   * with its candidates' as written, and reading ids here costs a fraction of lemmatising (even through
   * a cache) the ~260 words of ten candidate sentences per question.
   */
  private readonly lemmaIds = new Map<string, number>();
  private readonly lemmaList: string[] = [];
  private sentenceCount = 0;
  private termTotal = 0;
  private live: Article[] | null = null;
  /**
   * Stage 1 asks MiniSearch one term at a time and keeps each term's results (least recently used go
   * first), so the common words that recur across questions ("price", "said", "bank") are scored once,
   * not per question. Any change to the index empties it (scores depend on corpus statistics).
   * Per BM25 setting ("k b d"), per term id: MiniSearch's results for that one term.
   */
  private readonly termCache = new Map<string, Map<number, TermPostings>>();
  private termCachePostings = 0;
  private termCacheClock = 0;
  /** Most postings the term cache holds; past it, the least recently used terms are dropped. */
  termCacheCapacity = TERM_CACHE_POSTINGS;
  /** Per-slot score sums and matched-term counts while combining terms (all zero between searches). */
  private sums = new Float64Array(0);
  private counts = new Uint8Array(0);
  /** The slots a search touched, in the order first touched (reused: no allocation per question). */
  private touched = new Int32Array(0);
  /** Per-candidate-article scratch: each sentence's counts of each query term (reused, grown on demand). */
  private tfScratch = new Uint32Array(0);
  /** Stage 2: the query-term number of each index term while a search runs (-1 otherwise). */
  private termSlot = new Int32Array(0);
  /**
   * Stage 2: one bit per index term, set for the query's terms while a search runs. Most words of a
   * candidate article are not in the question; this 1/32-size bitmap answers that from the CPU's cache
   * (~50 KB for 400,000 terms), where `termSlot` (1.6 MB and up) would cost a memory access per word.
   */
  private queryBits = new Uint32Array(0);

  private constructor(miniSearch: MiniSearch<ArticleDoc>) {
    this.miniSearch = miniSearch;
  }

  /** Indexes the sentences of `articles` (in the given order). Ids must be unique. */
  static build(articles: readonly Article[]): NewsIndex {
    const index = new NewsIndex(new MiniSearch<ArticleDoc>(MINISEARCH_OPTIONS));
    const docs: ArticleDoc[] = [];
    for (const article of articles) docs.push(index.insert(article));
    index.miniSearch.addAll(docs);
    return index;
  }

  /** The articles, in index order (removed ones left out). */
  get articles(): readonly Article[] {
    if (this.live === null) this.live = this.slots.filter((s): s is Slot => s !== null).map((s) => s.article);
    return this.live;
  }

  /** The article in slot `slot` (as `Hit.article` names it). */
  slotArticle(slot: number): Article {
    const s = this.slots[slot];
    if (!s) throw new Error(`index: no article in slot ${slot}`);
    return s.article;
  }

  has(id: string): boolean {
    return this.slotOf.has(id);
  }

  /** Adds an article whose id is not in the index yet. */
  add(article: Article): void {
    if (this.slotOf.has(article.id)) throw new Error(`index: ${article.id} is already indexed; use replace`);
    this.miniSearch.add(this.insert(article));
  }

  /** Removes an article by id; false when it was not there. */
  remove(id: string): boolean {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return false;
    const s = this.slots[slot]!;
    this.miniSearch.discard(slot);
    for (let i = 0; i < s.article.sentences.length; i++) {
      for (const t of new Set(s.terms.subarray(s.offsets[i]!, s.offsets[i + 1]!))) this.df[t]!--;
    }
    for (const t of new Set(s.terms)) this.articleDf[t]!--;
    this.sentenceCount -= s.article.sentences.length;
    this.termTotal -= s.terms.length;
    this.slots[slot] = null;
    this.slotOf.delete(id);
    this.live = null;
    this.clearTermCache();
    return true;
  }

  /** Adds an article, or replaces the one with the same id. */
  replace(article: Article): void {
    this.remove(article.id);
    this.add(article);
  }

  private termId(term: string, surface: string): number {
    let id = this.vocab.get(term);
    if (id === undefined) {
      id = this.terms.length;
      this.vocab.set(term, id);
      this.terms.push(term);
      this.surfaces.push(surface.toLowerCase());
      this.df.push(0);
      this.articleDf.push(0);
    }
    return id;
  }

  private termIds(text: string, into: number[], lemmas?: number[]): void {
    for (const token of tokenize(text)) {
      for (const term of normalizeTerm(token.word)) into.push(this.termId(term, token.word));
      if (lemmas) lemmas.push(this.lemmaId(lemmaOf(token.word)));
    }
  }

  private lemmaId(lemma: string): number {
    let id = this.lemmaIds.get(lemma);
    if (id === undefined) {
      id = this.lemmaList.length;
      this.lemmaIds.set(lemma, id);
      this.lemmaList.push(lemma);
    }
    return id;
  }

  /** Records an article's terms and statistics; returns its MiniSearch document (not yet added). */
  private insert(article: Article): ArticleDoc {
    if (this.slotOf.has(article.id)) throw new Error(`index: duplicate article id ${article.id}`);
    const terms: number[] = [];
    const offsets: number[] = [0];
    const lemmas: number[] = [];
    const lemmaOffsets: number[] = [0];
    for (const sentence of article.sentences) {
      const start = terms.length;
      this.termIds(sentence.text, terms, lemmas);
      for (const t of new Set(terms.slice(start))) this.df[t]!++;
      offsets.push(terms.length);
      lemmaOffsets.push(lemmas.length);
    }
    for (const t of new Set(terms)) this.articleDf[t]!++;
    const title: number[] = [];
    this.termIds(article.title, title);
    const slot = this.slots.length;
    this.slots.push({
      article,
      terms: Uint32Array.from(terms),
      offsets: Uint32Array.from(offsets),
      title: Uint32Array.from(title),
      words: { lemmas: Uint32Array.from(lemmas), offsets: Uint32Array.from(lemmaOffsets) },
    });
    this.slotOf.set(article.id, slot);
    this.sentenceCount += article.sentences.length;
    this.termTotal += terms.length;
    this.live = null;
    this.clearTermCache();
    return {
      id: slot,
      title: title.map((t) => this.terms[t]!).join(" "),
      text: terms.map((t) => this.terms[t]!).join(" "),
    };
  }

  /** The index's state for the cache; the caller stores `articles` alongside, in the same order. */
  toJSON(): SerializedIndex {
    const live = this.slots
      .map((s, i) => [s, i] as const)
      .filter((e): e is readonly [Slot, number] => e[0] !== null);
    const lengths: number[] = [];
    const titleLengths: number[] = [];
    const wordCounts: number[] = [];
    let total = 0;
    let titleTotal = 0;
    let wordTotal = 0;
    for (const [s] of live) {
      lengths.push(s.article.sentences.length);
      for (let i = 0; i < s.article.sentences.length; i++) {
        lengths.push(s.offsets[i + 1]! - s.offsets[i]!);
        wordCounts.push(s.words.offsets[i + 1]! - s.words.offsets[i]!);
      }
      titleLengths.push(s.title.length);
      total += s.terms.length;
      titleTotal += s.title.length;
      wordTotal += s.words.lemmas.length;
    }
    const sentenceTerms = new Uint32Array(total);
    const titleTerms = new Uint32Array(titleTotal);
    const wordLemmas = new Uint32Array(wordTotal);
    let at = 0;
    let titleAt = 0;
    let wordAt = 0;
    for (const [s] of live) {
      sentenceTerms.set(s.terms, at);
      at += s.terms.length;
      titleTerms.set(s.title, titleAt);
      titleAt += s.title.length;
      wordLemmas.set(s.words.lemmas, wordAt);
      wordAt += s.words.lemmas.length;
    }
    return {
      version: INDEX_VERSION,
      terms: this.terms,
      surfaces: this.surfaces,
      df: encode(Uint32Array.from(this.df)),
      articleDf: encode(Uint32Array.from(this.articleDf)),
      slots: encode(Uint32Array.from(live.map(([, i]) => i))),
      sentenceTerms: encode(sentenceTerms),
      sentenceLengths: encode(Uint32Array.from(lengths)),
      titleTerms: encode(titleTerms),
      titleLengths: encode(Uint32Array.from(titleLengths)),
      lemmas: this.lemmaList,
      wordLemmas: encode(wordLemmas),
      wordCounts: encode(Uint32Array.from(wordCounts)),
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
    if (typeof json.articles !== "string") throw new Error("index: cache has no article index");
    const slots = decode(json.slots);
    const lengths = decode(json.sentenceLengths);
    const titleLengths = decode(json.titleLengths);
    const sentenceTerms = decode(json.sentenceTerms);
    const titleTerms = decode(json.titleTerms);
    const df = decode(json.df);
    const articleDf = decode(json.articleDf);
    const wordLemmas = decode(json.wordLemmas);
    const wordCounts = decode(json.wordCounts);
    const mismatch = () => new Error("index: cache does not match the knowledge");
    if (!Array.isArray(json.lemmas)) throw mismatch();
    if (slots.length !== articles.length || titleLengths.length !== articles.length) throw mismatch();
    if (df.length !== json.terms.length || articleDf.length !== json.terms.length) throw mismatch();

    const index = new NewsIndex(MiniSearch.loadJSON<ArticleDoc>(json.articles, MINISEARCH_OPTIONS));
    json.terms.forEach((t, i) => {
      index.vocab.set(t, i);
    });
    index.terms.push(...json.terms);
    index.surfaces.push(...json.surfaces);
    index.df.push(...df);
    index.articleDf.push(...articleDf);
    json.lemmas.forEach((lemma, i) => {
      index.lemmaIds.set(lemma, i);
    });
    index.lemmaList.push(...json.lemmas);
    let l = 0;
    let at = 0;
    let titleAt = 0;
    let w = 0;
    let wordAt = 0;
    articles.forEach((article, k) => {
      const n = lengths[l++];
      if (n !== article.sentences.length) throw mismatch();
      const offsets = new Uint32Array(n + 1);
      const wordOffsets = new Uint32Array(n + 1);
      for (let i = 0; i < n; i++) {
        offsets[i + 1] = offsets[i]! + lengths[l++]!;
        wordOffsets[i + 1] = wordOffsets[i]! + (wordCounts[w++] ?? Number.NaN);
      }
      const lemmas = wordLemmas.subarray(wordAt, wordAt + wordOffsets[n]!);
      if (lemmas.length !== wordOffsets[n]) throw mismatch();
      wordAt += wordOffsets[n]!;
      const terms = sentenceTerms.subarray(at, at + offsets[n]!);
      at += offsets[n]!;
      const title = titleTerms.subarray(titleAt, titleAt + titleLengths[k]!);
      titleAt += titleLengths[k]!;
      const slot = slots[k]!;
      while (index.slots.length < slot) index.slots.push(null);
      index.slots.push({ article, terms, offsets, title, words: { lemmas, offsets: wordOffsets } });
      index.slotOf.set(article.id, slot);
      index.sentenceCount += n;
      index.termTotal += terms.length;
    });
    if (at !== sentenceTerms.length || l !== lengths.length) throw mismatch();
    if (wordAt !== wordLemmas.length || w !== wordCounts.length) throw mismatch();
    return index;
  }

  get sentenceTotal(): number {
    return this.sentenceCount;
  }

  /** The index terms of a query (stop words and question-form words dropped, duplicates removed). */
  queryTerms(query: string): string[] {
    const out = new Set<string>();
    for (const token of tokenize(questionContent(query))) {
      for (const term of normalizeTerm(token.word)) out.add(term);
    }
    return [...out];
  }

  /** The inverse sentence frequency of an index term (that of a term seen nowhere for an unknown one). */
  termIdf(term: string): number {
    const id = this.vocab.get(term);
    return id === undefined ? Math.log(1 + this.sentenceCount) : this.idf(id);
  }

  /** The index terms of sentence `sentence` (0-based) of the article in slot `slot`, in order. */
  sentenceTerms(slot: number, sentence: number): string[] {
    const s = this.slots[slot];
    if (!s) throw new Error(`index: no article in slot ${slot}`);
    const out: string[] = [];
    for (let i = s.offsets[sentence]!; i < s.offsets[sentence + 1]!; i++) out.push(this.terms[s.terms[i]!]!);
    return out;
  }

  /**
   * The term ids of every sentence of the article in slot `slot`, in order (sentence `i`'s run from
   * `offsets[i]` to `offsets[i + 1]`), to match against `termIdOf` without building strings.
   * The index's own arrays, not copies: read them, never write.
   */
  slotTermIds(slot: number): SlotTermIds {
    const s = this.slots[slot];
    if (!s) throw new Error(`index: no article in slot ${slot}`);
    return s;
  }

  /**
   * The lemma ids (`lemmaIdOf`) of every written word of the sentences of the article in slot `slot`
   * (sentence `i`'s from `offsets[i]` to `offsets[i + 1]`). The index's own arrays: read, never write.
   */
  slotLemmas(slot: number): SlotLemmas {
    const s = this.slots[slot];
    if (!s) throw new Error(`index: no article in slot ${slot}`);
    return s.words;
  }

  /** The id of a lemma (`lemmaOf` of a written word) as in `slotLemmas`, or -1 when no article has it. */
  lemmaIdOf(lemma: string): number {
    return this.lemmaIds.get(lemma) ?? -1;
  }

  /** The id of an index term (as in `slotTermIds`), or -1 when no article has ever had it. */
  termIdOf(term: string): number {
    return this.vocab.get(term) ?? -1;
  }

  private idf(id: number): number {
    const df = this.df[id] ?? 0;
    return Math.log(1 + (this.sentenceCount - df + 0.5) / (df + 0.5));
  }

  /** Finds and scores the sentences that match `query`, best first. */
  search(query: string, options: SearchOptions = {}): SearchOutcome {
    const r: RankingOptions = options.ranking ? { ...defaultRanking, ...options.ranking } : defaultRanking;
    const queryTerms = this.queryTerms(query);
    const empty: SearchOutcome = { hits: [], matchedTerms: new Set(), unknownWords: [], queryTerms };
    if (queryTerms.length === 0) return empty;

    const unknown = queryTerms.filter((t) => !this.vocab.has(t));
    const visible = options.visible;
    const articleHits = this.stageOne(this.stageOneTerms(queryTerms, r), r, visible);
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
    const K = termIds.length;
    // Query term k of each index term (-1 for the rest), and the source word each query term stands for.
    if (this.termSlot.length < this.terms.length) {
      this.termSlot = new Int32Array(this.terms.length * 2).fill(-1);
    }
    const termSlot = this.termSlot;
    if (this.queryBits.length * 32 < this.terms.length) {
      this.queryBits = new Uint32Array(((this.terms.length * 2) >>> 5) + 1);
    }
    const bits = this.queryBits;
    termIds.forEach((id, k) => {
      termSlot[id] = k;
      bits[id >>> 5]! |= 1 << (id & 31);
    });
    const sources = [...sourceMass.keys()];
    const sourceOf = termSource.map((t) => sources.indexOf(t));
    const massOf = sources.map((t) => sourceMass.get(t)!);
    const coveredFlag = new Uint8Array(sources.length);
    const coveredOrder: number[] = [];
    const cover = (j: number) => {
      if (coveredFlag[j] === 0) {
        coveredFlag[j] = 1;
        coveredOrder.push(j);
      }
    };

    const avgLength = this.sentenceCount > 0 ? this.termTotal / this.sentenceCount : 1;
    try {
      for (const articleHit of articleHits.slice(0, r.candidates)) {
        const a = articleHit.id as number;
        const slot = this.slots[a]!;
        const articleBoost = r.articleWeight * (articleHit.score / top);
        const n = slot.article.sentences.length;
        const titleMatch = new Uint8Array(K);
        for (let i = 0; i < slot.title.length; i++) {
          const k = termSlot[slot.title[i]!]!;
          if (k >= 0) titleMatch[k] = 1;
        }
        // One pass over the article: each sentence's counts of each query term (row s, column k).
        if (this.tfScratch.length < n * K) this.tfScratch = new Uint32Array(n * K * 2);
        const tfs = this.tfScratch;
        tfs.fill(0, 0, n * K);
        const spread = new Float64Array(K);
        for (let s = 0; s < n; s++) {
          const row = s * K;
          for (let i = slot.offsets[s]!, end = slot.offsets[s + 1]!; i < end; i++) {
            const id = slot.terms[i]!;
            if ((bits[id >>> 5]! & (1 << (id & 31))) === 0) continue; // not a query term
            const k = termSlot[id]!;
            if (tfs[row + k]!++ === 0) spread[k]!++;
          }
        }
        const localIdf = termIdf.map((idf, k) => idf * (1 - (r.topicDiscount * spread[k]!) / n));
        for (let s = 0; s < n; s++) {
          const row = s * K;
          let own = 0;
          for (let k = 0; k < K; k++) {
            const tf = tfs[row + k]!;
            if (tf > 0) {
              const len = slot.offsets[s + 1]! - slot.offsets[s]!;
              own += (localIdf[k]! * (tf * (r.k1 + 1))) / (tf + r.k1 * (1 - r.b + (r.b * len) / avgLength));
            }
          }
          if (own === 0) continue; // none of the question's words: not a candidate
          const prev = s > 0 ? row - K : -1;
          const next = s + 1 < n ? row + K : -1;
          let anaphoric: boolean | undefined;
          let around = 0;
          for (const j of coveredOrder) coveredFlag[j] = 0;
          coveredOrder.length = 0;
          for (let k = 0; k < K; k++) if (tfs[row + k]! > 0) cover(sourceOf[k]!);
          let ownMass = 0;
          for (const j of coveredOrder) ownMass += massOf[j]!;
          for (let k = 0; k < K; k++) {
            if (tfs[row + k]! > 0) continue;
            if (prev >= 0 && tfs[prev + k]! > 0) {
              anaphoric ??= ANAPHOR.test(slot.article.sentences[s]!.text);
              around += (anaphoric ? r.anaphorWeight : r.neighbourWeight) * termIdf[k]!;
              cover(sourceOf[k]!);
            }
            if (next >= 0 && tfs[next + k]! > 0) {
              around += r.neighbourWeight * termIdf[k]!;
              cover(sourceOf[k]!);
            }
            if (titleMatch[k]) {
              around += r.titleWeight * termIdf[k]!;
              cover(sourceOf[k]!);
            }
          }
          let coveredMass = 0;
          for (const j of coveredOrder) coveredMass += massOf[j]!;
          const coverage = totalMass > 0 ? coveredMass / totalMass : 0;
          hits.push({
            article: a,
            sentence: s,
            score: (own + around + articleBoost) * (1 + r.coverageWeight * coverage),
            coverage,
            ownCoverage: totalMass > 0 ? ownMass / totalMass : 0,
            own,
            articleScore: articleHit.score / top,
          });
        }
      }
    } finally {
      for (const id of termIds) {
        termSlot[id] = -1;
        bits[id >>> 5] = 0;
      }
    }
    hits.sort((x, y) => y.score - x.score || x.article - y.article || x.sentence - y.sentence);
    const matchedTerms = new Set(termIds.map((id) => this.terms[id]!));
    return { hits, matchedTerms, unknownWords: stillUnknown, queryTerms };
  }

  private clearTermCache(): void {
    this.termCache.clear();
    this.termCachePostings = 0;
  }

  /**
   * Stage 1: the best `r.candidates` articles matching `terms`, best first, scored as one MiniSearch OR
   * query would (the sum of the terms' BM25 scores times the number of terms matched), from the cached
   * per-term results; words the index does not know go to MiniSearch together, for its fuzzy matching.
   */
  private stageOne(
    terms: readonly string[],
    r: RankingOptions,
    visible: ((article: Article) => boolean) | undefined,
  ): ArticleHit[] {
    if (this.sums.length < this.slots.length) {
      this.sums = new Float64Array(this.slots.length * 2);
      this.counts = new Uint8Array(this.slots.length * 2);
      this.touched = new Int32Array(this.slots.length * 2);
    }
    const { sums, counts, touched } = this;
    let touchedCount = 0;
    const prefix = `${r.articleBm25.k} ${r.articleBm25.b} ${r.articleBm25.d}`;
    const cache = this.termCacheFor(prefix);
    const unknown: string[] = [];
    for (const term of terms) {
      if (!this.vocab.has(term)) {
        unknown.push(term);
        continue;
      }
      const { ids, scores } = this.termPostings(term, r.articleBm25, prefix, cache);
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i]!;
        if (counts[id] === 0) touched[touchedCount++] = id;
        sums[id]! += scores[i]!;
        counts[id]!++;
      }
    }
    // Words the index does not know: one fuzzy MiniSearch query (typos). Its score for an article is the
    // sum of those words' scores times how many of them matched, so both parts add up as one OR query.
    const corrections = new Map<number, string[]>();
    if (unknown.length > 0) {
      const results = this.miniSearch.search(unknown.join(" "), {
        boost: { title: 2 },
        bm25: r.articleBm25,
        fuzzy: (term) => (term.length < 4 ? false : term.length >= 8 ? 2 : 1),
        maxFuzzy: 2,
      });
      for (const result of results) {
        const id = result.id as number;
        const matched = result.queryTerms.length;
        if (counts[id] === 0) touched[touchedCount++] = id;
        sums[id]! += result.score / matched;
        counts[id]! += matched;
        corrections.set(id, result.terms);
      }
    }
    // The best `r.candidates`, kept sorted (score, then slot) by insertion: no sort of every match.
    const best: ArticleHit[] = [];
    for (let t = 0; t < touchedCount; t++) {
      const id = touched[t]!;
      const score = sums[id]! * counts[id]!;
      sums[id] = 0;
      counts[id] = 0;
      const last = best[best.length - 1];
      if (
        best.length >= r.candidates &&
        last &&
        (score < last.score || (score === last.score && id > last.id))
      )
        continue;
      if (visible && !visible(this.slots[id]!.article)) continue;
      let at = best.length;
      while (
        at > 0 &&
        (best[at - 1]!.score < score || (best[at - 1]!.score === score && best[at - 1]!.id > id))
      )
        at--;
      best.splice(at, 0, { id, score, terms: corrections.get(id) ?? [] });
      if (best.length > r.candidates) best.pop();
    }
    return best;
  }

  /**
   * Fills the stage-1 term cache ahead of questions with the terms found in at least `minArticles`
   * articles (by default every term), most frequent first: a miss costs a MiniSearch search, about
   * 40 µs for a rare word and 2 µs more per article. Stops short of the cache's capacity. Yields after
   * each term so that a server can spread the work over its event loop (see `warmInBackground`).
   */
  *warmTerms(minArticles = 1): Generator<string, void> {
    const common: number[] = [];
    this.articleDf.forEach((df, id) => {
      if (df >= minArticles) common.push(id);
    });
    common.sort((x, y) => this.articleDf[y]! - this.articleDf[x]!);
    let postings = 0;
    for (const id of common) {
      postings += this.articleDf[id]!;
      if (postings > this.termCacheCapacity * 0.75) return; // leave room for the questions' own terms
      this.termPostings(this.terms[id]!, defaultRanking.articleBm25);
      yield this.terms[id]!;
    }
  }

  /** Terms and postings in the stage-1 term cache (for metrics and tests). */
  get termCacheSize(): { terms: number; postings: number } {
    let terms = 0;
    for (const cache of this.termCache.values()) terms += cache.size;
    return { terms, postings: this.termCachePostings };
  }

  /** Whether the term cache holds `term` for the default BM25 setting (for tests). */
  isTermCached(term: string): boolean {
    const id = this.vocab.get(term);
    const { k, b, d } = defaultRanking.articleBm25;
    return id !== undefined && (this.termCache.get(`${k} ${b} ${d}`)?.has(id) ?? false);
  }

  /** One term's MiniSearch results, from the term cache when there. */
  private termPostings(
    term: string,
    bm25: RankingOptions["articleBm25"],
    prefix = `${bm25.k} ${bm25.b} ${bm25.d}`,
    cache = this.termCacheFor(prefix),
  ): TermPostings {
    const id = this.vocab.get(term)!;
    const cached = cache.get(id);
    if (cached) {
      cached.used = ++this.termCacheClock;
      return cached;
    }
    const results = this.miniSearch.search(term, { boost: { title: 2 }, bm25, fuzzy: false, prefix: false });
    // In slot order: stage 1 then adds them up walking its per-slot sums forwards, not at random (the
    // sums are the same either way: each term adds to a slot once, terms in the same order).
    results.sort((x, y) => (x.id as number) - (y.id as number));
    const postings: TermPostings = {
      ids: Uint32Array.from(results, (x) => x.id as number),
      scores: Float64Array.from(results, (x) => x.score),
      used: ++this.termCacheClock,
    };
    cache.set(id, postings);
    this.termCachePostings += results.length;
    if (this.termCachePostings > this.termCacheCapacity) this.evictTerms(postings);
    return postings;
  }

  private termCacheFor(prefix: string): Map<number, TermPostings> {
    let cache = this.termCache.get(prefix);
    if (!cache) {
      cache = new Map();
      this.termCache.set(prefix, cache);
    }
    return cache;
  }

  /** Drops the least recently used terms (never `keep`) until the cache is at 90 % of its capacity. */
  private evictTerms(keep: TermPostings): void {
    const entries: { cache: Map<number, TermPostings>; id: number; postings: TermPostings }[] = [];
    for (const cache of this.termCache.values()) {
      for (const [id, postings] of cache) if (postings !== keep) entries.push({ cache, id, postings });
    }
    entries.sort((x, y) => x.postings.used - y.postings.used);
    for (const { cache, id, postings } of entries) {
      if (this.termCachePostings <= this.termCacheCapacity * 0.9) break;
      cache.delete(id);
      this.termCachePostings -= postings.ids.length;
    }
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
