/**
 * Passages and citations: how a sentence of an article is quoted, the unit of every answer.
 */
import type { Article, Citation, Passage } from "./types.ts";

/** The citation for sentence `index` (0-based) of `article`. */
export function citationOf(article: Article, index: number): Citation {
  const s = article.sentences[index]!;
  return {
    article: article.id,
    title: article.title,
    date: article.date,
    source: article.source,
    url: article.url,
    paragraph: s.paragraph,
    sentence: s.position,
  };
}

/** Sentence `index` (0-based) of `article` as a passage, with its neighbours as context. */
export function passageOf(article: Article, index: number, score: number, terms: readonly string[]): Passage {
  return {
    text: article.sentences[index]!.text,
    score: Math.round(score * 1000) / 1000,
    context: {
      before: article.sentences[index - 1]?.text ?? null,
      after: article.sentences[index + 1]?.text ?? null,
    },
    terms,
    citation: citationOf(article, index),
  };
}
