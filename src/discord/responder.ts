/**
 * `RestResponder`: the one implementation of `Responder` (commands/types.ts), over Discord's REST API.
 *
 * The first response to an interaction (reply, defer, update, autocomplete, modal) is handed to `initial`:
 * the gateway transport POSTs it to `/interactions/{id}/{token}/callback`; the HTTP interactions endpoint
 * returns it as its HTTP response body. Everything after it (filling in a deferred reply, follow-ups,
 * editing, fetching the original) goes through the webhook routes with the interaction token, identically
 * for both transports.
 *
 * @example
 * const responder = new RestResponder({ rest: client.rest, interaction }); // gateway
 * const responder = new RestResponder({ rest, interaction, initial: (r) => sendHttp(r) }); // HTTP endpoint
 */
import {
  type APIInteractionResponse,
  type APIMessage,
  type APIModalInteractionResponseCallbackData,
  InteractionResponseType,
  MessageFlags,
  type REST,
  Routes,
} from "discord.js";
import type { Choice, Interaction, MessageBody, Responder } from "../../commands/types.ts";
import { fitEmbeds, LIMITS, truncate } from "./limits.ts";

export type RestClient = Pick<REST, "get" | "post" | "patch" | "put" | "delete">;

export type InitialResponse = (response: APIInteractionResponse) => Promise<void>;

/** The wire form of a message: clamped to Discord's limits, mentions never parsed. */
export function toWire(body: MessageBody, ephemeral = false) {
  const embeds = body.embeds ? fitEmbeds(body.embeds) : undefined;
  let content = body.content === undefined ? undefined : truncate(body.content, LIMITS.content);
  if (!content && (!embeds || embeds.length === 0)) content = "\u200b";
  return {
    ...(content !== undefined ? { content } : {}),
    ...(embeds ? { embeds } : {}),
    ...(body.components ? { components: body.components.slice(0, 5) } : {}),
    allowed_mentions: { parse: [] as never[] },
    ...(ephemeral ? { flags: MessageFlags.Ephemeral } : {}),
  };
}

export class RestResponder implements Responder {
  state: Responder["state"] = "pending";
  /** Milliseconds from construction to the first response, once sent. */
  ackMs: number | null = null;
  private readonly rest: RestClient;
  private readonly interaction: Pick<Interaction, "id" | "token" | "applicationId" | "channelId">;
  private readonly initial: InitialResponse;
  private readonly started = performance.now();
  private queue: Promise<unknown> = Promise.resolve();

  /** Runs operations one after another, so a timed defer and a late reply never race. */
  private serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op, op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  constructor(options: {
    rest: RestClient;
    interaction: Pick<Interaction, "id" | "token" | "applicationId" | "channelId">;
    initial?: InitialResponse;
  }) {
    this.rest = options.rest;
    this.interaction = options.interaction;
    this.initial =
      options.initial ??
      (async (response) => {
        await this.rest.post(Routes.interactionCallback(this.interaction.id, this.interaction.token), {
          body: response,
          auth: false,
        });
      });
  }

  private async first(response: APIInteractionResponse, next: Responder["state"]): Promise<void> {
    if (this.state !== "pending")
      throw new Error(`responder: interaction ${this.interaction.id} already answered`);
    this.state = next;
    await this.initial(response);
    this.ackMs = performance.now() - this.started;
  }

  private get webhook() {
    return Routes.webhook(this.interaction.applicationId, this.interaction.token);
  }

  reply(body: MessageBody, options: { ephemeral?: boolean } = {}): Promise<void> {
    return this.serial(async () => {
      if (this.state === "pending") {
        await this.first(
          { type: InteractionResponseType.ChannelMessageWithSource, data: toWire(body, options.ephemeral) },
          "replied",
        );
      } else if (this.state === "deferred") {
        this.state = "replied";
        await this.patchOriginal(body);
      } else {
        await this.postFollowUp(body, options.ephemeral);
      }
    });
  }

  defer(options: { ephemeral?: boolean } = {}): Promise<void> {
    return this.serial(async () => {
      if (this.state !== "pending") return;
      await this.first(
        {
          type: InteractionResponseType.DeferredChannelMessageWithSource,
          ...(options.ephemeral ? { data: { flags: MessageFlags.Ephemeral } } : {}),
        },
        "deferred",
      );
    });
  }

  deferUpdate(): Promise<void> {
    return this.serial(async () => {
      if (this.state !== "pending") return;
      await this.first({ type: InteractionResponseType.DeferredMessageUpdate }, "deferred-update");
    });
  }

  update(body: MessageBody): Promise<void> {
    return this.serial(async () => {
      if (this.state === "pending") {
        await this.first({ type: InteractionResponseType.UpdateMessage, data: toWire(body) }, "replied");
      } else if (this.state === "deferred-update" || this.state === "deferred") {
        this.state = "replied";
        await this.patchOriginal(body);
      } else {
        throw new Error(`responder: cannot update after a reply (interaction ${this.interaction.id})`);
      }
    });
  }

  autocomplete(choices: readonly Choice[]): Promise<void> {
    const clean = choices.slice(0, LIMITS.choices).map((c) => ({
      name: truncate(c.name, LIMITS.choiceName) || "…",
      value: c.value.slice(0, LIMITS.choiceValue),
    }));
    return this.serial(() =>
      this.first(
        { type: InteractionResponseType.ApplicationCommandAutocompleteResult, data: { choices: clean } },
        "replied",
      ),
    );
  }

  showModal(modal: APIModalInteractionResponseCallbackData): Promise<void> {
    return this.serial(() => this.first({ type: InteractionResponseType.Modal, data: modal }, "replied"));
  }

  followUp(body: MessageBody, options: { ephemeral?: boolean } = {}): Promise<{ id: string }> {
    return this.serial(() => this.postFollowUp(body, options.ephemeral));
  }

  /**
   * The message of the first response. Retried briefly on 404: over the HTTP endpoint Discord creates the
   * message only after it has read our HTTP response, so an immediate look-up can race it.
   */
  original(): Promise<{ id: string; channelId: string }> {
    return this.serial(async () => {
      const route = Routes.webhookMessage(
        this.interaction.applicationId,
        this.interaction.token,
        "@original",
      );
      for (let attempt = 1; ; attempt++) {
        try {
          const message = (await this.rest.get(route, { auth: false })) as APIMessage;
          return { id: message.id, channelId: message.channel_id };
        } catch (err) {
          if ((err as { status?: number }).status !== 404 || attempt >= 4) throw err;
          await new Promise((resolve) => setTimeout(resolve, 150 * attempt));
        }
      }
    });
  }

  private async postFollowUp(body: MessageBody, ephemeral = false): Promise<{ id: string }> {
    const message = (await this.rest.post(this.webhook, {
      body: toWire(body, ephemeral),
      auth: false,
    })) as APIMessage;
    return { id: message.id };
  }

  private async patchOriginal(body: MessageBody): Promise<void> {
    const { flags: _flags, ...wire } = toWire(body);
    await this.rest.patch(
      Routes.webhookMessage(this.interaction.applicationId, this.interaction.token, "@original"),
      {
        body: wire,
        auth: false,
      },
    );
  }
}
