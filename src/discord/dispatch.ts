/**
 * One call that takes a raw Discord interaction (gateway dispatch or HTTP request body) to an answer:
 * normalise → responder → router. Both transports use it.
 *
 * @example
 * // gateway (bot.ts):
 * const handle = createDispatcher({ rest: client.rest, config, desk, logger });
 * client.on(Events.Raw, (p) => p.t === "INTERACTION_CREATE" && handle(p.d));
 * // HTTP endpoint: the first response is the HTTP body, the rest goes over REST.
 * await handle(body, async (response) => reply.send(response));
 */
import type { APIInteraction } from "discord.js";
import { commands as defaultCommands, components as defaultComponents } from "../../commands/index.ts";
import type { Command, ComponentHandler, Desk, IngestServices } from "../../commands/types.ts";
import type { Config } from "../config.ts";
import type { AppLogger } from "../log.ts";
import { restActions } from "./actions.ts";
import { fromApiInteraction } from "./interaction.ts";
import { type InitialResponse, type RestClient, RestResponder } from "./responder.ts";
import { createRouter } from "./router.ts";

export interface DispatcherOptions {
  /** REST client with the bot token, pointed at DISCORD_API_URL (discord.js `client.rest` or `new REST(...)`). */
  rest: RestClient;
  config: Config;
  desk: Desk;
  logger: AppLogger;
  commands?: readonly Command[];
  components?: readonly ComponentHandler[];
  autoDeferMs?: number;
  /** Ingestion services for /ingest, /forget and /feed (optional). */
  ingest?: IngestServices;
}

export type Dispatcher = (raw: APIInteraction, initial?: InitialResponse) => Promise<void>;

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const route = createRouter({
    commands: options.commands ?? defaultCommands,
    components: options.components ?? defaultComponents,
    desk: options.desk,
    config: options.config,
    logger: options.logger,
    discord: restActions(options.rest),
    ...(options.ingest ? { ingest: options.ingest } : {}),
    ...(options.autoDeferMs !== undefined ? { autoDeferMs: options.autoDeferMs } : {}),
  });
  return async (raw, initial) => {
    const interaction = fromApiInteraction(raw);
    const responder = new RestResponder({
      rest: options.rest,
      interaction,
      ...(initial ? { initial } : {}),
    });
    await route(interaction, responder);
  };
}
