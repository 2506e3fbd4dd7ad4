/**
 * Configuration: read from the environment (and `.env` via dotenv) once, validated, frozen.
 *
 * @example
 * const config = loadConfig(); // throws ConfigError naming every bad key
 * if (config.discordToken) startBot({ config, desk, logger });
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse } from "dotenv";
import { type Allowlist, parseAllowlist } from "./ingest/address.ts";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  /** Bot token; null runs the local console. Never log or show it. */
  readonly discordToken: string | null;
  readonly discordApplicationId: string | null;
  /** Register commands to this server only (instant, for development); null registers globally. */
  readonly discordGuildId: string | null;
  /** REST base URL without version, e.g. `https://discord.com/api` or a proxy / local stand-in. */
  readonly discordApiUrl: string;
  readonly knowledgeDir: string;
  readonly logLevel: LogLevel;
  /** Per-user cooldown between commands, in seconds (0 disables it). */
  readonly cooldownSeconds: number;
  /** HTTP interactions endpoint (issue 5); null = gateway mode. */
  readonly interactionsPort: number | null;
  readonly interactionsHost: string;
  /** Hex Ed25519 public key of the application, for the HTTP endpoint. */
  readonly discordPublicKey: string | null;
  /** HTTP mode: processes serving the endpoint on one port (node:cluster); `auto` = one per CPU core. */
  readonly httpWorkers: number | "auto";
  /** Gateway sharding: a count, `auto`, or null for a single process. */
  readonly shardCount: number | "auto" | null;
  /** Hosts (`host[:port]`) that /ingest and feeds may fetch although they resolve to private addresses. */
  readonly ingestAllowlist: Allowlist;
  /** Articles a server may add in a row (/ingest), then one more every `ingestRefillSeconds`. */
  readonly ingestBurst: number;
  readonly ingestRefillSeconds: number;
  /** How often feeds are polled, in minutes (default 15). */
  readonly feedIntervalMinutes: number;
  /** JSON file holding the followed feeds and their state (default ./data/feeds.json). */
  readonly feedStateFile: string;
}

export const DEFAULT_API_URL = "https://discord.com/api";

/** Every key the bot reads, in the order `.env.example` lists them. */
export const CONFIG_KEYS = [
  "DISCORD_TOKEN",
  "DISCORD_APPLICATION_ID",
  "DISCORD_GUILD_ID",
  "DISCORD_API_URL",
  "KNOWLEDGE_DIR",
  "LOG_LEVEL",
  "COOLDOWN_SECONDS",
  "INTERACTIONS_PORT",
  "INTERACTIONS_HOST",
  "DISCORD_PUBLIC_KEY",
  "HTTP_WORKERS",
  "SHARD_COUNT",
  "INGEST_ALLOWLIST",
  "INGEST_BURST",
  "INGEST_REFILL_SECONDS",
  "FEED_INTERVAL_MINUTES",
  "FEED_STATE_FILE",
] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];

/** A configuration that cannot start the bot; `problems` has one line per bad key, each naming it. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`config: ${problems.length} problem(s):\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const SNOWFLAKE = /^\d{17,20}$/;

function show(value: string): string {
  const clipped = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return JSON.stringify(clipped);
}

/**
 * Validates an environment (pure: no file or process access). Empty strings count as unset.
 * Throws ConfigError listing every missing or malformed key; the token's value is never echoed.
 */
export function parseConfig(env: Env): Config {
  const problems: string[] = [];
  const get = (key: ConfigKey): string | null => {
    const v = env[key]?.trim();
    return v ? v : null;
  };

  const token = get("DISCORD_TOKEN");
  if (token !== null && /\s/.test(env.DISCORD_TOKEN?.trim() ?? "")) {
    problems.push("DISCORD_TOKEN contains whitespace (value not shown)");
  }

  const snowflake = (key: ConfigKey): string | null => {
    const v = get(key);
    if (v !== null && !SNOWFLAKE.test(v)) {
      problems.push(`${key} must be a Discord id (17 to 20 digits), got ${show(v)}`);
      return null;
    }
    return v;
  };
  const applicationId = snowflake("DISCORD_APPLICATION_ID");
  const guildId = snowflake("DISCORD_GUILD_ID");

  let apiUrl = get("DISCORD_API_URL") ?? DEFAULT_API_URL;
  try {
    const u = new URL(apiUrl);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("protocol");
    apiUrl = apiUrl.replace(/\/+$/, "");
  } catch {
    problems.push(`DISCORD_API_URL must be an http(s) URL such as ${DEFAULT_API_URL}, got ${show(apiUrl)}`);
  }

  const knowledgeDir = get("KNOWLEDGE_DIR") ?? "./knowledge";

  const levelRaw = (get("LOG_LEVEL") ?? "info").toLowerCase();
  const logLevel = LOG_LEVELS.find((l) => l === levelRaw);
  if (!logLevel) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got ${show(levelRaw)}`);

  const number = (key: ConfigKey, fallback: number | null, min: number, max: number, integer: boolean) => {
    const v = get(key);
    if (v === null) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      problems.push(
        `${key} must be ${integer ? "an integer" : "a number"} from ${min} to ${max}, got ${show(v)}`,
      );
      return fallback;
    }
    return n;
  };
  const cooldownSeconds = number("COOLDOWN_SECONDS", 3, 0, 3600, false) ?? 3;
  const interactionsPort = number("INTERACTIONS_PORT", null, 0, 65535, true);
  const interactionsHost = get("INTERACTIONS_HOST") ?? "127.0.0.1";

  const publicKey = get("DISCORD_PUBLIC_KEY");
  if (publicKey !== null && !/^[0-9a-f]{64}$/i.test(publicKey)) {
    problems.push(`DISCORD_PUBLIC_KEY must be 64 hexadecimal characters, got ${show(publicKey)}`);
  }
  if (interactionsPort !== null && publicKey === null) {
    problems.push("DISCORD_PUBLIC_KEY is required when INTERACTIONS_PORT is set");
  }

  let httpWorkers: number | "auto" = 1;
  const workersRaw = get("HTTP_WORKERS");
  if (workersRaw !== null) {
    if (workersRaw.toLowerCase() === "auto") httpWorkers = "auto";
    else {
      const n = number("HTTP_WORKERS", null, 1, 256, true);
      if (n === null)
        problems[problems.length - 1] = `HTTP_WORKERS must be 1–256 or "auto", got ${show(workersRaw)}`;
      else httpWorkers = n;
    }
  }

  let shardCount: number | "auto" | null = null;
  const shardRaw = get("SHARD_COUNT");
  if (shardRaw !== null) {
    if (shardRaw.toLowerCase() === "auto") shardCount = "auto";
    else shardCount = number("SHARD_COUNT", null, 1, 100_000, true);
    if (shardRaw.toLowerCase() !== "auto" && shardCount === null) {
      problems[problems.length - 1] =
        `SHARD_COUNT must be a positive integer or "auto", got ${show(shardRaw)}`;
    }
  }

  let ingestAllowlist: Allowlist = [];
  try {
    ingestAllowlist = parseAllowlist(get("INGEST_ALLOWLIST"));
  } catch (err) {
    problems.push((err as Error).message);
  }
  const ingestBurst = number("INGEST_BURST", 5, 1, 1000, true) ?? 5;
  const ingestRefillSeconds = number("INGEST_REFILL_SECONDS", 60, 1, 86_400, false) ?? 60;
  const feedIntervalMinutes = number("FEED_INTERVAL_MINUTES", 15, 0.01, 10_080, false) ?? 15;
  const feedStateFile = get("FEED_STATE_FILE") ?? "./data/feeds.json";

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    discordToken: token,
    discordApplicationId: applicationId,
    discordGuildId: guildId,
    discordApiUrl: apiUrl,
    knowledgeDir,
    logLevel: logLevel ?? "info",
    cooldownSeconds,
    interactionsPort,
    interactionsHost,
    discordPublicKey: publicKey,
    httpWorkers,
    shardCount,
    ingestAllowlist: Object.freeze(ingestAllowlist),
    ingestBurst,
    ingestRefillSeconds,
    feedIntervalMinutes,
    feedStateFile,
  });
}

/**
 * Reads `.env` (if present; real environment variables win over it) and validates once.
 * @param options.envFile path of the dotenv file (default `./.env`); `null` skips the file.
 * @param options.env the environment (default `process.env`).
 */
export function loadConfig(options: { envFile?: string | null; env?: Env } = {}): Config {
  const env = options.env ?? process.env;
  const file = options.envFile === undefined ? resolve(".env") : options.envFile;
  let fromFile: Record<string, string> = {};
  if (file !== null && existsSync(file)) fromFile = parse(readFileSync(file));
  const merged: Record<string, string | undefined> = { ...fromFile };
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== "") merged[k] = v;
  return parseConfig(merged);
}

/**
 * Checks that keys a particular mode needs are set (e.g. `npm run deploy` needs the token and application id).
 * Throws ConfigError naming each missing key.
 */
export function requireKeys(config: Config, keys: readonly ConfigKey[]): void {
  const value: Record<ConfigKey, unknown> = {
    DISCORD_TOKEN: config.discordToken,
    DISCORD_APPLICATION_ID: config.discordApplicationId,
    DISCORD_GUILD_ID: config.discordGuildId,
    DISCORD_API_URL: config.discordApiUrl,
    KNOWLEDGE_DIR: config.knowledgeDir,
    LOG_LEVEL: config.logLevel,
    COOLDOWN_SECONDS: config.cooldownSeconds,
    INTERACTIONS_PORT: config.interactionsPort,
    INTERACTIONS_HOST: config.interactionsHost,
    DISCORD_PUBLIC_KEY: config.discordPublicKey,
    HTTP_WORKERS: config.httpWorkers,
    SHARD_COUNT: config.shardCount,
    INGEST_ALLOWLIST: config.ingestAllowlist,
    INGEST_BURST: config.ingestBurst,
    INGEST_REFILL_SECONDS: config.ingestRefillSeconds,
    FEED_INTERVAL_MINUTES: config.feedIntervalMinutes,
    FEED_STATE_FILE: config.feedStateFile,
  };
  const missing = keys.filter((k) => value[k] === null);
  if (missing.length > 0) throw new ConfigError(missing.map((k) => `${k} is required here but not set`));
}
