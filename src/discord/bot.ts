/**
 * Gateway mode: an unmodified discord.js Client receives interactions; each raw INTERACTION_CREATE payload
 * goes through the same normaliser, responder and router that the HTTP interactions endpoint uses.
 *
 * @example
 * const bot = await startBot({ config, desk, logger }); // resolves once connected
 * await bot.stop();
 */

import { type APIInteraction, Client, Events, GatewayDispatchEvents, GatewayIntentBits } from "discord.js";
import type { Command, ComponentHandler, Desk, IngestServices } from "../../commands/types.ts";
import type { Config } from "../config.ts";
import type { AppLogger } from "../log.ts";
import { exitOnSignals } from "../signals.ts";
import { createDispatcher } from "./dispatch.ts";

export interface BotHandle {
  readonly client: Client;
  /** Application id as Discord reported it at login. */
  readonly applicationId: string;
  /** Stops taking interactions, waits (≤ 5 s) for those in flight, disconnects. Idempotent. */
  stop(): Promise<void>;
}

export interface StartBotOptions {
  config: Config;
  desk: Desk;
  logger: AppLogger;
  commands?: readonly Command[];
  components?: readonly ComponentHandler[];
  /** Install SIGINT/SIGTERM handlers that stop the bot and exit (default true). */
  signals?: boolean;
  autoDeferMs?: number;
  /** Ingestion services for /ingest, /forget and /feed (optional). */
  ingest?: IngestServices;
}

export async function startBot(options: StartBotOptions): Promise<BotHandle> {
  const { config, logger } = options;
  if (!config.discordToken) throw new Error("bot: DISCORD_TOKEN is not set");
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: config.discordApiUrl } });
  const dispatch = createDispatcher({
    rest: client.rest,
    config,
    desk: options.desk,
    logger,
    ...(options.commands ? { commands: options.commands } : {}),
    ...(options.components ? { components: options.components } : {}),
    ...(options.autoDeferMs !== undefined ? { autoDeferMs: options.autoDeferMs } : {}),
    ...(options.ingest ? { ingest: options.ingest } : {}),
  });

  const inFlight = new Set<Promise<void>>();
  let stopping = false;
  client.on(Events.Raw, (packet: { t?: string; d?: unknown }) => {
    if (packet.t !== GatewayDispatchEvents.InteractionCreate || stopping) return;
    const job = dispatch(packet.d as APIInteraction)
      .catch((err) => logger.error({ err }, "bot: interaction crashed the router"))
      .finally(() => inFlight.delete(job));
    inFlight.add(job);
  });
  client.on(Events.Error, (err) => logger.error({ err }, "bot: client error"));
  client.on(Events.Warn, (message) => logger.warn(`bot: ${message}`));
  client.on(Events.ShardDisconnect, (_e, shard) => logger.warn({ shard }, "bot: gateway disconnected"));
  client.on(Events.ShardReconnecting, (shard) => logger.info({ shard }, "bot: gateway reconnecting"));

  const onRejection = (reason: unknown) =>
    logger.error({ err: reason }, "bot: unhandled rejection (ignored)");
  process.on("unhandledRejection", onRejection);

  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  try {
    await client.login(config.discordToken);
    await ready;
  } catch (err) {
    process.off("unhandledRejection", onRejection);
    await client.destroy();
    throw new Error(
      `bot: could not connect to Discord at ${config.discordApiUrl}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const applicationId = client.application?.id ?? client.user?.id ?? "";
  logger.info(
    { user: client.user?.tag, guilds: client.guilds.cache.size, applicationId },
    "bot: connected to Discord",
  );

  let stopped: Promise<void> | null = null;
  const stop = () => {
    stopped ??= (async () => {
      stopping = true;
      const timeout = new Promise((r) => setTimeout(r, 5000).unref());
      await Promise.race([Promise.allSettled([...inFlight]), timeout]);
      await client.destroy();
      process.off("unhandledRejection", onRejection);
      releaseSignals();
      logger.info("bot: stopped");
    })();
    return stopped;
  };
  const releaseSignals =
    (options.signals ?? true)
      ? exitOnSignals((signal) => logger.info({ signal }, "bot: shutting down"), stop)
      : () => {};
  return { client, applicationId, stop };
}
