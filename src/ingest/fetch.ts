/**
 * `safeFetch`: an HTTP(S) GET guarded against server-side request forgery.
 *
 * Before every connection (the first request and each redirect) it resolves the host itself, refuses when any
 * address is loopback, private, link-local, metadata, … (see `address.ts`) unless `host[:port]` or the address is
 * allow-listed, and then connects to exactly the address it checked: the socket is opened to the IP literal, so
 * a second DNS answer (rebinding) can never redirect it. Limits: http/https only, at most 5 redirects, 2 MB of
 * body (after decompression), 10 s in total, and only HTML, plain-text or XML content types.
 *
 * @example
 * const page = await safeFetch("https://example.com/news/1", { allowlist: parseAllowlist(env.INGEST_ALLOWLIST) });
 * page.text; // decoded with the charset the page declares
 */
import { lookup as dnsLookup } from "node:dns/promises";
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { isIP } from "node:net";
import type { Readable } from "node:stream";
import { TextDecoder } from "node:util";
import zlib from "node:zlib";
import { type Allowlist, classifyAddress, hostOf, hostPort, isAllowed, portOf } from "./address.ts";
import { IngestError } from "./errors.ts";

export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** Resolves a host name to every address it has (the default uses the system resolver, like `dns.lookup`). */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export interface SafeFetchOptions {
  /** Hosts (and optionally ports) that may be fetched although they resolve to a refused address. */
  readonly allowlist?: Allowlist;
  readonly maxRedirects?: number;
  readonly maxBytes?: number;
  readonly timeoutMs?: number;
  /** Conditional request validators (feeds): an unchanged resource answers `notModified: true`. */
  readonly etag?: string | null;
  readonly lastModified?: string | null;
  readonly resolve?: Resolver;
  readonly userAgent?: string;
  readonly signal?: AbortSignal;
}

export interface FetchResult {
  /** The URL finally fetched, after redirects. */
  readonly url: string;
  readonly status: number;
  /** True when the server answered 304 to a conditional request; `text` is then empty. */
  readonly notModified: boolean;
  /** Media type without parameters, lower-cased (`text/html`), or null on 304. */
  readonly contentType: string | null;
  /** The character encoding the body was decoded with. */
  readonly charset: string | null;
  readonly text: string;
  /** Body size in bytes after decompression. */
  readonly bytes: number;
  readonly etag: string | null;
  readonly lastModified: string | null;
  /** Every URL that redirected, in order. */
  readonly redirects: readonly string[];
  /** The IP address connected to last. */
  readonly address: string;
}

export const FETCH_DEFAULTS = {
  maxRedirects: 5,
  maxBytes: 2 * 1024 * 1024,
  timeoutMs: 10_000,
  userAgent: "Newsdesk/0.1 (+news ingestion for a Discord bot)",
} as const;

const ACCEPT =
  "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,application/xml;q=0.9,text/*;q=0.8";

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** True for the media types ingestion reads: HTML, plain text (Markdown too: uploaded files) and XML (RSS, Atom, …). */
export function isAcceptedContentType(mediaType: string): boolean {
  return (
    mediaType === "text/html" ||
    mediaType === "text/plain" ||
    mediaType === "text/markdown" ||
    mediaType === "text/x-markdown" ||
    mediaType === "text/xml" ||
    mediaType === "application/xml" ||
    mediaType === "application/xhtml+xml" ||
    /^(application|text)\/[\w.-]+\+xml$/.test(mediaType)
  );
}

export const systemResolver: Resolver = async (hostname) =>
  dnsLookup(hostname, { all: true, verbatim: true });

function describeUrl(url: URL): string {
  return url.href.length > 200 ? `${url.href.slice(0, 200)}…` : url.href;
}

/** Parses and vets a URL given by a user: http or https, with a host. */
export function parseFetchUrl(input: string | URL): URL {
  let url: URL;
  try {
    url = typeof input === "string" ? new URL(input.trim()) : new URL(input.href);
  } catch {
    throw new IngestError("invalid-url", `refused: "${String(input).slice(0, 200)}" is not a valid URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new IngestError(
      "refused",
      `refused: ${url.protocol.replace(/:$/, "")} URLs are not fetched; only http and https are allowed`,
    );
  }
  if (!url.hostname) throw new IngestError("invalid-url", `refused: ${describeUrl(url)} has no host`);
  url.hash = "";
  return url;
}

/**
 * Resolves the URL's host and checks every address. Returns the address to connect to, or throws a refusal
 * naming the address, why it is refused and the allow-list entry that would permit it. Never connects.
 */
export async function checkDestination(
  url: URL,
  allowlist: Allowlist,
  resolve: Resolver = systemResolver,
  context = "",
): Promise<ResolvedAddress> {
  const host = hostOf(url);
  const port = portOf(url);
  let addresses: readonly ResolvedAddress[];
  const family = isIP(host);
  if (family !== 0) {
    addresses = [{ address: host, family }];
  } else {
    try {
      addresses = await resolve(host);
    } catch (error) {
      const code = (error as { code?: string }).code ?? "";
      throw new IngestError("dns", `fetch: ${context}could not resolve ${host}${code ? ` (${code})` : ""}`, {
        cause: error,
      });
    }
    if (addresses.length === 0) throw new IngestError("dns", `fetch: ${context}could not resolve ${host}`);
  }
  const hostAllowed = isAllowed(host, port, allowlist);
  for (const { address } of addresses) {
    const reason = classifyAddress(address);
    if (reason === null || hostAllowed || isAllowed(address, port, allowlist)) continue;
    const subject =
      address === host ? `${address} is ${reason}` : `${host} resolves to ${address}, ${reason}`;
    throw new IngestError(
      "refused",
      `refused: ${context}${subject}; add ${hostPort(host, port)} to INGEST_ALLOWLIST to allow it`,
    );
  }
  return addresses[0]!;
}

interface Deadline {
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
}

function abortReason(deadline: Deadline, url: URL): IngestError {
  const reason = deadline.signal.reason;
  if (reason instanceof IngestError) return reason;
  return new IngestError("timeout", `fetch: ${describeUrl(url)}: cancelled`);
}

function request(
  url: URL,
  target: ResolvedAddress,
  headers: Record<string, string>,
  deadline: Deadline,
): Promise<IncomingMessage> {
  const pinned: LookupFunction = (_hostname, options, callback) => {
    // Only reached if the runtime ever resolves despite the IP literal: answer with the checked address.
    if ((options as { all?: boolean }).all) callback(null, [target] as never);
    else callback(null, target.address, target.family);
  };
  const host = hostOf(url);
  const options: https.RequestOptions = {
    protocol: url.protocol,
    host: target.address,
    family: target.family,
    port: portOf(url),
    path: `${url.pathname}${url.search}`,
    method: "GET",
    headers: { ...headers, Host: url.host },
    agent: false,
    lookup: pinned,
    signal: deadline.signal,
  };
  if (url.protocol === "https:" && isIP(host) === 0) options.servername = host;
  const transport = url.protocol === "https:" ? https : http;
  return new Promise((resolvePromise, reject) => {
    const req = transport.request(options, resolvePromise);
    req.on("error", (error) => {
      if (deadline.signal.aborted) reject(abortReason(deadline, url));
      else {
        const code = (error as { code?: string }).code;
        reject(
          new IngestError(
            "network",
            `fetch: ${describeUrl(url)}: ${explainNetworkError(code, error.message)}`,
            {
              cause: error,
            },
          ),
        );
      }
    });
    req.end();
  });
}

/** A network error code in words a moderator can act on, the code kept for whoever debugs it. */
function explainNetworkError(code: string | undefined, message: string): string {
  if (!code) return message;
  if (code === "ECONNREFUSED") return `the server refused the connection (${code})`;
  if (code === "ECONNRESET" || code === "EPIPE") return `the connection was cut (${code})`;
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH") return `the server cannot be reached (${code})`;
  if (code === "ETIMEDOUT") return `the connection timed out (${code})`;
  if (/CERT|SELF_SIGNED|SSL|TLS/i.test(code)) return `the site's certificate could not be verified (${code})`;
  return code;
}

function header(response: IncomingMessage, name: string): string | null {
  const value = response.headers[name];
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

async function readBody(response: IncomingMessage, url: URL, maxBytes: number, deadline: Deadline) {
  const encoding = (header(response, "content-encoding") ?? "identity").trim().toLowerCase();
  let stream: Readable = response;
  if (encoding === "gzip" || encoding === "x-gzip" || encoding === "deflate" || encoding === "br") {
    const decoder =
      encoding === "br"
        ? zlib.createBrotliDecompress()
        : encoding === "deflate"
          ? zlib.createInflate()
          : zlib.createGunzip();
    response.on("error", (error) => decoder.destroy(error));
    response.pipe(decoder);
    stream = decoder;
  } else if (encoding !== "identity") {
    response.destroy();
    throw new IngestError(
      "content-type",
      `fetch: ${describeUrl(url)}: unsupported content encoding ${encoding}`,
    );
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      total += buffer.length;
      if (total > maxBytes) {
        response.destroy();
        stream.destroy();
        throw new IngestError(
          "too-large",
          `refused: ${describeUrl(url)} is larger than ${formatBytes(maxBytes)}; pages are limited to ${formatBytes(maxBytes)}`,
        );
      }
      chunks.push(buffer);
    }
  } catch (error) {
    if (error instanceof IngestError) throw error;
    if (deadline.signal.aborted) throw abortReason(deadline, url);
    throw new IngestError("network", `fetch: ${describeUrl(url)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return Buffer.concat(chunks, total);
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${+(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} bytes`;
}

/** Splits a Content-Type header into its lower-cased media type and charset parameter. */
export function parseContentType(value: string | null): { mediaType: string | null; charset: string | null } {
  if (!value) return { mediaType: null, charset: null };
  const [type, ...params] = value.split(";");
  let charset: string | null = null;
  for (const param of params) {
    const match = param.trim().match(/^charset\s*=\s*"?([^";\s]+)"?/i);
    if (match?.[1]) charset = match[1].toLowerCase();
  }
  return { mediaType: (type ?? "").trim().toLowerCase() || null, charset };
}

/** Windows-1252 bytes 0x80–0x9F (0xFFFD where undefined); the rest equal Latin-1. */
const CP1252_HIGH =
  "\u20ac\ufffd\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\ufffd\u017d\ufffd" +
  "\ufffd\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\ufffd\u017e\u0178";

/** Node 20's TextDecoder decodes windows-1252 (and its aliases latin1, iso-8859-1) as plain Latin-1. */
function decodeWindows1252(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    const slice = bytes.subarray(i, i + 8192);
    text += String.fromCharCode(
      ...Array.from(slice, (byte) =>
        byte >= 0x80 && byte <= 0x9f ? CP1252_HIGH.charCodeAt(byte - 0x80) : byte,
      ),
    );
  }
  return text;
}

interface Decoder {
  readonly encoding: string;
  decode(bytes: Uint8Array): string;
}

function decoderFor(label: string | null): Decoder | null {
  if (!label) return null;
  try {
    const decoder = new TextDecoder(label);
    if (decoder.encoding === "windows-1252") return { encoding: "windows-1252", decode: decodeWindows1252 };
    return decoder;
  } catch {
    return null;
  }
}

/**
 * Decodes a body: a byte-order mark wins, then the Content-Type charset, then (HTML) `<meta charset>` or
 * `<meta http-equiv="Content-Type">`, then (XML) the `<?xml encoding?>` declaration, else UTF-8.
 */
export function decodeBody(
  bytes: Uint8Array,
  headerCharset: string | null,
  mediaType: string | null,
): { text: string; charset: string } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { text: new TextDecoder("utf-8").decode(bytes), charset: "utf-8" };
  }
  if (bytes[0] === 0xfe && bytes[1] === 0xff)
    return { text: new TextDecoder("utf-16be").decode(bytes), charset: "utf-16be" };
  if (bytes[0] === 0xff && bytes[1] === 0xfe)
    return { text: new TextDecoder("utf-16le").decode(bytes), charset: "utf-16le" };
  const candidates: (string | null)[] = [headerCharset];
  const head = Buffer.from(bytes.subarray(0, 4096)).toString("latin1");
  if (mediaType !== "text/plain") {
    const meta =
      head.match(/<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)/i) ??
      head.match(/^\s*<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)["']/i);
    const label = meta?.[1]?.toLowerCase() ?? null;
    // A document cannot declare itself UTF-16 in ASCII-compatible bytes; HTML treats that as UTF-8.
    candidates.push(label?.startsWith("utf-16") ? "utf-8" : label);
  }
  for (const label of candidates) {
    const decoder = decoderFor(label);
    if (decoder) return { text: decoder.decode(bytes), charset: decoder.encoding };
  }
  return { text: new TextDecoder("utf-8").decode(bytes), charset: "utf-8" };
}

/**
 * GETs `input` under the SSRF rules above. Throws an {@link IngestError} whose message tells the user why
 * whenever something is refused or fails; on success returns the decoded text.
 */
export async function safeFetch(input: string | URL, options: SafeFetchOptions = {}): Promise<FetchResult> {
  const allowlist = options.allowlist ?? [];
  const maxRedirects = options.maxRedirects ?? FETCH_DEFAULTS.maxRedirects;
  const maxBytes = options.maxBytes ?? FETCH_DEFAULTS.maxBytes;
  const timeoutMs = options.timeoutMs ?? FETCH_DEFAULTS.timeoutMs;
  const resolve = options.resolve ?? systemResolver;
  let url = parseFetchUrl(input);
  const start = url;
  const controller = new AbortController();
  const timer = setTimeout(
    () =>
      controller.abort(
        new IngestError(
          "timeout",
          `fetch: ${describeUrl(start)}: no complete answer within ${timeoutMs / 1000} s`,
        ),
      ),
    timeoutMs,
  );
  const onExternalAbort = () =>
    controller.abort(new IngestError("timeout", `fetch: ${describeUrl(start)}: cancelled`));
  options.signal?.addEventListener("abort", onExternalAbort, { once: true });
  if (options.signal?.aborted) onExternalAbort();
  const deadline: Deadline = { signal: controller.signal, timeoutMs };
  const headers: Record<string, string> = {
    "User-Agent": options.userAgent ?? FETCH_DEFAULTS.userAgent,
    Accept: ACCEPT,
    "Accept-Encoding": "gzip, deflate, br",
    Connection: "close",
  };
  if (options.etag) headers["If-None-Match"] = options.etag;
  if (options.lastModified) headers["If-Modified-Since"] = options.lastModified;
  const redirects: string[] = [];
  const visited = new Set<string>([url.href]);
  try {
    for (;;) {
      const context = redirects.length > 0 ? `redirected to ${describeUrl(url)}: ` : "";
      const target = await raceAbort(checkDestination(url, allowlist, resolve, context), deadline, url);
      const response = await request(url, target, headers, deadline);
      const status = response.statusCode ?? 0;
      if (REDIRECT_STATUSES.has(status)) {
        response.destroy();
        const location = header(response, "location");
        if (!location) {
          throw new IngestError(
            "redirect",
            `fetch: ${describeUrl(url)}: redirect (${status}) without a location`,
          );
        }
        let next: URL;
        try {
          next = new URL(location, url);
        } catch {
          throw new IngestError("redirect", `fetch: ${describeUrl(url)}: redirect to an invalid URL`);
        }
        if (next.protocol !== "http:" && next.protocol !== "https:") {
          throw new IngestError(
            "refused",
            `refused: ${describeUrl(url)} redirects to a ${next.protocol.replace(/:$/, "")} URL; only http and https are allowed`,
          );
        }
        next.hash = "";
        if (visited.has(next.href)) {
          throw new IngestError("redirect", `refused: ${describeUrl(start)} redirects in a loop`);
        }
        if (redirects.length >= maxRedirects) {
          throw new IngestError(
            "redirect",
            `refused: ${describeUrl(start)} redirects more than ${maxRedirects} times`,
          );
        }
        redirects.push(url.href);
        visited.add(next.href);
        url = next;
        continue;
      }
      const etag = header(response, "etag");
      const lastModified = header(response, "last-modified");
      if (status === 304) {
        response.destroy();
        return {
          url: url.href,
          status,
          notModified: true,
          contentType: null,
          charset: null,
          text: "",
          bytes: 0,
          etag: etag ?? options.etag ?? null,
          lastModified: lastModified ?? options.lastModified ?? null,
          redirects,
          address: target.address,
        };
      }
      if (status < 200 || status > 299) {
        response.destroy();
        const reason = response.statusMessage ? ` ${response.statusMessage}` : "";
        throw new IngestError(
          "http-status",
          `fetch: ${describeUrl(url)}: the server answered ${status}${reason}`,
          {
            status,
          },
        );
      }
      const { mediaType, charset } = parseContentType(header(response, "content-type"));
      if (!mediaType || !isAcceptedContentType(mediaType)) {
        response.destroy();
        throw new IngestError(
          "content-type",
          `refused: ${describeUrl(url)} is ${mediaType ?? "of no declared type"}; only HTML, plain text and XML (RSS/Atom) are read`,
        );
      }
      const declaredLength = Number(header(response, "content-length") ?? Number.NaN);
      if (Number.isFinite(declaredLength) && declaredLength > maxBytes) {
        response.destroy();
        throw new IngestError(
          "too-large",
          `refused: ${describeUrl(url)} is ${formatBytes(declaredLength)}; pages are limited to ${formatBytes(maxBytes)}`,
        );
      }
      const body = await readBody(response, url, maxBytes, deadline);
      const decoded = decodeBody(body, charset, mediaType);
      return {
        url: url.href,
        status,
        notModified: false,
        contentType: mediaType,
        charset: decoded.charset,
        text: decoded.text,
        bytes: body.length,
        etag,
        lastModified,
        redirects,
        address: target.address,
      };
    }
  } catch (error) {
    if (error instanceof IngestError) throw error;
    if (controller.signal.aborted) throw abortReason(deadline, url);
    throw new IngestError("network", `fetch: ${describeUrl(url)}: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onExternalAbort);
  }
}

function raceAbort<T>(promise: Promise<T>, deadline: Deadline, url: URL): Promise<T> {
  if (deadline.signal.aborted) return Promise.reject(abortReason(deadline, url));
  return new Promise<T>((resolvePromise, reject) => {
    const onAbort = () => reject(abortReason(deadline, url));
    deadline.signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        deadline.signal.removeEventListener("abort", onAbort);
        resolvePromise(value);
      },
      (error: unknown) => {
        deadline.signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
