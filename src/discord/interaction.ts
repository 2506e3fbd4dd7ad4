/**
 * Raw Discord interaction JSON (as the gateway dispatches it and as the HTTP endpoint receives it) →
 * the transport-neutral `Interaction` handlers read. Pure.
 */
import type { APIInteraction, APIMessage } from "discord.js";
import type { AttachmentInfo, Interaction, OptionValue } from "../../commands/types.ts";

interface RawOption {
  name: string;
  type: number;
  value?: unknown;
  focused?: boolean;
  options?: RawOption[];
}

function flatten(
  options: readonly RawOption[] | undefined,
  into: Record<string, OptionValue>,
  focus: { v: Interaction["focused"] },
): void {
  for (const o of options ?? []) {
    if (o.options) flatten(o.options, into, focus);
    if (typeof o.value === "string" || typeof o.value === "number" || typeof o.value === "boolean") {
      into[o.name] = o.value;
      if (o.focused) focus.v = { name: o.name, value: String(o.value) };
    }
  }
}

function bits(value: unknown): bigint | null {
  if (typeof value !== "string" || !/^\d+$/.test(value)) return null;
  return BigInt(value);
}

const KINDS: Record<number, Interaction["kind"]> = {
  1: "ping",
  2: "command",
  3: "component",
  4: "autocomplete",
  5: "modal",
};

export function fromApiInteraction(raw: APIInteraction): Interaction {
  const r = raw as APIInteraction & { data?: Record<string, unknown>; message?: APIMessage };
  const data = (r.data ?? {}) as {
    name?: string;
    type?: number;
    options?: RawOption[];
    custom_id?: string;
    target_id?: string;
    resolved?: { messages?: Record<string, APIMessage>; attachments?: Record<string, RawAttachment> };
    components?: { components?: { custom_id?: unknown; value?: unknown }[] }[];
  };
  const kind = KINDS[r.type] ?? "ping";
  const options: Record<string, OptionValue> = {};
  const focus: { v: Interaction["focused"] } = { v: null };
  if (kind === "command" || kind === "autocomplete") flatten(data.options, options, focus);
  const subcommand = subcommandOf(data.options);
  const user = r.member?.user ?? r.user;
  const targetMessage =
    kind === "command" && data.type === 3 && data.target_id
      ? (data.resolved?.messages?.[data.target_id] ?? null)
      : null;
  return {
    id: r.id,
    token: r.token,
    applicationId: r.application_id,
    kind,
    commandName: kind === "command" || kind === "autocomplete" ? (data.name ?? null) : null,
    commandType: kind === "command" || kind === "autocomplete" ? (data.type ?? 1) : null,
    options,
    focused: focus.v,
    customId: kind === "component" || kind === "modal" ? (data.custom_id ?? null) : null,
    message: r.message ?? null,
    targetMessage,
    user: { id: user?.id ?? "0", username: user?.username ?? "unknown" },
    guildId: r.guild_id ?? null,
    channelId: r.channel?.id ?? r.channel_id ?? null,
    memberPermissions: bits(r.member?.permissions),
    appPermissions: bits(r.app_permissions),
    locale: "locale" in r && typeof r.locale === "string" ? r.locale : null,
    ...(subcommand !== null && (kind === "command" || kind === "autocomplete") ? { subcommand } : {}),
    ...(data.resolved?.attachments ? { attachments: attachmentsOf(data.resolved.attachments) } : {}),
    ...(kind === "modal" ? { fields: modalFields(data.components) } : {}),
  };
}

/** The chosen subcommand (type 1), also inside a subcommand group (type 2). */
function subcommandOf(options: readonly RawOption[] | undefined): string | null {
  for (const o of options ?? []) {
    if (o.type === 1) return o.name;
    if (o.type === 2) return subcommandOf(o.options);
  }
  return null;
}

interface RawAttachment {
  id?: unknown;
  filename?: unknown;
  url?: unknown;
  size?: unknown;
  content_type?: unknown;
}

function attachmentsOf(raw: Record<string, RawAttachment>): Record<string, AttachmentInfo> {
  const out: Record<string, AttachmentInfo> = {};
  for (const [id, a] of Object.entries(raw)) {
    if (typeof a.url !== "string") continue;
    out[id] = {
      id,
      filename: typeof a.filename === "string" ? a.filename : "attachment",
      url: a.url,
      size: typeof a.size === "number" ? a.size : null,
      contentType: typeof a.content_type === "string" ? a.content_type : null,
    };
  }
  return out;
}

/** Text inputs of a modal submission (action rows of text inputs, or labels wrapping one component). */
function modalFields(
  rows:
    | readonly { components?: { custom_id?: unknown; value?: unknown }[]; component?: unknown }[]
    | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const row of rows ?? []) {
    const inner =
      row.components ?? (row.component ? [row.component as { custom_id?: unknown; value?: unknown }] : []);
    for (const c of inner) {
      if (typeof c.custom_id === "string" && typeof c.value === "string") out[c.custom_id] = c.value;
    }
  }
  return out;
}
