import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  createSigner,
  createVerifier,
  defaultVerifyBackend,
  type VerifyBackend,
} from "../../src/http/verify.ts";

const NOW = 1_700_000_000_000;
const signer = createSigner("11".repeat(32));
const other = createSigner("22".repeat(32));

function signed(body: string, by = signer, seconds = NOW / 1000) {
  const h = by.headers(body, seconds);
  return {
    signature: h["x-signature-ed25519"],
    timestamp: h["x-signature-timestamp"],
    body: Buffer.from(body),
    nowMs: NOW,
  };
}

describe("Ed25519 request verification", () => {
  it("GIVEN sodium-native is installed THEN libsodium is the default backend", () => {
    expect(defaultVerifyBackend).toBe("libsodium");
  });

  for (const backend of ["libsodium", "node:crypto"] as VerifyBackend[]) {
    describe(backend, () => {
      const verify = createVerifier(signer.publicKeyHex, backend);

      it("GIVEN a body signed with the application's key THEN it is accepted", () => {
        expect(verify(signed('{"type":1}'))).toEqual({ ok: true });
      });

      it("GIVEN one changed byte of the body, the timestamp or the signature THEN it is refused", () => {
        const good = signed('{"type":1}');
        expect(verify({ ...good, body: Buffer.from('{"type":2}') })).toEqual({
          ok: false,
          reason: "bad signature",
        });
        expect(verify({ ...good, timestamp: String(Number(good.timestamp) + 1) })).toMatchObject({
          ok: false,
        });
        const flipped = `${good.signature?.slice(0, 10)}${good.signature?.[10] === "0" ? "1" : "0"}${good.signature?.slice(11)}`;
        expect(verify({ ...good, signature: flipped })).toEqual({ ok: false, reason: "bad signature" });
      });

      it("GIVEN a body signed with another key THEN it is refused", () => {
        expect(verify(signed('{"type":1}', other))).toEqual({ ok: false, reason: "bad signature" });
      });

      it("GIVEN a timestamp over 5 minutes old or ahead of the clock THEN it is refused as stale", () => {
        expect(verify(signed("{}", signer, NOW / 1000 - 301))).toEqual({
          ok: false,
          reason: "stale timestamp",
        });
        expect(verify(signed("{}", signer, NOW / 1000 + 60))).toEqual({
          ok: false,
          reason: "stale timestamp",
        });
      });

      it("GIVEN no signature, or one that is not 64 bytes of hex THEN it is refused before any crypto", () => {
        const good = signed("{}");
        expect(verify({ ...good, signature: undefined })).toEqual({ ok: false, reason: "missing signature" });
        expect(verify({ ...good, signature: "zz".repeat(64) })).toEqual({
          ok: false,
          reason: "bad signature",
        });
        expect(verify({ ...good, signature: "ab".repeat(63) })).toEqual({
          ok: false,
          reason: "bad signature",
        });
      });
    });
  }

  it("GIVEN random bodies, some tampered, some random signatures THEN both backends give the same verdicts", () => {
    const sodium = createVerifier(signer.publicKeyHex, "libsodium");
    const openssl = createVerifier(signer.publicKeyHex, "node:crypto");
    let accepted = 0;
    for (let i = 0; i < 300; i++) {
      const body = randomBytes(1 + (i % 200)).toString("base64");
      const request = signed(body);
      const variant =
        i % 3 === 0
          ? request
          : i % 3 === 1
            ? { ...request, body: Buffer.concat([request.body, Buffer.from("x")]) }
            : { ...request, signature: randomBytes(64).toString("hex") };
      const verdict = sodium(variant);
      expect(openssl(variant)).toEqual(verdict);
      if (verdict.ok) accepted++;
    }
    expect(accepted).toBe(100);
  });
});
