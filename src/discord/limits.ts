/**
 * Discord's message limits, markdown escaping and word-boundary truncation. Pure functions.
 * Lengths are counted in UTF-16 code units (JavaScript `length`), which is never less than Discord's
 * character count, so staying under them in JS stays under them on Discord.
 */
import type { APIEmbed } from "discord.js";

export const LIMITS = {
  content: 2000,
  embeds: 10,
  embedTotal: 6000,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  author: 256,
  customId: 100,
  choices: 25,
  choiceName: 100,
  choiceValue: 100,
  buttonLabel: 80,
} as const;

export const ELLIPSIS = "…";

const graphemes = new Intl.Segmenter("en", { granularity: "grapheme" });

/**
 * Shortens `text` to at most `max` code units, ending with "…". Cuts at a word boundary when one lies in
 * the last 40 % of the allowed length, never inside a grapheme (emoji, surrogate pair, combining mark).
 *
 * @example truncate("The quick brown fox", 12) // "The quick…"
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return "";
  if (max === 1) return ELLIPSIS;
  const budget = max - ELLIPSIS.length;
  // Last grapheme boundary that fits: where the grapheme holding the first character past the budget
  // starts. `containing` looks up that one boundary (ICU random access) instead of walking every grapheme
  // from the start, which cost ~9 ms per 4,096-character description.
  const cut = graphemes.segment(text).containing(budget)?.index ?? budget;
  const head = text.slice(0, cut);
  const endsWord = /^\s/.test(text.slice(cut));
  const space = endsWord ? cut : head.search(/\s\S*$/);
  const atWord = space >= Math.floor(budget * 0.6) ? head.slice(0, space) : head;
  return `${atWord.replace(/[\s\u200b-\u200d\u2060\ufeff]+$/u, "")}${ELLIPSIS}`;
}

/**
 * Escapes text so Discord shows it literally: no bold/italic/code/spoiler/quote/heading/list/link markup
 * and no mention, channel, emoji or timestamp tags. (Pings are separately disabled by `allowed_mentions`.)
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\*_~`|[\]<]/g, "\\$&")
    .replace(/^(\s*)([#>+-]|\d+\.)/gm, (_m, space: string, marker: string) => `${space}\\${marker}`)
    .replace(/@(everyone|here)/g, "@\u200b$1");
}

/** Total characters Discord counts across embeds: titles, descriptions, field names/values, footers, authors. */
export function embedLength(embed: APIEmbed): number {
  let n = (embed.title?.length ?? 0) + (embed.description?.length ?? 0);
  n += embed.footer?.text.length ?? 0;
  n += embed.author?.name.length ?? 0;
  for (const f of embed.fields ?? []) n += f.name.length + f.value.length;
  return n;
}

/** Clamps one embed to the per-field limits. */
export function fitEmbed(embed: APIEmbed): APIEmbed {
  const out: APIEmbed = { ...embed };
  if (out.title !== undefined) out.title = truncate(out.title, LIMITS.title);
  if (out.description !== undefined) out.description = truncate(out.description, LIMITS.description);
  if (out.footer) out.footer = { ...out.footer, text: truncate(out.footer.text, LIMITS.footer) };
  if (out.author) out.author = { ...out.author, name: truncate(out.author.name, LIMITS.author) };
  if (out.fields) {
    out.fields = out.fields.slice(0, LIMITS.fields).map((f) => ({
      ...f,
      name: truncate(f.name, LIMITS.fieldName) || "\u200b",
      value: truncate(f.value, LIMITS.fieldValue) || "\u200b",
    }));
  }
  return out;
}

/**
 * Clamps a list of embeds to every limit: at most 10, each field within its limit, and 6,000 characters in
 * total (later embeds' descriptions are shortened first, then later embeds dropped).
 */
export function fitEmbeds(embeds: readonly APIEmbed[]): APIEmbed[] {
  const out = embeds.slice(0, LIMITS.embeds).map(fitEmbed);
  let total = out.reduce((n, e) => n + embedLength(e), 0);
  for (let i = out.length - 1; i >= 0 && total > LIMITS.embedTotal; i--) {
    const e = out[i]!;
    const over = total - LIMITS.embedTotal;
    const desc = e.description ?? "";
    if (desc.length > over + 50) {
      const shorter = truncate(desc, desc.length - over);
      total -= desc.length - shorter.length;
      out[i] = { ...e, description: shorter };
    } else if (i > 0) {
      total -= embedLength(e);
      out.splice(i, 1);
    } else {
      // Only the first embed is left and it is still too long: shorten its fields, then description.
      const fields = (e.fields ?? []).slice();
      while (total > LIMITS.embedTotal && fields.length > 0) {
        const f = fields.pop()!;
        total -= f.name.length + f.value.length;
      }
      const first: APIEmbed = { ...e, fields };
      if (total > LIMITS.embedTotal && first.description) {
        const shorter = truncate(
          first.description,
          Math.max(0, first.description.length - (total - LIMITS.embedTotal)),
        );
        total -= first.description.length - shorter.length;
        first.description = shorter;
      }
      out[i] = first;
    }
  }
  return out;
}
