/**
 * Address checks against server-side request forgery. Pure: no DNS, no sockets.
 *
 * The fetcher resolves a host itself, then asks {@link classifyAddress} about every address it got before it
 * connects to any of them. Whatever spelling a URL used for its host (`2130706433`, `0x7f000001`,
 * `0177.0.0.1`, `127.1`), the check runs on the resolved address, so every spelling meets the same rule.
 *
 * @example
 * classifyAddress("10.1.2.3");            // "a private address"
 * classifyAddress("::ffff:127.0.0.1");    // "an IPv4-mapped loopback address"
 * classifyAddress("93.184.216.34");       // null: public
 */
import { isIP } from "node:net";

interface Range {
  readonly bytes: readonly number[];
  readonly bits: number;
  readonly label: string;
}

function v4(cidr: string, label: string): Range {
  const [address, bits] = cidr.split("/") as [string, string];
  return { bytes: address.split(".").map(Number), bits: Number(bits), label };
}

function v6(cidr: string, label: string): Range {
  const [address, bits] = cidr.split("/") as [string, string];
  return { bytes: parseIPv6(address)!, bits: Number(bits), label };
}

/** Most specific first: the first range that contains an address names it. */
const IPV4_RANGES: readonly Range[] = [
  v4("169.254.169.254/32", "a cloud metadata address"),
  v4("255.255.255.255/32", "the broadcast address"),
  v4("0.0.0.0/8", "an unspecified ('this network') address"),
  v4("10.0.0.0/8", "a private address"),
  v4("100.64.0.0/10", "a carrier-grade NAT (shared) address"),
  v4("127.0.0.0/8", "a loopback address"),
  v4("169.254.0.0/16", "a link-local address"),
  v4("172.16.0.0/12", "a private address"),
  v4("192.0.0.0/24", "a reserved (IETF protocol) address"),
  v4("192.0.2.0/24", "a documentation address"),
  v4("192.88.99.0/24", "a reserved (6to4 relay) address"),
  v4("192.168.0.0/16", "a private address"),
  v4("198.18.0.0/15", "a benchmarking address"),
  v4("198.51.100.0/24", "a documentation address"),
  v4("203.0.113.0/24", "a documentation address"),
  v4("224.0.0.0/4", "a multicast address"),
  v4("240.0.0.0/4", "a reserved address"),
];

const IPV6_RANGES: readonly Range[] = [
  v6("::/128", "an unspecified address"),
  v6("::1/128", "a loopback address"),
  v6("fd00:ec2::254/128", "a cloud metadata address"),
  v6("::/96", "a deprecated IPv4-compatible address"),
  v6("64:ff9b:1::/48", "a reserved (local NAT64) address"),
  v6("100::/64", "a reserved (discard) address"),
  v6("2001::/32", "a reserved (Teredo) address"),
  v6("2001:db8::/32", "a documentation address"),
  v6("fc00::/7", "a unique-local (private) address"),
  v6("fe80::/10", "a link-local address"),
  v6("fec0::/10", "a deprecated site-local address"),
  v6("ff00::/8", "a multicast address"),
];

/** Prefixes whose last 32 bits (or bits 16–48 for 6to4) carry an IPv4 address that decides the verdict. */
const MAPPED = v6("::ffff:0:0/96", "IPv4-mapped");
const NAT64 = v6("64:ff9b::/96", "NAT64");
const SIX_TO_FOUR = v6("2002::/16", "6to4");

function inRange(bytes: readonly number[], range: Range): boolean {
  if (bytes.length !== range.bytes.length) return false;
  let bits = range.bits;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((bytes[i] ?? 0) & mask) !== ((range.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** Parses a strict dotted-quad IPv4 address into 4 bytes, or null. */
export function parseIPv4(text: string): number[] | null {
  if (isIP(text) !== 4) return null;
  return text.split(".").map(Number);
}

/** Parses an IPv6 address (zone id allowed and ignored, embedded IPv4 tail allowed) into 16 bytes, or null. */
export function parseIPv6(text: string): number[] | null {
  const address = stripBrackets(text).replace(/%.*$/, "");
  if (isIP(address) !== 6) return null;
  let groups: string[];
  const tail = address.match(/(\d+\.\d+\.\d+\.\d+)$/);
  let head = address;
  const tailWords: string[] = [];
  if (tail?.[1]) {
    const quad = parseIPv4(tail[1]);
    if (!quad) return null;
    tailWords.push(((quad[0]! << 8) | quad[1]!).toString(16), ((quad[2]! << 8) | quad[3]!).toString(16));
    head = address.slice(0, -tail[1].length);
    if (!head.endsWith("::")) head = head.slice(0, -1);
  }
  const halves = head.split("::");
  const left = halves[0] ? halves[0].split(":") : [];
  const right = halves.length > 1 && halves[1] ? halves[1].split(":") : [];
  if (halves.length > 1) {
    const fill = 8 - left.length - right.length - tailWords.length;
    groups = [...left, ...Array<string>(Math.max(fill, 0)).fill("0"), ...right, ...tailWords];
  } else {
    groups = [...left, ...tailWords];
  }
  if (groups.length !== 8) return null;
  const bytes: number[] = [];
  for (const group of groups) {
    const word = Number.parseInt(group, 16);
    if (!Number.isInteger(word) || word < 0 || word > 0xffff) return null;
    bytes.push(word >> 8, word & 0xff);
  }
  return bytes;
}

function stripBrackets(text: string): string {
  return text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
}

function classifyIPv4Bytes(bytes: readonly number[]): string | null {
  for (const range of IPV4_RANGES) if (inRange(bytes, range)) return range.label;
  return null;
}

/**
 * Says why an address must not be fetched from (e.g. "a loopback address"), or null when it is public.
 * Anything that is not an IP address is refused too ("not an IP address"): the caller resolves names first.
 */
export function classifyAddress(ip: string): string | null {
  const quad = parseIPv4(ip);
  if (quad) return classifyIPv4Bytes(quad);
  const bytes = parseIPv6(ip);
  if (!bytes) return "not an IP address";
  for (const [range, embedded] of [
    [MAPPED, bytes.slice(12)],
    [NAT64, bytes.slice(12)],
    [SIX_TO_FOUR, bytes.slice(2, 6)],
  ] as const) {
    if (inRange(bytes, range)) {
      const inner = classifyIPv4Bytes(embedded);
      if (inner === null) return null;
      const article = range.label === "IPv4-mapped" ? "an" : "a";
      return `${article} ${range.label} ${inner.replace(/^an? /, "")}`;
    }
  }
  for (const range of IPV6_RANGES) if (inRange(bytes, range)) return range.label;
  return null;
}

/** True when fetching from `ip` is refused by default (loopback, private, link-local, metadata, …). */
export function isForbiddenAddress(ip: string): boolean {
  return classifyAddress(ip) !== null;
}

/**
 * The host of a URL as the WHATWG URL parser normalises it, without IPv6 brackets. Alternative IPv4 spellings
 * become dotted quads: `hostOf("http://0x7f000001/")` is `"127.0.0.1"`.
 */
export function hostOf(url: URL | string): string {
  const parsed = typeof url === "string" ? new URL(url) : url;
  return stripBrackets(parsed.hostname).replace(/\.$/, "");
}

/** The port a URL connects to, defaults included (80 for http, 443 for https). */
export function portOf(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === "https:" ? 443 : 80;
}

/** One `INGEST_ALLOWLIST` entry: a host, and a port or null for every port. */
export interface AllowEntry {
  readonly host: string;
  readonly port: number | null;
}

export type Allowlist = readonly AllowEntry[];

/** Lower-cases a host and canonicalises IP spellings the way URLs do (`127.1` → `127.0.0.1`, `::0:1` → `::1`). */
export function normaliseHost(host: string): string {
  const bare = stripBrackets(host.trim()).toLowerCase().replace(/\.$/, "");
  if (isIP(bare) === 6) {
    try {
      return stripBrackets(new URL(`http://[${bare.replace(/%.*$/, "")}]/`).hostname);
    } catch {
      return bare;
    }
  }
  try {
    return hostOf(`http://${bare}/`);
  } catch {
    return bare;
  }
}

/**
 * Parses `INGEST_ALLOWLIST`: comma-separated `host[:port]` entries; IPv6 hosts in brackets when a port follows
 * (`[::1]:8080`). Throws on an entry it cannot read, naming it.
 *
 * @example
 * parseAllowlist("127.0.0.1:8080, intranet.example");
 * // [{ host: "127.0.0.1", port: 8080 }, { host: "intranet.example", port: null }]
 */
export function parseAllowlist(text: string | undefined | null): Allowlist {
  if (!text) return [];
  const entries: AllowEntry[] = [];
  for (const raw of text.split(",")) {
    const entry = raw.trim();
    if (!entry) continue;
    if (/[\s/@?#]/.test(entry)) throw new Error(`INGEST_ALLOWLIST: entry "${entry}": expected host[:port]`);
    let host: string;
    let port: string | null = null;
    const bracketed = entry.match(/^\[([^\]]+)\](?::(.*))?$/);
    if (bracketed) {
      host = bracketed[1]!;
      port = bracketed[2] ?? null;
    } else if ((entry.match(/:/g) ?? []).length > 1) {
      host = entry;
    } else {
      const colon = entry.lastIndexOf(":");
      host = colon === -1 ? entry : entry.slice(0, colon);
      port = colon === -1 ? null : entry.slice(colon + 1);
    }
    if (!host) {
      throw new Error(`INGEST_ALLOWLIST: entry "${entry}": expected host[:port]`);
    }
    let portNumber: number | null = null;
    if (port !== null) {
      portNumber = Number(port);
      if (!/^\d+$/.test(port) || portNumber < 1 || portNumber > 65535) {
        throw new Error(`INGEST_ALLOWLIST: entry "${entry}": port must be a number from 1 to 65535`);
      }
    }
    entries.push({ host: normaliseHost(host), port: portNumber });
  }
  return entries;
}

/** True when `host` (a name or an address, any spelling) on `port` is allow-listed. */
export function isAllowed(host: string, port: number, allowlist: Allowlist): boolean {
  const wanted = normaliseHost(host);
  return allowlist.some((entry) => entry.host === wanted && (entry.port === null || entry.port === port));
}

/** `host:port` as an allow-list entry would spell it. */
export function hostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
