/**
 * The public surface of the pure core: what front ends (CLI, console, Discord, HTTP) may use.
 * test/api.test.ts pins it, so a change here is a deliberate one.
 */
export { ask, MAX_QUERY_LENGTH, validateQuestion } from "./answer.ts";
export { ArticleError, articleIdFromPath, parseArticle } from "./articles.ts";
export type { ArticleList, ArticleListItem, DeskSnapshot, NewsdeskOptions, ScopeOptions } from "./desk.ts";
export { byDateDesc, dateValue, MAX_CHOICES, Newsdesk, visibleTo } from "./desk.ts";
export type { Entity, EntityKind, Suggestion } from "./entities.ts";
export { buildEntityTable, EntityTable } from "./entities.ts";
export type { Hit, RankingOptions, SearchOutcome } from "./index.ts";
export { defaultRanking, NewsIndex } from "./index.ts";
export { foldText, normalizeTerm, textTerms, tokenize } from "./normalize.ts";
export { citationOf, passageOf } from "./passage.ts";
export { cueBoost, questionCues } from "./rank.ts";
export { splitSentences } from "./sentences.ts";
export type { SummaryAnswer } from "./summary.ts";
export { summarizeArticle, summarizeTopic } from "./summary.ts";
export type { Answer, Article, ArticleMeta, Citation, Logger, Passage, Sentence } from "./types.ts";
export { silentLogger } from "./types.ts";
export type { WhoAnswer } from "./who.ts";
export { who } from "./who.ts";
