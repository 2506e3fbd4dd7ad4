/**
 * Button custom ids: `<prefix>:<field>:…:<tail>`, at most 100 characters, carrying everything needed to
 * answer a click after a restart or on another replica (no in-memory sessions). The prefix carries a
 * version (`ask1`), so a format change makes old buttons "expired" instead of misread. Pure.
 */
import { createHash } from "node:crypto";
import { LIMITS } from "./limits.ts";

/** Joins fields and a free-text tail (which may contain ":"); null when the result would exceed 100. */
export function makeId(prefix: string, fields: readonly (string | number)[], tail = ""): string | null {
  const id = [prefix, ...fields.map(String), tail].join(":");
  return id.length <= LIMITS.customId ? id : null;
}

/** Splits an id made by `makeId` with `count` fields: returns the fields and the tail, or null if malformed. */
export function readId(payload: string, count: number): { fields: string[]; tail: string } | null {
  const parts = payload.split(":");
  if (parts.length < count + 1) return null;
  return { fields: parts.slice(0, count), tail: parts.slice(count).join(":") };
}

/** A short stable digest of text (10 base64url characters, 60 bits). */
export function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("base64url").slice(0, 10);
}

/** A Discord user id in base 36 (≤ 13 characters instead of ≤ 20). */
export function compactId(id: string): string {
  return /^\d+$/.test(id) ? BigInt(id).toString(36) : id;
}

export function expandId(compact: string): string | null {
  if (!/^[0-9a-z]{1,13}$/.test(compact)) return null;
  let n = 0n;
  for (const ch of compact) n = n * 36n + BigInt(Number.parseInt(ch, 36));
  return n.toString();
}
