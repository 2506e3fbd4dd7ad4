/**
 * The Newsdesk facade: the loaded articles and their index, and every question the front ends ask
 * of them. Pure: the caller loads the articles (src/knowledge.ts) and stores the cache (src/cache.ts).
 */
import { type AskOptions, ask, validateQuestion } from "./answer.ts";
import {
  buildEntityTable,
  EntityIndexer,
  EntityTable,
  type EntityTableJSON,
  type Suggestion,
} from "./entities.ts";
import { NewsIndex, type RankingOptions, type SerializedIndex } from "./index.ts";
import { passageOf } from "./passage.ts";
import { type SummaryAnswer, summarizeArticle, summarizeTopic, type TopicSource } from "./summary.ts";
import type { Answer, Article, ArticleMeta, Logger, Passage } from "./types.ts";
import { type WhoAnswer, who } from "./who.ts";

/** One line of the `articles` listing. */
export interface ArticleListItem extends ArticleMeta {
  readonly sentences: number;
}

/** A page of the `articles` listing, newest first. */
export interface ArticleList {
  readonly command: "articles";
  readonly query: string;
  readonly total: number;
  readonly page: number;
  readonly pages: number;
  readonly pageSize: number;
  readonly results: readonly ArticleListItem[];
}

/** Options every question takes: which server is asking (its own articles plus the shared ones). */
export interface ScopeOptions {
  readonly guild?: string | null;
}

export interface NewsdeskOptions {
  readonly ranking?: Partial<RankingOptions>;
  readonly logger?: Logger;
}

/** Most autocomplete choices Discord shows. */
export const MAX_CHOICES = 25;
const MAX_LABEL = 100;
/** How many of the best-matching articles a topic summary draws on. */
const MAX_TOPIC_ARTICLES = 8;

const clip = (text: string, max: number) =>
  text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;

/** A timestamp for sorting dates as articles give them ("Thursday, October 16, 2025", ISO…); NaN if unknown. */
export function dateValue(date: string | null): number {
  if (date === null) return Number.NaN;
  const direct = Date.parse(date);
  if (!Number.isNaN(direct)) return direct;
  // "Thursday, October 16, 2025": drop the weekday.
  return Date.parse(date.replace(/^[A-Za-z]+,\s*/, ""));
}

/** Newest first; undated articles last, by id. */
export function byDateDesc(a: ArticleMeta, b: ArticleMeta): number {
  const da = dateValue(a.date);
  const db = dateValue(b.date);
  const na = Number.isNaN(da);
  const nb = Number.isNaN(db);
  if (na !== nb) return na ? 1 : -1;
  if (!na && da !== db) return db - da;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Whether `article` is visible to `guild`: shared articles everywhere, a server's own only there. */
export function visibleTo(guild: string | null | undefined): (article: ArticleMeta) => boolean {
  return (article) => article.guild === null || (guild != null && article.guild === guild);
}

function metaOf(a: Article): ArticleListItem {
  const { sentences, ...meta } = a;
  return { ...meta, sentences: sentences.length };
}

/**
 * Everything Newsdesk knows, and the questions it answers.
 *
 * @example
 * const desk = Newsdesk.build(articles);
 * desk.ask("reconstruction").results[0].citation.title;
 */
export class Newsdesk {
  readonly index: NewsIndex;
  private entityTable: EntityTable;
  private readonly byId: Map<string, Article>;
  private readonly options: NewsdeskOptions;
  private byDate: { article: Article; title: string; id: string }[] | null = null;
  private privateArticles: boolean | null = null;
  private readonly listeners = new Set<() => void>();
  private titleWords: [string, number][] | null = null;
  /** Per-article entity extraction kept for incremental updates; made on the first update. */
  private entityIndexer: EntityIndexer | null = null;

  private constructor(index: NewsIndex, entities: EntityTable, options: NewsdeskOptions) {
    this.index = index;
    this.entityTable = entities;
    this.options = options;
    this.byId = new Map(index.articles.map((a) => [a.id, a]));
  }

  /** Whether any article belongs to one server only (else no visibility filter is needed). */
  private hasPrivateArticles(): boolean {
    this.privateArticles ??= this.articles.some((a) => a.guild !== null);
    return this.privateArticles;
  }

  /** The articles newest first, with lower-cased title and id for matching (kept until an update). */
  private newestFirst(): readonly { article: Article; title: string; id: string }[] {
    if (this.byDate === null) {
      this.byDate = [...this.articles]
        .sort(byDateDesc)
        .map((article) => ({ article, title: article.title.toLowerCase(), id: article.id.toLowerCase() }));
    }
    return this.byDate;
  }

  /** The people, organisations, places and groups the articles name. */
  get entities(): EntityTable {
    return this.entityTable;
  }

  /**
   * Applies changed knowledge in one synchronous step, updating the index incrementally (MiniSearch
   * add/discard): a query runs wholly before or wholly after it, never against half an update.
   * The entity table is re-linked from per-article extractions (only changed articles are re-read),
   * since a new article can merge or split names across articles.
   */
  update(changes: { upsert?: readonly Article[]; remove?: readonly string[] }): {
    added: number;
    replaced: number;
    removed: number;
  } {
    let added = 0;
    let replaced = 0;
    let removed = 0;
    const before = this.articles;
    for (const id of changes.remove ?? []) {
      if (this.index.remove(id)) {
        this.byId.delete(id);
        removed++;
      }
    }
    for (const article of changes.upsert ?? []) {
      if (this.index.has(article.id)) {
        this.index.replace(article);
        replaced++;
      } else {
        this.index.add(article);
        added++;
      }
      this.byId.set(article.id, article);
    }
    if (added + replaced + removed > 0) {
      this.byDate = null;
      this.privateArticles = null;
      this.titleWords = null;
      const logger = this.options.logger ? { logger: this.options.logger } : {};
      this.entityIndexer ??= new EntityIndexer(before, logger);
      this.entityIndexer.update(changes);
      this.entityTable = this.entityIndexer.table(this.articles);
      for (const listener of this.listeners) listener();
    }
    return { added, replaced, removed };
  }

  /** Calls `listener` after every update that changed something; returns a function that stops it. */
  onUpdate(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Indexes `articles` (sentences and the people, places and organisations they name). */
  static build(articles: readonly Article[], options: NewsdeskOptions = {}): Newsdesk {
    const index = NewsIndex.build(articles);
    const entities = buildEntityTable(articles, options.logger ? { logger: options.logger } : {});
    return new Newsdesk(index, entities, options);
  }

  /** Restores a desk from `toJSON()` output; throws when it does not fit the articles. */
  static fromJSON(json: DeskSnapshot, articles: readonly Article[], options: NewsdeskOptions = {}): Newsdesk {
    const entities = EntityTable.fromJSON(json.entities);
    // The entity table refers to articles by position: it must list the same ones in the same order.
    if (
      entities.articleIds.length !== articles.length ||
      entities.articleIds.some((id, i) => id !== articles[i]!.id)
    ) {
      throw new Error("entities: cache does not match the knowledge");
    }
    return new Newsdesk(NewsIndex.fromJSON(json.index, articles), entities, options);
  }

  /** What the index cache stores next to the articles. */
  toJSON(): DeskSnapshot {
    return { index: this.index.toJSON(), entities: this.entities.toJSON() };
  }

  /** Which article ids a server may see; undefined (no filtering to do) while every article is shared. */
  private visibleIds(guild: string | null | undefined): ((id: string) => boolean) | undefined {
    if (!this.hasPrivateArticles()) return undefined;
    const visible = visibleTo(guild);
    return (id) => {
      const a = this.byId.get(id);
      return a !== undefined && visible(a);
    };
  }

  private visibleOption(guild: string | null | undefined): { visible?: (id: string) => boolean } {
    const visible = this.visibleIds(guild);
    return visible ? { visible } : {};
  }

  /** What the articles say about a person (or organisation, place, group), from any alias, typos allowed. */
  who(name: string, options: { limit?: number; offset?: number } & ScopeOptions = {}): WhoAnswer {
    return who(this.entities, this.byId, name, {
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
      ...(options.offset !== undefined ? { offset: options.offset } : {}),
      ...this.visibleOption(options.guild),
    });
  }

  /** Autocomplete for names: up to 25, most mentioned first, labels ≤ 100 characters. */
  suggestEntities(prefix: string, options: ScopeOptions = {}): Suggestion[] {
    return this.entities.suggest(prefix, { limit: MAX_CHOICES, ...this.visibleOption(options.guild) });
  }

  /** Autocomplete for articles: titles containing `prefix` (all when empty), newest first. */
  suggestArticles(
    prefix: string,
    options: ScopeOptions = {},
  ): { id: string; title: string; date: string | null }[] {
    const needle = prefix.trim().toLowerCase();
    const visible = visibleTo(options.guild);
    const byDate = this.newestFirst();
    const matches = (e: (typeof byDate)[number]) =>
      visible(e.article) && (needle === "" || e.title.includes(needle) || e.id.includes(needle));
    const choice = (a: Article) => ({ id: a.id, title: clip(a.title, MAX_LABEL), date: a.date });

    // Titles with a word starting like the input, newest first, straight from the word index; a scan of
    // every title (and id) is left for inputs that only match inside words.
    const first = needle.split(/[^\p{L}\p{N}]+/u).find((w) => w.length > 0);
    if (first !== undefined) {
      const positions = this.titleWordIndex().range(first);
      if (positions !== null) {
        const out = positions
          .map((i) => byDate[i]!)
          .filter(matches)
          .slice(0, MAX_CHOICES);
        if (out.length > 0) return out.map((e) => choice(e.article));
      }
    }
    const out: { id: string; title: string; date: string | null }[] = [];
    for (const e of byDate) {
      if (matches(e)) {
        out.push(choice(e.article));
        if (out.length >= MAX_CHOICES) break;
      }
    }
    return out;
  }

  /** Title words → positions in the newest-first order, for article autocomplete (kept until an update). */
  private titleWordIndex(): { range(prefix: string): number[] | null } {
    if (this.titleWords === null) {
      const entries: [string, number][] = [];
      this.newestFirst().forEach((e, i) => {
        for (const w of new Set(e.title.split(/[^\p{L}\p{N}]+/u))) if (w) entries.push([w, i]);
      });
      entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
      this.titleWords = entries;
    }
    const words = this.titleWords;
    return {
      range(prefix) {
        let lo = 0;
        let hi = words.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (words[mid]![0] < prefix) lo = mid + 1;
          else hi = mid;
        }
        const out: number[] = [];
        for (let k = lo; k < words.length && words[k]![0].startsWith(prefix); k++) {
          // A very common prefix is answered faster by the scan, which stops at the first page.
          if (out.length > 5000) return null;
          out.push(words[k]![1]);
        }
        return [...new Set(out)].sort((a, b) => a - b);
      },
    };
  }

  /** An article by id, else the newest whose title contains `query` (case-insensitive). */
  findArticle(query: string, options: ScopeOptions = {}): Article | undefined {
    const visible = visibleTo(options.guild);
    const exact = this.byId.get(query.trim());
    if (exact && visible(exact)) return exact;
    const needle = query.trim().toLowerCase();
    if (needle === "") return undefined;
    return this.newestFirst().find((e) => visible(e.article) && e.title.includes(needle))?.article;
  }

  /**
   * An extractive summary: of one article (by id or title fragment; the newest when null), or with
   * `topic`, across the articles that best match the topic.
   */
  summary(article: string | null, options: { topic?: string } & ScopeOptions = {}): SummaryAnswer {
    const topic = options.topic?.trim();
    if (topic) {
      const problem = validateQuestion(topic);
      if (problem)
        return {
          command: "summary",
          query: topic,
          status: "invalid",
          message: problem,
          article: null,
          results: [],
        };
      const outcome = this.index.search(topic, { visible: visibleTo(options.guild) });
      const sources = new Map<number, number[]>();
      for (const h of outcome.hits) {
        if (h.coverage < 0.5 || (!sources.has(h.article) && sources.size >= MAX_TOPIC_ARTICLES)) continue;
        const list = sources.get(h.article) ?? [];
        list.push(h.sentence);
        sources.set(h.article, list);
      }
      const topicSources: TopicSource[] = [...sources.entries()].map(([a, sentences]) => ({
        article: this.index.slotArticle(a),
        sentences,
      }));
      if (topicSources.length === 0) {
        return {
          command: "summary",
          query: topic,
          status: "no-match",
          message: `No article matches "${topic}".`,
          article: null,
          results: [],
        };
      }
      return summarizeTopic(topic, topicSources);
    }
    const visible = visibleTo(options.guild);
    const target =
      article === null || article.trim() === ""
        ? this.newestFirst().find((e) => visible(e.article))?.article
        : this.findArticle(article, options);
    if (!target) {
      const message = article
        ? `No article matches "${article.trim()}". Try /articles to see them.`
        : "No articles are loaded.";
      return {
        command: "summary",
        query: article?.trim() ?? "",
        status: "no-match",
        message,
        article: null,
        results: [],
      };
    }
    return summarizeArticle(target);
  }

  get articles(): readonly Article[] {
    return this.index.articles;
  }

  get sentenceCount(): number {
    return this.index.sentenceTotal;
  }

  article(id: string): Article | undefined {
    return this.byId.get(id);
  }

  /** Answers a question with cited sentences (see `ask`). */
  ask(question: string, options: Omit<AskOptions, "visible" | "ranking"> & ScopeOptions = {}): Answer {
    const { guild, ...rest } = options;
    return ask(this.index, question, {
      ...rest,
      ...(this.hasPrivateArticles() ? { visible: visibleTo(guild) } : {}),
      ...(this.options.ranking ? { ranking: this.options.ranking } : {}),
    });
  }

  /** The articles, newest first, optionally filtered by a word of their title, source, section, tags or id. */
  listArticles(filter = "", options: { page?: number; pageSize?: number } & ScopeOptions = {}): ArticleList {
    const pageSize = Math.max(1, Math.min(options.pageSize ?? 10, 50));
    const needle = filter.trim().toLowerCase();
    const visible = visibleTo(options.guild);
    const matching = this.newestFirst()
      .map((e) => e.article)
      .filter(visible)
      .filter(
        (a) =>
          needle === "" ||
          [a.title, a.source ?? "", a.section ?? "", a.id, ...a.tags].some((f) =>
            f.toLowerCase().includes(needle),
          ),
      );
    const pages = Math.max(1, Math.ceil(matching.length / pageSize));
    const page = Math.max(1, Math.min(options.page ?? 1, pages));
    return {
      command: "articles",
      query: filter.trim(),
      total: matching.length,
      page,
      pages,
      pageSize,
      results: matching.slice((page - 1) * pageSize, page * pageSize).map(metaOf),
    };
  }

  /**
   * The sentences around sentence `position` (1-based) of an article, for a "Context" button.
   * Returns [] when the article is unknown or not visible to the guild.
   */
  context(articleId: string, position: number, radius = 2, options: ScopeOptions = {}): Passage[] {
    const article = this.byId.get(articleId);
    if (!article || !visibleTo(options.guild)(article)) return [];
    const at = position - 1;
    const out: Passage[] = [];
    for (let i = Math.max(0, at - radius); i <= Math.min(article.sentences.length - 1, at + radius); i++) {
      out.push(passageOf(article, i, i === at ? 1 : 0, []));
    }
    return out;
  }
}

export interface DeskSnapshot {
  readonly index: SerializedIndex;
  readonly entities: EntityTableJSON;
}
