import { describe, expect, it } from "vitest";
import {
  classifyAddress,
  hostOf,
  isAllowed,
  isForbiddenAddress,
  normaliseHost,
  parseAllowlist,
  parseIPv6,
} from "../../src/ingest/address.ts";

const forbidden: [string, string][] = [
  ["127.0.0.1", "loopback"],
  ["127.255.255.254", "loopback"],
  ["::1", "loopback"],
  ["0:0:0:0:0:0:0:1", "loopback"],
  ["10.0.0.1", "private"],
  ["10.255.255.255", "private"],
  ["172.16.0.1", "private"],
  ["172.31.255.255", "private"],
  ["192.168.1.1", "private"],
  ["169.254.1.1", "link-local"],
  ["169.254.169.254", "cloud metadata"],
  ["fd00:ec2::254", "cloud metadata"],
  ["fe80::1", "link-local"],
  ["fe80::1%eth0", "link-local"],
  ["febf:ffff::1", "link-local"],
  ["100.64.0.1", "carrier-grade NAT"],
  ["100.127.255.255", "carrier-grade NAT"],
  ["0.0.0.0", "unspecified"],
  ["0.1.2.3", "unspecified"],
  ["::", "unspecified"],
  ["224.0.0.1", "multicast"],
  ["239.255.255.250", "multicast"],
  ["ff02::1", "multicast"],
  ["255.255.255.255", "broadcast"],
  ["240.0.0.1", "reserved"],
  ["fc00::1", "unique-local"],
  ["fdff:ffff::1", "unique-local"],
  ["::ffff:127.0.0.1", "IPv4-mapped loopback"],
  ["::ffff:7f00:1", "IPv4-mapped loopback"],
  ["::ffff:a9fe:a9fe", "IPv4-mapped cloud metadata"],
  ["::ffff:10.0.0.1", "IPv4-mapped private"],
  ["0:0:0:0:0:ffff:c0a8:0101", "IPv4-mapped private"],
  ["::127.0.0.1", "IPv4-compatible"],
  ["64:ff9b::7f00:1", "NAT64 loopback"],
  ["2002:7f00:1::1", "6to4 loopback"],
  ["2002:a9fe:a9fe::", "6to4 cloud metadata"],
  ["192.0.2.1", "documentation"],
  ["2001:db8::1", "documentation"],
  ["198.18.0.1", "benchmarking"],
  ["not-an-ip", "not an IP address"],
  ["127.1", "not an IP address"],
  ["", "not an IP address"],
];

const allowed = [
  "8.8.8.8",
  "93.184.216.34",
  "172.15.255.255",
  "172.32.0.1",
  "100.63.255.255",
  "100.128.0.1",
  "169.253.255.255",
  "11.0.0.1",
  "192.169.0.1",
  "2606:4700:4700::1111",
  "2a00:1450:4001:80b::200e",
  "::ffff:8.8.8.8",
  "2002:0808:0808::",
  "64:ff9b::808:808",
  "fbff:ffff::1",
  "fec0::1".replace("fec0", "fe00"),
];

describe("address check", () => {
  it.each(forbidden)("GIVEN %s WHEN classified THEN it is refused as %s", (ip, label) => {
    expect(isForbiddenAddress(ip)).toBe(true);
    expect(classifyAddress(ip)).toContain(label);
  });

  it.each(allowed)("GIVEN public address %s WHEN classified THEN it is allowed", (ip) => {
    expect(classifyAddress(ip)).toBeNull();
    expect(isForbiddenAddress(ip)).toBe(false);
  });

  it("GIVEN an IPv4-mapped address in either spelling WHEN parsed THEN both give the same bytes", () => {
    expect(parseIPv6("::ffff:127.0.0.1")).toEqual(parseIPv6("::ffff:7f00:1"));
    expect(parseIPv6("::ffff:7f00:1")?.slice(12)).toEqual([127, 0, 0, 1]);
    expect(parseIPv6("1::2::3")).toBeNull();
  });
});

describe("host spellings in URLs", () => {
  it.each([
    ["http://2130706433/", "127.0.0.1"],
    ["http://0x7f000001/", "127.0.0.1"],
    ["http://0177.0.0.1/", "127.0.0.1"],
    ["http://0x7f.0.0.1/", "127.0.0.1"],
    ["http://127.1/", "127.0.0.1"],
    ["http://127.0.1/", "127.0.0.1"],
    ["http://0/", "0.0.0.0"],
    ["http://017700000001/", "127.0.0.1"],
    ["http://[::ffff:127.0.0.1]/", "::ffff:7f00:1"],
    ["http://[0:0:0:0:0:0:0:1]/", "::1"],
    ["http://2852039166/", "169.254.169.254"],
    ["http://0xa9.0xfe.0xa9.0xfe/", "169.254.169.254"],
    ["http://LOCALHOST./", "localhost"],
  ])("GIVEN %s WHEN the URL is parsed THEN the host is %s and checked as such", (url, host) => {
    expect(hostOf(url)).toBe(host);
    if (host !== "localhost") expect(isForbiddenAddress(hostOf(url))).toBe(true);
  });
});

describe("allow-list", () => {
  it("GIVEN INGEST_ALLOWLIST entries WHEN parsed THEN hosts are normalised and ports read", () => {
    expect(parseAllowlist(" 127.0.0.1:8080, [::1]:9000 ,::1, Intranet.Example., 0x7f000001,,")).toEqual([
      { host: "127.0.0.1", port: 8080 },
      { host: "::1", port: 9000 },
      { host: "::1", port: null },
      { host: "intranet.example", port: null },
      { host: "127.0.0.1", port: null },
    ]);
    expect(parseAllowlist("")).toEqual([]);
    expect(parseAllowlist(undefined)).toEqual([]);
  });

  it("GIVEN a malformed entry WHEN parsed THEN the error names the entry", () => {
    expect(() => parseAllowlist("127.0.0.1:99999")).toThrow(/INGEST_ALLOWLIST: entry "127.0.0.1:99999"/);
    expect(() => parseAllowlist("127.0.0.1:http")).toThrow(/port must be/);
    expect(() => parseAllowlist("http://x/")).toThrow(/expected host\[:port\]/);
  });

  it("GIVEN an entry with a port WHEN checking THEN only that port is allowed", () => {
    const list = parseAllowlist("127.0.0.1:8080,intranet.example");
    expect(isAllowed("127.0.0.1", 8080, list)).toBe(true);
    expect(isAllowed("127.0.0.1", 8081, list)).toBe(false);
    expect(isAllowed("2130706433", 8080, list)).toBe(true);
    expect(isAllowed("127.0.0.2", 8080, list)).toBe(false);
    expect(isAllowed("INTRANET.example", 1, list)).toBe(true);
    expect(isAllowed("evil.intranet.example", 80, list)).toBe(false);
    expect(isAllowed("127.0.0.1", 8080, [])).toBe(false);
  });

  it("GIVEN hosts in several spellings WHEN normalised THEN equal hosts compare equal", () => {
    expect(normaliseHost("[0:0::1]")).toBe("::1");
    expect(normaliseHost("127.1")).toBe("127.0.0.1");
    expect(normaliseHost("News.Example.")).toBe("news.example");
  });
});
