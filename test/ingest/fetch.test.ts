import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { parseAllowlist } from "../../src/ingest/address.ts";
import { IngestError } from "../../src/ingest/errors.ts";
import { decodeBody, type Resolver, safeFetch } from "../../src/ingest/fetch.ts";
import { type LocalServer, startServer } from "./local-server.ts";

const servers: LocalServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(handler: Parameters<typeof startServer>[0]): Promise<LocalServer> {
  const server = await startServer(handler);
  servers.push(server);
  return server;
}

async function refusal(promise: Promise<unknown>): Promise<IngestError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(IngestError);
    return error as IngestError;
  }
  throw new Error("expected the fetch to be refused");
}

const page = "<html><head><title>Hi</title></head><body><p>Hello there.</p></body></html>";
const htmlServer = () =>
  serve((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(page);
  });

describe("safeFetch refuses before connecting", () => {
  it("GIVEN an empty allow-list WHEN fetching http://127.0.0.1:<port>/ THEN it is refused and the server sees no connection", async () => {
    const server = await htmlServer();
    const error = await refusal(safeFetch(`${server.origin}/news`, { allowlist: [] }));
    expect(error.code).toBe("refused");
    expect(error.message).toBe(
      `refused: 127.0.0.1 is a loopback address; add 127.0.0.1:${server.port} to INGEST_ALLOWLIST to allow it`,
    );
    expect(server.connections()).toBe(0);
  });

  it.each(["2130706433", "0x7f000001", "0177.0.0.1", "127.1", "[::ffff:127.0.0.1]"])(
    "GIVEN the host spelled %s WHEN fetching with an empty allow-list THEN it is refused without a connection",
    async (spelling) => {
      const server = await htmlServer();
      const error = await refusal(safeFetch(`http://${spelling}:${server.port}/`));
      expect(error.code).toBe("refused");
      expect(error.message).toMatch(/loopback/);
      expect(server.connections()).toBe(0);
    },
  );

  it("GIVEN a name that resolves to loopback WHEN fetching THEN the refusal names the host, the address and the entry to add", async () => {
    const server = await htmlServer();
    const resolve: Resolver = async () => [{ address: "127.0.0.1", family: 4 }];
    const error = await refusal(safeFetch(`http://news.test:${server.port}/`, { resolve }));
    expect(error.message).toBe(
      `refused: news.test resolves to 127.0.0.1, a loopback address; add news.test:${server.port} to INGEST_ALLOWLIST to allow it`,
    );
    expect(server.connections()).toBe(0);
  });

  it("GIVEN a name with one public and one private address WHEN fetching THEN it is refused before connecting to either", async () => {
    const resolve: Resolver = async () => [
      { address: "93.184.216.34", family: 4 },
      { address: "10.0.0.7", family: 4 },
    ];
    const error = await refusal(safeFetch("http://mixed.test/", { resolve }));
    expect(error.message).toMatch(/mixed\.test resolves to 10\.0\.0\.7, a private address/);
  });

  it("GIVEN the metadata address WHEN fetching THEN it is refused as cloud metadata", async () => {
    const error = await refusal(safeFetch("http://169.254.169.254/latest/meta-data/"));
    expect(error.message).toMatch(/169\.254\.169\.254 is a cloud metadata address/);
  });

  it.each(["file:///etc/passwd", "ftp://127.0.0.1/", "gopher://127.0.0.1:70/", "data:text/html,hi"])(
    "GIVEN the non-http URL %s WHEN fetching THEN it is refused",
    async (url) => {
      const error = await refusal(safeFetch(url, { allowlist: parseAllowlist("127.0.0.1") }));
      expect(error.code).toBe("refused");
      expect(error.message).toMatch(/only http and https/);
    },
  );

  it("GIVEN text that is not a URL WHEN fetching THEN the error says so", async () => {
    const error = await refusal(safeFetch("not a url"));
    expect(error.code).toBe("invalid-url");
  });
});

describe("safeFetch with an allow-listed local server", () => {
  it("GIVEN the host:port allow-listed WHEN fetching THEN the page is returned decoded", async () => {
    const server = await htmlServer();
    const result = await safeFetch(`${server.origin}/a`, { allowlist: parseAllowlist(server.hostPort) });
    expect(result.status).toBe(200);
    expect(result.text).toBe(page);
    expect(result.contentType).toBe("text/html");
    expect(result.address).toBe("127.0.0.1");
    expect(server.connections()).toBe(1);
  });

  it("GIVEN only another port allow-listed WHEN fetching THEN it is refused", async () => {
    const server = await htmlServer();
    const error = await refusal(
      safeFetch(`${server.origin}/a`, {
        allowlist: parseAllowlist(`127.0.0.1:${server.port === 1 ? 2 : 1}`),
      }),
    );
    expect(error.code).toBe("refused");
    expect(server.connections()).toBe(0);
  });

  it("GIVEN a name allow-listed WHEN fetching THEN the checked address is used and DNS is asked once", async () => {
    const server = await htmlServer();
    let lookups = 0;
    // The system resolver does not know rebind.test: success proves the socket used the checked address.
    const resolve: Resolver = async () => {
      lookups++;
      return [{ address: "127.0.0.1", family: 4 }];
    };
    const result = await safeFetch(`http://rebind.test:${server.port}/x`, {
      resolve,
      allowlist: parseAllowlist(`rebind.test:${server.port}`),
    });
    expect(result.text).toBe(page);
    expect(lookups).toBe(1);
    expect(server.requests[0]?.headers.host).toBe(`rebind.test:${server.port}`);
  });

  it("GIVEN a page redirecting to another local port not allow-listed WHEN fetching THEN it is refused and the other port sees nothing", async () => {
    const other = await htmlServer();
    const server = await serve((_req, res) => {
      res.writeHead(302, { location: `${other.origin}/secret` });
      res.end();
    });
    const error = await refusal(
      safeFetch(`${server.origin}/start`, { allowlist: parseAllowlist(server.hostPort) }),
    );
    expect(error.code).toBe("refused");
    expect(error.message).toBe(
      `refused: redirected to ${other.origin}/secret: 127.0.0.1 is a loopback address; add 127.0.0.1:${other.port} to INGEST_ALLOWLIST to allow it`,
    );
    expect(server.connections()).toBe(1);
    expect(other.connections()).toBe(0);
  });

  it("GIVEN a redirect loop WHEN fetching THEN it is refused as a loop", async () => {
    const server = await serve((req, res) => {
      res.writeHead(301, { location: req.url === "/a" ? "/b" : "/a" });
      res.end();
    });
    const error = await refusal(
      safeFetch(`${server.origin}/a`, { allowlist: parseAllowlist(server.hostPort) }),
    );
    expect(error.code).toBe("redirect");
    expect(error.message).toMatch(/redirects in a loop/);
    expect(server.requests.map((r) => r.path)).toEqual(["/a", "/b"]);
  });

  it("GIVEN a chain of redirects WHEN it has 5 hops THEN it is followed, and WHEN it has 6 THEN it is refused", async () => {
    const server = await serve((req, res) => {
      const n = Number(req.url?.slice(1));
      if (n > 0) {
        res.writeHead(307, { location: `/${n - 1}` });
        res.end();
      } else {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("arrived");
      }
    });
    const allowlist = parseAllowlist(server.hostPort);
    const ok = await safeFetch(`${server.origin}/5`, { allowlist });
    expect(ok.text).toBe("arrived");
    expect(ok.redirects).toHaveLength(5);
    expect(ok.url).toBe(`${server.origin}/0`);
    const error = await refusal(safeFetch(`${server.origin}/6`, { allowlist }));
    expect(error.message).toMatch(/redirects more than 5 times/);
  });

  it("GIVEN a redirect to a file: URL WHEN fetching THEN it is refused", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(302, { location: "file:///etc/passwd" });
      res.end();
    });
    const error = await refusal(safeFetch(server.origin, { allowlist: parseAllowlist(server.hostPort) }));
    expect(error.message).toMatch(/redirects to a file URL/);
  });

  it("GIVEN a page over 2 MB with a Content-Length WHEN fetching THEN it is refused without reading it", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/html", "content-length": String(3 * 1024 * 1024) });
      res.end("x".repeat(3 * 1024 * 1024));
    });
    const error = await refusal(safeFetch(server.origin, { allowlist: parseAllowlist(server.hostPort) }));
    expect(error.code).toBe("too-large");
    expect(error.message).toMatch(/is 3 MB; pages are limited to 2 MB/);
  });

  it("GIVEN a streamed page over 2 MB without a length WHEN fetching THEN reading stops and it is refused", async () => {
    let written = 0;
    let closed = false;
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      const chunk = "y".repeat(64 * 1024);
      const timer = setInterval(() => {
        if (written > 20 * 1024 * 1024) return;
        written += chunk.length;
        res.write(chunk);
      }, 1);
      res.on("close", () => {
        closed = true;
        clearInterval(timer);
      });
    });
    const error = await refusal(safeFetch(server.origin, { allowlist: parseAllowlist(server.hostPort) }));
    expect(error.code).toBe("too-large");
    expect(error.message).toMatch(/larger than 2 MB/);
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(true);
    expect(written).toBeLessThan(10 * 1024 * 1024);
  });

  it("GIVEN a small gzip body that inflates past 2 MB WHEN fetching THEN it is refused", async () => {
    const bomb = gzipSync(Buffer.alloc(5 * 1024 * 1024, 0x20));
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/html", "content-encoding": "gzip" });
      res.end(bomb);
    });
    const error = await refusal(safeFetch(server.origin, { allowlist: parseAllowlist(server.hostPort) }));
    expect(error.code).toBe("too-large");
  });

  it("GIVEN a gzip-encoded page WHEN fetching THEN it is inflated", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/html", "content-encoding": "gzip" });
      res.end(gzipSync(page));
    });
    const result = await safeFetch(server.origin, { allowlist: parseAllowlist(server.hostPort) });
    expect(result.text).toBe(page);
  });

  it.each(["application/json", "image/png", "application/octet-stream", "application/pdf", ""])(
    "GIVEN the content type %j WHEN fetching THEN it is refused",
    async (type) => {
      const server = await serve((_req, res) => {
        if (type) res.setHeader("content-type", type);
        res.writeHead(200);
        res.end("{}");
      });
      const error = await refusal(safeFetch(server.origin, { allowlist: parseAllowlist(server.hostPort) }));
      expect(error.code).toBe("content-type");
      expect(error.message).toMatch(/only HTML, plain text and XML/);
    },
  );

  it.each([
    "application/rss+xml",
    "application/atom+xml",
    "text/xml; charset=utf-8",
    "application/xhtml+xml",
    "text/plain",
  ])("GIVEN the content type %s WHEN fetching THEN it is read", async (type) => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": type });
      res.end("<x/>");
    });
    const result = await safeFetch(server.origin, { allowlist: parseAllowlist(server.hostPort) });
    expect(result.text).toBe("<x/>");
  });

  it("GIVEN a server that never answers WHEN fetching with a short timeout THEN it times out", async () => {
    const server = await serve(() => {});
    const started = Date.now();
    const error = await refusal(
      safeFetch(server.origin, { allowlist: parseAllowlist(server.hostPort), timeoutMs: 300 }),
    );
    expect(error.code).toBe("timeout");
    expect(error.message).toMatch(/no complete answer within 0.3 s/);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("GIVEN a server that sends headers and then stalls the body WHEN fetching THEN the overall timeout ends it", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.write("<p>start");
    });
    const error = await refusal(
      safeFetch(server.origin, { allowlist: parseAllowlist(server.hostPort), timeoutMs: 300 }),
    );
    expect(error.code).toBe("timeout");
  });

  it("GIVEN a host that does not resolve WHEN fetching THEN the error names the host and the DNS code", async () => {
    const resolve: Resolver = async () => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND nowhere.test"), { code: "ENOTFOUND" });
    };
    const error = await refusal(safeFetch("http://nowhere.test/a", { resolve }));
    expect(error.code).toBe("dns");
    expect(error.message).toBe("fetch: could not resolve nowhere.test (ENOTFOUND)");
  });

  it("GIVEN an allow-listed port where nothing listens WHEN fetching THEN the error says the connection was refused", async () => {
    const server = await htmlServer();
    const port = server.port;
    await server.close();
    servers.splice(servers.indexOf(server), 1);
    const error = await refusal(
      safeFetch(`http://127.0.0.1:${port}/`, { allowlist: parseAllowlist(`127.0.0.1:${port}`) }),
    );
    expect(error.message).toBe(
      `fetch: http://127.0.0.1:${port}/: the server refused the connection (ECONNREFUSED)`,
    );
  });

  it("GIVEN a 404 WHEN fetching THEN the error gives the status", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(404, { "content-type": "text/html" });
      res.end("gone");
    });
    const error = await refusal(
      safeFetch(`${server.origin}/x`, { allowlist: parseAllowlist(server.hostPort) }),
    );
    expect(error.code).toBe("http-status");
    expect(error.status).toBe(404);
    expect(error.message).toBe(`fetch: ${server.origin}/x: the server answered 404 Not Found`);
  });

  it("GIVEN ETag and Last-Modified WHEN fetching again with them THEN the server's 304 is reported", async () => {
    const server = await serve((req, res) => {
      if (req.headers["if-none-match"] === '"v1"') {
        res.writeHead(304, { etag: '"v1"' });
        res.end();
        return;
      }
      res.writeHead(200, {
        "content-type": "application/rss+xml",
        etag: '"v1"',
        "last-modified": "Sun, 29 Nov 2026 10:00:00 GMT",
      });
      res.end("<rss/>");
    });
    const allowlist = parseAllowlist(server.hostPort);
    const first = await safeFetch(server.origin, { allowlist });
    expect(first.notModified).toBe(false);
    expect(first.etag).toBe('"v1"');
    expect(first.lastModified).toBe("Sun, 29 Nov 2026 10:00:00 GMT");
    const second = await safeFetch(server.origin, {
      allowlist,
      etag: first.etag,
      lastModified: first.lastModified,
    });
    expect(second.notModified).toBe(true);
    expect(second.status).toBe(304);
    expect(second.text).toBe("");
    expect(server.requests[1]?.headers["if-modified-since"]).toBe("Sun, 29 Nov 2026 10:00:00 GMT");
  });
});

describe("charset decoding", () => {
  const latin = Buffer.from([0x93, 0x43, 0x61, 0x66, 0xe9, 0x94, 0x20, 0x80, 0x35]); // “Café” €5 in windows-1252

  it("GIVEN windows-1252 bytes and a header charset WHEN decoded THEN the text is right", () => {
    expect(decodeBody(latin, "windows-1252", "text/html")).toEqual({
      text: "“Café” €5",
      charset: "windows-1252",
    });
    expect(decodeBody(latin, "iso-8859-1", "text/html").text).toBe("“Café” €5");
  });

  it("GIVEN only a <meta charset> WHEN decoded THEN the meta charset is used", () => {
    const html = Buffer.concat([
      Buffer.from('<html><head><meta charset="windows-1252"></head><body>'),
      latin,
    ]);
    expect(decodeBody(html, null, "text/html").text).toContain("“Café” €5");
    const httpEquiv = Buffer.concat([
      Buffer.from('<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'),
      latin,
    ]);
    expect(decodeBody(httpEquiv, null, "text/html").text).toContain("“Café” €5");
  });

  it("GIVEN an XML declaration encoding WHEN decoded THEN it is used", () => {
    const xml = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="windows-1252"?><rss>'), latin]);
    expect(decodeBody(xml, null, "application/rss+xml").text).toContain("“Café” €5");
  });

  it("GIVEN a UTF-8 BOM or no declaration WHEN decoded THEN UTF-8 is used", () => {
    expect(decodeBody(Buffer.from("\ufeffCafé", "utf8"), "windows-1252", "text/html").text).toBe("Café");
    expect(decodeBody(Buffer.from("Café", "utf8"), null, "text/html").charset).toBe("utf-8");
    expect(decodeBody(Buffer.from("Café", "utf8"), "no-such-charset", "text/html").text).toBe("Café");
  });

  it("GIVEN a windows-1252 page served over HTTP WHEN fetched THEN it is decoded", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/html; charset=windows-1252" });
      res.end(Buffer.concat([Buffer.from("<p>"), latin, Buffer.from("</p>")]));
    });
    const result = await safeFetch(server.origin, { allowlist: parseAllowlist(server.hostPort) });
    expect(result.text).toBe("<p>“Café” €5</p>");
    expect(result.charset).toBe("windows-1252");
  });
});

const hasOpenssl = spawnSync("openssl", ["version"]).status === 0;

describe("https", () => {
  it.skipIf(!hasOpenssl)(
    "GIVEN an allow-listed https host with a self-signed certificate WHEN fetching THEN the pinned address is used with the host name as SNI and the certificate is rejected",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "newsdesk-tls-"));
      try {
        const made = spawnSync(
          "openssl",
          ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=news.test"].concat([
            "-keyout",
            join(dir, "key.pem"),
            "-out",
            join(dir, "cert.pem"),
          ]),
          { stdio: "ignore" },
        );
        expect(made.status).toBe(0);
        const names: string[] = [];
        const server = https.createServer(
          {
            key: readFileSync(join(dir, "key.pem")),
            cert: readFileSync(join(dir, "cert.pem")),
            SNICallback: (name, done) => {
              names.push(name);
              done(null);
            },
          },
          (_req, res) => res.end("secret"),
        );
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        const { port } = server.address() as AddressInfo;
        try {
          const resolve: Resolver = async () => [{ address: "127.0.0.1", family: 4 }];
          const error = await refusal(
            safeFetch(`https://news.test:${port}/`, {
              resolve,
              allowlist: parseAllowlist(`news.test:${port}`),
            }),
          );
          expect(error.code).toBe("network");
          expect(error.message).toBe(
            `fetch: https://news.test:${port}/: the site's certificate could not be verified (DEPTH_ZERO_SELF_SIGNED_CERT)`,
          );
          expect(names).toEqual(["news.test"]);
        } finally {
          server.closeAllConnections();
          await new Promise((resolve) => server.close(resolve));
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
