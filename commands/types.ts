/**
 * The contract between commands and the transports that deliver interactions to them.
 *
 * A command is typed data (its registration JSON) plus thin handlers that read options, call the core
 * (`desk`) and answer through a transport-neutral `Responder`. The gateway (discord.js) and the HTTP
 * interactions endpoint both turn a raw Discord interaction into an `Interaction` (see
 * `src/discord/interaction.ts`) and a `Responder` (see `src/discord/responder.ts`), then call the same
 * router, so every command works the same on both.
 */
import type {
  APIActionRowComponent,
  APIApplicationCommandOptionChoice,
  APIComponentInMessageActionRow,
  APIEmbed,
  APIMessage,
  APIModalInteractionResponseCallbackData,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
  RESTPostAPIContextMenuApplicationCommandsJSONBody,
} from "discord.js";
import type { Config } from "../src/config.ts";
import type { Answer, ArticleMeta, Citation, Logger, Passage } from "../src/core/types.ts";

/** A message as every renderer produces it. `allowed_mentions` and flags are added by the responder. */
export interface MessageBody {
  content?: string;
  embeds?: APIEmbed[];
  components?: APIActionRowComponent<APIComponentInMessageActionRow>[];
}

export type Choice = APIApplicationCommandOptionChoice<string>;

/**
 * Answers one interaction. Implemented once over Discord's REST API (`RestResponder`); each transport only
 * decides how the first response travels (gateway: REST callback; HTTP endpoint: the HTTP response body).
 * Every message it sends has `allowed_mentions: { parse: [] }` and is clamped to Discord's limits.
 */
export interface Responder {
  /** `pending`: nothing sent yet; `deferred`: a loading state was sent; `replied`: a response exists. */
  readonly state: "pending" | "deferred" | "deferred-update" | "replied";
  /** First response (type 4); after `defer` it fills in the deferred message; after a reply it follows up. */
  reply(body: MessageBody, options?: { ephemeral?: boolean }): Promise<void>;
  /** "Thinking…" (type 5); no-op when already acknowledged. */
  defer(options?: { ephemeral?: boolean }): Promise<void>;
  /** Acknowledge a component click without changing its message yet (type 6). */
  deferUpdate(): Promise<void>;
  /** Replace the message a component sits on (type 7; after `deferUpdate`, an edit of that message). */
  update(body: MessageBody): Promise<void>;
  /** Autocomplete choices (type 8); clamped to 25 choices of ≤ 100 characters. */
  autocomplete(choices: readonly Choice[]): Promise<void>;
  /** Open a modal (type 9). */
  showModal(modal: APIModalInteractionResponseCallbackData): Promise<void>;
  /** Another message after the first response. */
  followUp(body: MessageBody, options?: { ephemeral?: boolean }): Promise<{ id: string }>;
  /** The message created by the first response (after `reply` or a filled-in `defer`). */
  original(): Promise<{ id: string; channelId: string }>;
}

/** Discord actions outside the interaction's own messages. */
export interface DiscordActions {
  /** Pins a message; throws DiscordApiError (code 30003 when the channel is at its pin limit, 50013 missing permission). */
  pin(channelId: string, messageId: string): Promise<void>;
}

export type OptionValue = string | number | boolean;

/** A transport-neutral interaction: what handlers may read. */
export interface Interaction {
  readonly id: string;
  readonly token: string;
  readonly applicationId: string;
  readonly kind: "command" | "autocomplete" | "component" | "modal" | "ping";
  /** Slash or context-menu command name. */
  readonly commandName: string | null;
  /** 1 chat input, 2 user context menu, 3 message context menu. */
  readonly commandType: number | null;
  /** Options by name (subcommands flattened). */
  readonly options: Readonly<Record<string, OptionValue>>;
  /** The subcommand chosen (`add` for `/feed add`), when the command has subcommands. */
  readonly subcommand?: string;
  /** The option being typed, for autocomplete. */
  readonly focused: { readonly name: string; readonly value: string } | null;
  /** Component or modal custom id. */
  readonly customId: string | null;
  /** The message a component sits on. */
  readonly message: APIMessage | null;
  /** The message a message context-menu command targets. */
  readonly targetMessage: APIMessage | null;
  readonly user: { readonly id: string; readonly username: string };
  readonly guildId: string | null;
  readonly channelId: string | null;
  /** The invoking member's permissions in this channel (null in DMs). */
  readonly memberPermissions: bigint | null;
  /** The bot's permissions in this channel (null when Discord does not say). */
  readonly appPermissions: bigint | null;
  readonly locale: string | null;
  /** Attachments the command's options refer to, by attachment id (option value). */
  readonly attachments?: Readonly<Record<string, AttachmentInfo>>;
  /** A submitted modal's text inputs, by custom id. */
  readonly fields?: Readonly<Record<string, string>>;
}

/** An uploaded file as Discord describes it (the file itself is on Discord's CDN at `url`). */
export interface AttachmentInfo {
  readonly id: string;
  readonly filename: string;
  readonly url: string;
  readonly size: number | null;
  readonly contentType: string | null;
}

export interface ArticleListItem extends ArticleMeta {
  readonly sentences: number;
}
export interface ArticleList {
  readonly total: number;
  readonly page: number;
  readonly pages: number;
  readonly results: readonly ArticleListItem[];
}

/** What the Discord layer reads of a `who` answer (the core's type may carry more). */
export interface WhoView {
  readonly status: string;
  readonly message: string | null;
  readonly suggestions?: readonly string[];
  readonly entity: {
    readonly name: string;
    readonly kind: string;
    readonly aliases?: readonly string[];
    readonly roles?: readonly { readonly role: string; readonly citation?: Citation }[];
    readonly counts?: { readonly sentences: number; readonly articles: number };
    readonly first?: string | null;
    readonly last?: string | null;
  } | null;
  /** Names to choose from when the query is ambiguous. */
  readonly candidates?: readonly string[];
  readonly results: readonly (Passage & { readonly quote?: boolean })[];
}

/** What the Discord layer reads of a `summary` answer. */
export interface SummaryView {
  readonly status: string;
  readonly message: string | null;
  readonly article: ArticleMeta | null;
  /** The topic (or article query) asked for. */
  readonly query?: string;
  readonly results: readonly Passage[];
}

/** The core as commands use it (`Newsdesk` satisfies it). */
export interface Desk {
  ask(question: string, options?: { limit?: number; offset?: number; guild?: string | null }): Answer;
  listArticles(
    filter?: string,
    options?: { page?: number; pageSize?: number; guild?: string | null },
  ): ArticleList;
  context(
    articleId: string,
    sentence: number,
    radius?: number,
    options?: { guild?: string | null },
  ): readonly Passage[];
  who(name: string, options?: { limit?: number; offset?: number; guild?: string | null }): WhoView;
  summary(article: string | null, options?: { topic?: string; guild?: string | null }): SummaryView;
  suggestEntities(
    prefix: string,
    options?: { guild?: string | null },
  ): readonly { name: string; count: number; kind: string }[];
  suggestArticles(
    prefix: string,
    options?: { guild?: string | null },
  ): readonly { id: string; title: string; date: string | null }[];
}

/** What was added by /ingest: the article as the knowledge loader reads it. */
export interface AddedArticle {
  readonly id: string;
  readonly title: string;
  readonly date: string | null;
  readonly source: string | null;
  readonly url: string | null;
  readonly sentences: number;
}

/** A feed a server follows, as /feed list shows it. */
export interface FeedView {
  readonly url: string;
  readonly title: string | null;
  readonly channelId: string | null;
  readonly addedBy: string | null;
  readonly errors: number;
  readonly lastError: string | null;
  readonly lastPolledAt: number | null;
  readonly nextPollAt: number;
}

/**
 * Adding and removing a server's own articles, and following feeds (see `src/discord/ingest.ts`).
 * Refusals throw errors whose message is safe to show (`isIngestError`).
 */
export interface IngestServices {
  addUrl(url: string, guildId: string): Promise<AddedArticle>;
  addAttachment(attachment: AttachmentInfo, guildId: string): Promise<AddedArticle>;
  addText(title: string, text: string, guildId: string): Promise<AddedArticle>;
  /** The articles this server added, newest first. */
  listOwn(guildId: string): Promise<readonly { id: string; title: string; date: string | null }[]>;
  /** Removes an article this server added (only those). */
  forget(articleId: string, guildId: string): Promise<{ id: string; title: string }>;
  /** Null when feeds are not polled by this process. */
  readonly feeds: {
    add(
      url: string,
      options: { guildId: string; addedBy: string; channelId: string | null },
    ): Promise<{ feed: FeedView; added: readonly string[] }>;
    list(guildId: string): readonly FeedView[];
    remove(url: string, guildId: string): Promise<FeedView>;
  } | null;
}

/** Everything a handler gets. Nothing is imported from a global. */
export interface Context {
  readonly interaction: Interaction;
  readonly responder: Responder;
  readonly desk: Desk;
  readonly config: Config;
  readonly logger: Logger;
  readonly discord: DiscordActions;
  /** Ingestion (/ingest, /forget, /feed); absent where the bot does not write knowledge. */
  readonly ingest?: IngestServices;
}

/** A message shown to the user as is (ephemeral); any other error becomes "something went wrong (ref …)". */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UserError";
  }
}

export interface Command {
  readonly data:
    | RESTPostAPIChatInputApplicationCommandsJSONBody
    | RESTPostAPIContextMenuApplicationCommandsJSONBody;
  execute(ctx: Context): Promise<void>;
  autocomplete?(ctx: Context): Promise<void>;
  /** Handles a submitted modal whose custom id starts with the command's name + ":". */
  modal?(ctx: Context, payload: string): Promise<void>;
  /** Whether a reply to this interaction is private; used when the router defers a slow handler. */
  ephemeral?(interaction: Interaction): boolean;
}

/** Handles button clicks whose custom id starts with `prefix` + ":". */
export interface ComponentHandler {
  readonly prefix: string;
  /** `payload` is the custom id after `prefix:`. */
  handle(ctx: Context, payload: string): Promise<void>;
}
