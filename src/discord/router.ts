/**
 * The interaction router: one entry point for every transport. Finds the command or button handler,
 * applies the per-user cooldown, defers handlers that run long, and is the one central catch: a failing
 * handler answers "something went wrong (ref …)" privately, is logged with that ref, and the bot keeps
 * serving.
 */
import { randomBytes } from "node:crypto";
import type {
  Command,
  ComponentHandler,
  Context,
  Desk,
  DiscordActions,
  IngestServices,
  Interaction,
  Responder,
} from "../../commands/types.ts";
import { UserError } from "../../commands/types.ts";
import type { Config } from "../config.ts";
import { type AppLogger, lazyChild } from "../log.ts";
import { Cooldown } from "./cooldown.ts";
import { escapeMarkdown } from "./limits.ts";
import { renderNotice } from "./render.ts";

export interface RouterOptions {
  commands: readonly Command[];
  components: readonly ComponentHandler[];
  desk: Desk;
  config: Config;
  logger: AppLogger;
  discord: DiscordActions;
  /** Ingestion services for /ingest, /forget and /feed (optional). */
  ingest?: IngestServices;
  /** Defer (show "thinking…") when a handler has not answered after this many ms. Default 1500. */
  autoDeferMs?: number;
  now?: () => number;
}

export const EXPIRED =
  "This button has expired (the answer it belonged to is gone or outdated). Please run the command again.";

export type Router = (interaction: Interaction, responder: Responder) => Promise<void>;

export function errorRef(): string {
  return randomBytes(3).toString("hex");
}

export function createRouter(options: RouterOptions): Router {
  const byName = new Map(options.commands.map((c) => [c.data.name, c]));
  const byPrefix = new Map(options.components.map((c) => [c.prefix, c]));
  const cooldown = new Cooldown(options.config.cooldownSeconds, options.now);
  const autoDeferMs = options.autoDeferMs ?? 1500;
  const { logger } = options;

  return async function route(interaction, responder) {
    const started = performance.now();
    const ctx: Context = {
      interaction,
      responder,
      desk: options.desk,
      config: options.config,
      logger,
      discord: options.discord,
      ...(options.ingest ? { ingest: options.ingest } : {}),
    };
    const label =
      interaction.kind === "component" || interaction.kind === "modal"
        ? `${interaction.kind === "modal" ? "modal" : "button"} ${interaction.customId?.split(":")[0] ?? "?"}`
        : `${interaction.kind} ${interaction.commandName ?? "?"}`;
    const log = lazyChild(logger, { interaction: interaction.id, user: interaction.user.id, what: label });

    if (interaction.kind === "autocomplete") {
      const command = interaction.commandName ? byName.get(interaction.commandName) : undefined;
      try {
        if (command?.autocomplete) await command.autocomplete(ctx);
        if (responder.state === "pending") await responder.autocomplete([]);
      } catch (err) {
        log.error({ err }, "discord: autocomplete failed");
        if (responder.state === "pending") await responder.autocomplete([]).catch(() => undefined);
      }
      log.debug({ ms: Math.round(performance.now() - started) }, "discord: autocomplete answered");
      return;
    }
    if (interaction.kind === "ping") return;

    let timer: NodeJS.Timeout | undefined;
    try {
      if (interaction.kind === "command") {
        const command = interaction.commandName ? byName.get(interaction.commandName) : undefined;
        if (!command) {
          throw new UserError(
            `I don't know the command “${escapeMarkdown(interaction.commandName ?? "")}” (it may have been removed). Try /help.`,
          );
        }
        const wait = cooldown.take(interaction.user.id);
        if (wait > 0) throw new UserError(`Please slow down: try again in ${wait} s.`);
        const ephemeral = command.ephemeral?.(interaction) ?? false;
        timer = setTimeout(() => {
          if (responder.state === "pending") {
            log.info({ afterMs: autoDeferMs }, "discord: handler is slow, deferring");
            responder.defer({ ephemeral }).catch((err) => log.warn({ err }, "discord: defer failed"));
          }
        }, autoDeferMs);
        await command.execute(ctx);
      } else if (interaction.kind === "component") {
        const id = interaction.customId ?? "";
        const cut = id.indexOf(":");
        const handler = byPrefix.get(cut < 0 ? id : id.slice(0, cut));
        if (!handler) throw new UserError(EXPIRED);
        timer = setTimeout(() => {
          if (responder.state === "pending") {
            responder.deferUpdate().catch((err) => log.warn({ err }, "discord: defer failed"));
          }
        }, autoDeferMs);
        await handler.handle(ctx, cut < 0 ? "" : id.slice(cut + 1));
      } else if (interaction.kind === "modal") {
        // A modal belongs to the command that opened it: custom id "<command name>:<payload>".
        const id = interaction.customId ?? "";
        const cut = id.indexOf(":");
        const command = byName.get(cut < 0 ? id : id.slice(0, cut));
        if (!command?.modal) throw new UserError(EXPIRED);
        const ephemeral = command.ephemeral?.(interaction) ?? false;
        timer = setTimeout(() => {
          if (responder.state === "pending") {
            responder.defer({ ephemeral }).catch((err) => log.warn({ err }, "discord: defer failed"));
          }
        }, autoDeferMs);
        await command.modal(ctx, cut < 0 ? "" : id.slice(cut + 1));
      } else {
        throw new UserError(EXPIRED);
      }
      if (responder.state === "pending") throw new Error(`${label} finished without answering`);
      log.info({ ms: Math.round(performance.now() - started) }, "discord: handled");
    } catch (err) {
      const userFacing = err instanceof UserError;
      const ref = userFacing ? null : errorRef();
      if (userFacing) log.info({ reason: err.message }, "discord: refused");
      else log.error({ err, ref }, "discord: handler failed");
      const text = userFacing
        ? err.message
        : `Sorry, something went wrong (ref ${ref}). The bot is still running; please try again.`;
      try {
        await responder.reply(renderNotice(text), { ephemeral: true });
      } catch (replyErr) {
        log.error({ err: replyErr, ref }, "discord: could not tell the user about the failure");
      }
    } finally {
      if (timer) clearTimeout(timer);
    }
  };
}
