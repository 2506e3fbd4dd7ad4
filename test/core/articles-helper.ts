/** Articles for core tests: the desk fixtures plus the seed, and small articles written inline. */
import type { Article } from "../../src/core/types.ts";
import { loadKnowledge } from "../../src/knowledge.ts";

/** test/fixtures/desk and knowledge/ (the seed), in that order. */
export async function loadBaseArticles(): Promise<Article[]> {
  return [
    ...(await loadKnowledge("test/fixtures/desk")).articles,
    ...(await loadKnowledge("knowledge")).articles,
  ];
}

/** An article of one paragraph; `meta` overrides the defaults (dated 2026-05-01, source "Test"). */
export function article(
  id: string,
  title: string,
  sentences: string[],
  meta: Partial<Article> = {},
): Article {
  return {
    id,
    title,
    date: "2026-05-01",
    source: "Test",
    url: null,
    author: null,
    section: null,
    dateline: null,
    tags: [],
    guild: null,
    sentences: sentences.map((text, i) => ({ text, paragraph: 1, position: i + 1 })),
    ...meta,
  };
}
