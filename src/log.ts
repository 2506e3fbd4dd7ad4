/**
 * Structured logging (pino). The bot token is redacted from every line: known fields by path, and any
 * occurrence of the token's value inside messages and error text.
 *
 * @example
 * const logger = createLogger({ level: config.logLevel, secrets: [config.discordToken] });
 * logger.info({ ref }, "discord: command failed");
 */
import { type DestinationStream, type Logger as PinoLogger, pino } from "pino";

export type AppLogger = PinoLogger;

const REDACT_PATHS = [
  "token",
  "*.token",
  "discordToken",
  "*.discordToken",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
];

function scrub(value: string, secrets: readonly string[]): string {
  let out = value;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join("[redacted]");
  return out;
}

function scrubDeep(value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (typeof value === "string") return scrub(value, secrets);
  if (depth > 4 || value === null || typeof value !== "object") return value;
  if (value instanceof Error) {
    const copy = new Error(scrub(value.message, secrets));
    copy.name = value.name;
    copy.stack = value.stack === undefined ? "" : scrub(value.stack, secrets);
    return copy;
  }
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubDeep(v, secrets, depth + 1);
  return out;
}

export function createLogger(
  options: {
    level?: string;
    /** Values never to print (the bot token). Short or empty values are ignored. */
    secrets?: readonly (string | null | undefined)[];
    destination?: DestinationStream;
    name?: string;
  } = {},
): AppLogger {
  const secrets = (options.secrets ?? []).filter((s): s is string => typeof s === "string" && s.length >= 8);
  return pino(
    {
      level: options.level ?? "info",
      name: options.name ?? "newsdesk",
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      hooks: {
        logMethod(args, method) {
          if (secrets.length === 0) return method.apply(this, args);
          const clean = args.map((a) => scrubDeep(a, secrets)) as Parameters<typeof method>;
          return method.apply(this, clean);
        },
      },
    },
    options.destination ?? pino.destination(2),
  );
}

/** The levels a `LazyLogger` writes at, each as `(fields, message)`. */
export type LazyLogger = Record<
  "debug" | "info" | "warn" | "error",
  (fields: object, message: string) => void
>;

/**
 * A child logger with `bindings` that is only made when a line at an enabled level is written: making a
 * pino child serialises its bindings, which costs more than a whole autocomplete answer.
 */
export function lazyChild(logger: AppLogger, bindings: Record<string, unknown>): LazyLogger {
  let child: AppLogger | undefined;
  const at =
    (level: keyof LazyLogger) =>
    (fields: object, message: string): void => {
      if (!logger.isLevelEnabled(level)) return;
      child ??= logger.child(bindings);
      child[level](fields, message);
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
