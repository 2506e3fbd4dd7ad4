/**
 * Article extraction: HTML (or an uploaded file) in, a knowledge `.md` file out. Pure: no network, no disk.
 *
 * `extractArticle` runs `@mozilla/readability` over a `linkedom` DOM for the text, and reads the metadata
 * itself: title, date (`article:published_time`, JSON-LD `datePublished`, `<time datetime>`), source
 * (`og:site_name`, else the host name), url (canonical, else the page's) and author. Dates are kept as the page
 * gives them and never invented.
 *
 * @example
 * const article = extractArticle(html, "https://news.example/world/1");
 * const file = toMarkdownFile(article); // "---\ntitle: \"…\"\n…\n---\n\nFirst paragraph.\n\nSecond…\n"
 */
import { Readability } from "@mozilla/readability";
import frontMatter from "front-matter";
import { parseHTML } from "linkedom";
import { IngestError } from "./errors.ts";
import { decodeBody } from "./fetch.ts";

/** What ingestion keeps of an article; `paragraphs` are plain text, one line each. */
export interface ExtractedArticle {
  readonly title: string;
  readonly date: string | null;
  readonly source: string | null;
  readonly url: string | null;
  readonly author: string | null;
  readonly paragraphs: readonly string[];
}

export interface ExtractOptions {
  /** Fewer words than this in the extracted text is "no article found" (default 30). */
  readonly minWords?: number;
}

/** The few DOM members used here (linkedom's types lean on the DOM lib, which this project does not load). */
interface DomElement {
  readonly tagName: string;
  readonly textContent: string | null;
  readonly parentElement: DomElement | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
  remove(): void;
}

interface DomDocument {
  readonly body: DomElement | null;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
}

function parseDocument(html: string): DomDocument {
  const wrapped = /<html[\s>]/i.test(html)
    ? html
    : `<!doctype html><html><head></head><body>${html}</body></html>`;
  return (parseHTML(wrapped) as unknown as { document: DomDocument }).document;
}

function all(root: DomDocument | DomElement, selector: string): DomElement[] {
  return Array.from(root.querySelectorAll(selector));
}

/** Collapses whitespace (including non-breaking spaces and newlines) into single spaces. */
export function cleanText(text: string | null | undefined): string {
  return (text ?? "").replace(/[\s\u00a0\u200b]+/g, " ").trim();
}

function nonEmpty(text: string | null | undefined): string | null {
  const cleaned = cleanText(text);
  return cleaned === "" ? null : cleaned;
}

/** `<meta>` contents by lower-cased property, name or itemprop; the first non-empty one of each wins. */
function metaMap(document: DomDocument): Map<string, string> {
  const map = new Map<string, string>();
  for (const element of all(document, "meta")) {
    const value = nonEmpty(element.getAttribute("content"));
    if (value === null) continue;
    for (const attribute of ["property", "name", "itemprop"]) {
      const key = element.getAttribute(attribute)?.toLowerCase();
      if (key && !map.has(key)) map.set(key, value);
    }
  }
  return map;
}

function metaContent(metas: Map<string, string>, ...keys: string[]): string | null {
  for (const key of keys) {
    const value = metas.get(key);
    if (value) return value;
  }
  return null;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every JSON-LD object on the page, `@graph` members and arrays flattened. */
function jsonLdObjects(document: DomDocument): Record<string, Json>[] {
  const out: Record<string, Json>[] = [];
  const visit = (value: Json | undefined) => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === "object") {
      out.push(value);
      visit(value["@graph"]);
    }
  };
  for (const script of all(document, 'script[type="application/ld+json"]')) {
    try {
      visit(JSON.parse(script.textContent ?? "") as Json);
    } catch {
      // A broken JSON-LD block is common and harmless: the other sources still give the metadata.
    }
  }
  return out;
}

function isArticleType(object: Record<string, Json>): boolean {
  const type = object["@type"];
  const types = Array.isArray(type) ? type : [type];
  return types.some((t) => typeof t === "string" && /Article|BlogPosting|Report|NewsArticle/i.test(t));
}

function jsonLdString(objects: Record<string, Json>[], key: string): string | null {
  const ordered = [...objects.filter(isArticleType), ...objects.filter((o) => !isArticleType(o))];
  for (const object of ordered) {
    const value = object[key];
    if (typeof value === "string" && nonEmpty(value)) return cleanText(value);
  }
  return null;
}

function jsonLdNames(objects: Record<string, Json>[], key: string): string | null {
  for (const object of objects.filter(isArticleType)) {
    const value = object[key];
    const list = Array.isArray(value) ? value : [value];
    const names = list
      .map((item) =>
        typeof item === "string"
          ? item
          : item && typeof item === "object" && !Array.isArray(item)
            ? item.name
            : null,
      )
      .filter((name): name is string => typeof name === "string" && cleanText(name) !== "")
      .map(cleanText);
    if (names.length > 0) return names.join(", ");
  }
  return null;
}

function httpUrl(href: string | null, base: string | null): string | null {
  if (!href) return null;
  try {
    const url = base ? new URL(href, base) : new URL(href);
    if (url.protocol !== "http:" && url.protocol !== "https:") return null;
    url.hash = "";
    return url.href;
  } catch {
    return null;
  }
}

/** Class or id fragments of paywall prompts, newsletter boxes and cookie banners. */
const NOISE =
  /paywall|pay-wall|regwall|subscri|newsletter|cookie|consent|advert|promo|signup|sign-up|piano-/i;

/** A short paragraph that is a call to action rather than reporting. */
const BOILERPLATE =
  /^(subscribe|sign up|sign in|log in|already a subscriber|advertisement|read more|share this|continue reading|this (article|content) is (only )?(available|for) (to )?subscribers|to continue reading|register to|create a free account)/i;

function removeNoise(document: DomDocument): void {
  for (const element of all(document, "script, style, noscript, template, iframe, button, nav, aside")) {
    if (element.getAttribute("type") === "application/ld+json") continue;
    element.remove();
  }
  for (const element of all(document, "[class], [id]")) {
    const names = `${element.getAttribute("class") ?? ""} ${element.getAttribute("id") ?? ""}`;
    // Short only: some sites mark the article body itself as metered; a prompt is a few dozen words at most.
    if (NOISE.test(names) && cleanText(element.textContent).length < 400) element.remove();
  }
}

const MAX_READABILITY_ELEMENTS = 15_000;

const BLOCKS = "p, li, blockquote, pre, dd, h2, h3, h4, h5, h6";

function paragraphsOf(root: DomDocument | DomElement): string[] {
  const out: string[] = [];
  const blocks = all(root, BLOCKS);
  const set = new Set(blocks);
  const outer = new Set<DomElement>();
  for (const block of blocks) {
    for (let parent = block.parentElement; parent; parent = parent.parentElement) {
      if (set.has(parent)) {
        outer.add(parent);
        break;
      }
    }
  }
  for (const element of blocks) {
    if (outer.has(element)) continue; // the inner blocks are taken instead
    if (/^H\d$/i.test(element.tagName)) continue; // sub-headings are not sentences to quote
    const text = cleanText(element.textContent);
    if (text === "") continue;
    if (text.length < 160 && BOILERPLATE.test(text)) continue;
    if (isBylineOrDate(text)) continue;
    if (out[out.length - 1] === text) continue;
    out.push(text);
  }
  return out;
}

/** "By Jane Doe · 14 October 2025", "2 September 2025": page furniture rather than sentences. */
function isBylineOrDate(text: string): boolean {
  if (text.length > 80 || /[.!?]["”’)]?$/.test(text)) return false;
  return /^by\s/i.test(text) || /\b(19|20)\d\d\b/.test(text);
}

function wordCount(paragraphs: readonly string[]): number {
  return paragraphs.reduce((n, p) => n + p.split(" ").filter(Boolean).length, 0);
}

function stripSiteSuffix(title: string, site: string | null): string {
  if (!site) return title;
  for (const separator of [" | ", " - ", " – ", " — ", " :: ", " · "]) {
    if (title.endsWith(`${separator}${site}`))
      return title.slice(0, -(separator.length + site.length)).trim();
    if (title.startsWith(`${site}${separator}`)) return title.slice(site.length + separator.length).trim();
  }
  return title;
}

function hostSource(url: string | null): string | null {
  if (!url) return null;
  try {
    return new URL(url).hostname.replace(/^www\./, "") || null;
  } catch {
    return null;
  }
}

/**
 * Extracts the article of an HTML page. `pageUrl` is the address it was fetched from (null for an uploaded
 * file): relative canonical links resolve against it and it is the fallback url and source.
 * @throws IngestError (`extract`) when the page holds no article text.
 */
export function extractArticle(
  html: string,
  pageUrl: string | null,
  options: ExtractOptions = {},
): ExtractedArticle {
  const minWords = options.minWords ?? 30;
  const where = pageUrl ?? "the file";
  const document = parseDocument(html);
  const ld = jsonLdObjects(document);
  const metas = metaMap(document);

  const siteName = metaContent(metas, "og:site_name", "application-name") ?? publisherName(ld);
  const source = siteName ?? hostSource(pageUrl);
  const canonical =
    httpUrl(document.querySelector('link[rel~="canonical"]')?.getAttribute("href") ?? null, pageUrl) ??
    httpUrl(metaContent(metas, "og:url"), pageUrl);
  const url = canonical ?? (pageUrl ? httpUrl(pageUrl, null) : null);
  const timeElement =
    document.querySelector("article time[datetime]") ?? document.querySelector("time[datetime]");
  let date =
    metaContent(metas, "article:published_time") ??
    jsonLdString(ld, "datePublished") ??
    nonEmpty(timeElement?.getAttribute("datetime")) ??
    metaContent(
      metas,
      "datepublished",
      "date",
      "pubdate",
      "publishdate",
      "dc.date",
      "dc.date.issued",
      "dcterms.date",
      "parsely-pub-date",
      "sailthru.date",
    );
  const metaAuthor = metaContent(metas, "author", "article:author", "parsely-author", "dc.creator");
  let author = metaAuthor && !/^https?:\/\//i.test(metaAuthor) ? metaAuthor : jsonLdNames(ld, "author");
  const headline = metaContent(metas, "og:title", "twitter:title") ?? jsonLdString(ld, "headline");
  const documentTitle = nonEmpty(document.querySelector("title")?.textContent);
  const h1 = nonEmpty(document.querySelector("h1")?.textContent);

  removeNoise(document);
  let paragraphs: string[] = [];
  let readabilityTitle: string | null = null;
  try {
    // Readability takes seconds on huge pages (40,000 elements); past the cap the page's own paragraphs are
    // used instead. (linkedom's getElementsByTagName("*") is empty, so Readability's own cap cannot see them.)
    if (all(document, "*").length > MAX_READABILITY_ELEMENTS) throw new Error("too many elements");
    const parsed = new Readability(document as never, { charThreshold: 200 }).parse();
    if (parsed?.content) paragraphs = paragraphsOf(parseDocument(String(parsed.content)));
    readabilityTitle = nonEmpty(parsed?.title);
    date ??= nonEmpty(parsed?.publishedTime);
    author ??= nonEmpty(parsed?.byline);
  } catch {
    // Readability gives up on some markup; the paragraphs of the page itself are the fallback below.
  }
  if (wordCount(paragraphs) < minWords) {
    const page = parseDocument(html);
    removeNoise(page);
    const fallback = paragraphsOf(page);
    if (wordCount(fallback) > wordCount(paragraphs)) paragraphs = fallback;
  }
  const words = wordCount(paragraphs);
  if (words < minWords) {
    throw new IngestError(
      "extract",
      `extract: ${where}: no article text found (${words} word${words === 1 ? "" : "s"}; at least ${minWords} needed)`,
    );
  }
  const rawTitle = headline ?? readabilityTitle ?? h1 ?? documentTitle;
  const title = rawTitle ? stripSiteSuffix(rawTitle, siteName) : deriveTitle(paragraphs[0]!);
  return { title, date, source, url, author, paragraphs };
}

function publisherName(ld: Record<string, Json>[]): string | null {
  for (const object of ld.filter(isArticleType)) {
    const publisher = object.publisher;
    if (publisher && typeof publisher === "object" && !Array.isArray(publisher)) {
      const name = publisher.name;
      if (typeof name === "string" && cleanText(name)) return cleanText(name);
    }
  }
  return null;
}

function deriveTitle(paragraph: string): string {
  if (paragraph.length <= 80) return paragraph;
  const cut = paragraph.slice(0, 81);
  const space = cut.lastIndexOf(" ");
  return `${(space > 40 ? cut.slice(0, space) : paragraph.slice(0, 80)).replace(/[\s,;:–—-]+$/, "")}…`;
}

/** JSON strings are valid YAML double-quoted scalars: every value is quoted, whatever it contains. */
function yamlString(value: string): string {
  return JSON.stringify(value);
}

/**
 * Renders an article as a knowledge `.md` file: YAML front matter (title, date, source, url, author; absent
 * values left out) and the paragraphs separated by blank lines, each on one line.
 */
export function toMarkdownFile(article: ExtractedArticle): string {
  const lines = ["---", `title: ${yamlString(cleanText(article.title))}`];
  for (const key of ["date", "source", "url", "author"] as const) {
    const value = nonEmpty(article[key]);
    if (value !== null) lines.push(`${key}: ${yamlString(value)}`);
  }
  lines.push("---", "");
  const paragraphs = article.paragraphs.map(cleanText).filter((p) => p !== "" && !/^-{3,}$/.test(p));
  return `${lines.join("\n")}\n${paragraphs.join("\n\n")}\n`;
}

/** Splits plain text into paragraphs: blank lines separate them, hard-wrapped lines are joined. */
export function plainParagraphs(text: string): string[] {
  return text
    .replace(/^\uFEFF/, "")
    .replace(/\r\n?/g, "\n")
    .split(/\n[ \t]*\n/)
    .map(cleanText)
    .filter((p) => p !== "");
}

/** An article from pasted text (the `/ingest` modal). */
export function fromPlainText(
  title: string,
  text: string,
  meta: Partial<Omit<ExtractedArticle, "title" | "paragraphs">> = {},
): ExtractedArticle {
  const cleanTitle = cleanText(title);
  if (cleanTitle === "") throw new IngestError("invalid-file", "refused: the article needs a title");
  if (cleanTitle.length > 300)
    throw new IngestError("invalid-file", "refused: the title is longer than 300 characters");
  const paragraphs = plainParagraphs(text);
  if (paragraphs.length === 0) throw new IngestError("invalid-file", `refused: "${cleanTitle}" has no text`);
  return {
    title: cleanTitle,
    date: nonEmpty(meta.date),
    source: nonEmpty(meta.source),
    url: nonEmpty(meta.url),
    author: nonEmpty(meta.author),
    paragraphs,
  };
}

export const UPLOAD_EXTENSIONS = [".md", ".txt", ".html", ".htm"] as const;

function titleFromFileName(name: string): string {
  const base = name.replace(/^.*[/\\]/, "").replace(/\.[^.]+$/, "");
  return cleanText(base.replace(/[-_]+/g, " ")) || "Untitled";
}

type FrontMatterFn = (text: string) => { attributes: unknown; body: string };
const parseFrontMatter = frontMatter as unknown as FrontMatterFn;

function fieldOf(attributes: Record<string, unknown>, key: string): string | null {
  const value = attributes[key];
  if (value instanceof Date) return value.toISOString().replace(/T00:00:00\.000Z$/, "");
  if (typeof value === "string" || typeof value === "number") return nonEmpty(String(value));
  return null;
}

/**
 * An article from an uploaded `.md`, `.txt` or `.html` file. Markdown keeps its front matter fields (title,
 * date, source, url, author); a leading `# Heading` or a short first line followed by a blank line is the
 * title of Markdown and text files; otherwise the file name is.
 * @throws IngestError (`invalid-file`) for other extensions, binary content or no text.
 */
export function fromUpload(
  fileName: string,
  content: string | Uint8Array,
  options: ExtractOptions = {},
): ExtractedArticle {
  const extension = (fileName.match(/\.[^.]+$/)?.[0] ?? "").toLowerCase();
  if (!(UPLOAD_EXTENSIONS as readonly string[]).includes(extension)) {
    throw new IngestError("invalid-file", `refused: ${fileName}: only .md, .txt and .html files are read`);
  }
  const isHtml = extension === ".html" || extension === ".htm";
  const text =
    typeof content === "string"
      ? content
      : decodeBody(content, null, isHtml ? "text/html" : "text/plain").text;
  if (text.includes("\u0000")) throw new IngestError("invalid-file", `refused: ${fileName}: binary content`);
  if (isHtml) return extractArticle(text, null, options);

  let body = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  let meta: Record<string, unknown> = {};
  if (extension === ".md" && /^---[ \t]*\n/.test(body)) {
    try {
      const parsed = parseFrontMatter(body);
      if (parsed.attributes && typeof parsed.attributes === "object")
        meta = parsed.attributes as Record<string, unknown>;
      body = parsed.body;
    } catch (error) {
      throw new IngestError(
        "invalid-file",
        `refused: ${fileName}: broken front matter: ${(error as Error).message.split("\n")[0]}`,
      );
    }
  }
  let title = fieldOf(meta, "title");
  const lines = body.split("\n");
  const first = lines.findIndex((line) => line.trim() !== "");
  const firstLine = first >= 0 ? lines[first]!.trim() : "";
  const heading = extension === ".md" ? firstLine.match(/^#{1,6}\s+(.+?)\s*#*$/) : null;
  const shortLine =
    first >= 0 &&
    (lines[first + 1] ?? "").trim() === "" &&
    firstLine.length <= 150 &&
    !/[.!?]["”’)]?$/.test(firstLine);
  if (heading || (title === null && shortLine && lines.slice(first + 1).some((l) => l.trim() !== ""))) {
    title ??= heading ? heading[1]! : firstLine;
    body = lines.slice(first + 1).join("\n");
  }
  const paragraphs = plainParagraphs(body).map((p) =>
    extension === ".md" ? p.replace(/^#{1,6}\s+/, "").replace(/\[([^\]]+)\]\([^)]*\)/g, "$1") : p,
  );
  const words = wordCount(paragraphs);
  if (paragraphs.length === 0 || words === 0)
    throw new IngestError("invalid-file", `refused: ${fileName}: no text`);
  return {
    title: title ?? titleFromFileName(fileName),
    date: fieldOf(meta, "date"),
    source: fieldOf(meta, "source"),
    url: httpUrl(fieldOf(meta, "url"), null),
    author: fieldOf(meta, "author"),
    paragraphs,
  };
}
