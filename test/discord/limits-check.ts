/** Checks a message body against every Discord limit; returns the violations (empty when it fits). */
import type { MessageBody } from "../../commands/types.ts";
import { embedLength, LIMITS } from "../../src/discord/limits.ts";

export function violations(body: MessageBody): string[] {
  const v: string[] = [];
  const check = (what: string, s: string | undefined, max: number) => {
    if (s === undefined) return;
    if (s.length > max) v.push(`${what} is ${s.length} > ${max}`);
    if (!wellFormed(s)) v.push(`${what} has a lone surrogate`);
  };
  check("content", body.content, LIMITS.content);
  const embeds = body.embeds ?? [];
  if (embeds.length > LIMITS.embeds) v.push(`${embeds.length} embeds`);
  let total = 0;
  embeds.forEach((e, i) => {
    check(`embed ${i} title`, e.title, LIMITS.title);
    check(`embed ${i} description`, e.description, LIMITS.description);
    check(`embed ${i} footer`, e.footer?.text, LIMITS.footer);
    check(`embed ${i} author`, e.author?.name, LIMITS.author);
    if ((e.fields?.length ?? 0) > LIMITS.fields) v.push(`embed ${i} has ${e.fields?.length} fields`);
    for (const f of e.fields ?? []) {
      check(`embed ${i} field name`, f.name, LIMITS.fieldName);
      check(`embed ${i} field value`, f.value, LIMITS.fieldValue);
    }
    total += embedLength(e);
  });
  if (total > LIMITS.embedTotal) v.push(`embeds total ${total} > ${LIMITS.embedTotal}`);
  const rows = body.components ?? [];
  if (rows.length > 5) v.push(`${rows.length} rows`);
  for (const row of rows) {
    if (row.components.length > 5) v.push(`row of ${row.components.length}`);
    for (const c of row.components) {
      if ("custom_id" in c) check("custom_id", c.custom_id, LIMITS.customId);
      if ("label" in c) check("label", c.label, LIMITS.buttonLabel);
    }
  }
  return v;
}

/** All user-visible text of a message, for asserting on what the channel shows. */
export function visibleText(body: {
  content?: string;
  embeds?: readonly {
    title?: string;
    description?: string;
    footer?: { text: string };
    author?: { name: string };
    fields?: readonly { name: string; value: string }[];
  }[];
}): string {
  const parts = [body.content ?? ""];
  for (const e of body.embeds ?? []) {
    parts.push(e.author?.name ?? "", e.title ?? "", e.description ?? "", e.footer?.text ?? "");
    for (const f of e.fields ?? []) parts.push(f.name, f.value);
  }
  return parts.filter(Boolean).join("\n");
}

/** True when `s` has no lone surrogate (String.prototype.isWellFormed is ES2024, beyond our lib setting). */
export function wellFormed(s: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}
