/**
 * Gateway sharding (SHARD_COUNT = a number or `auto`): this process runs discord.js's `ShardingManager`,
 * which starts one child process per shard (`shard-child.ts`). Each child loads the same knowledge
 * through the index cache (the first child builds it if needed, the others read it, because shards start
 * one after another) and runs the same gateway bot (`start()` in main.ts) with the shard id discord.js
 * reads from the SHARDS / SHARD_COUNT environment it sets.
 *
 * `auto` asks DISCORD_API_URL's `GET /gateway/bot` for the recommended count (discord.js's own
 * `fetchRecommendedShardCount` always calls discord.com, bypassing a REST proxy or a local stand-in).
 *
 * @example
 * const shards = await startShards(config, logger); // resolves once every shard is ready
 * await shards.stop(); // SIGTERM to each child, waits for them to exit
 */

import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { REST, Routes, ShardingManager } from "discord.js";
import type { Config, ConfigKey } from "../config.ts";
import type { AppLogger } from "../log.ts";
import { exitOnSignals } from "../signals.ts";

export interface ShardsOptions {
  /** Wait between starting shards (Discord allows one IDENTIFY per 5 s per bucket; default 5,500 ms). */
  spawnDelayMs?: number;
  /** Longest wait for one shard to load its knowledge and connect (default 180 s). */
  readyTimeoutMs?: number;
  /** Install SIGINT/SIGTERM handlers that stop every shard and exit (default true). */
  signals?: boolean;
  /** Restart a shard process that dies (default true). */
  respawn?: boolean;
}

export interface ShardsHandle {
  readonly mode: "shards";
  readonly manager: ShardingManager;
  readonly count: number;
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

/** The shard count to run: the configured number, or Discord's recommendation for `auto`. */
export async function resolveShardCount(config: Config): Promise<number> {
  if (typeof config.shardCount === "number") return config.shardCount;
  if (!config.discordToken) throw new Error("shards: SHARD_COUNT=auto needs DISCORD_TOKEN");
  const rest = new REST({ api: config.discordApiUrl, retries: 2, timeout: 10_000 }).setToken(
    config.discordToken,
  );
  const body = (await rest.get(Routes.gatewayBot())) as { shards?: unknown };
  if (typeof body.shards !== "number" || !Number.isInteger(body.shards) || body.shards < 1) {
    throw new Error(`shards: ${config.discordApiUrl} GET /gateway/bot gave no usable shard count`);
  }
  return body.shards;
}

/** The environment a shard child needs to load the same Config (children read it with loadConfig). */
function configEnv(config: Config): Partial<Record<ConfigKey, string>> {
  const env: Partial<Record<ConfigKey, string>> = {
    DISCORD_API_URL: config.discordApiUrl,
    KNOWLEDGE_DIR: config.knowledgeDir,
    LOG_LEVEL: config.logLevel,
    COOLDOWN_SECONDS: String(config.cooldownSeconds),
  };
  if (config.discordApplicationId) env.DISCORD_APPLICATION_ID = config.discordApplicationId;
  if (config.discordGuildId) env.DISCORD_GUILD_ID = config.discordGuildId;
  return env;
}

export async function startShards(
  config: Config,
  logger: AppLogger,
  options: ShardsOptions = {},
): Promise<ShardsHandle> {
  if (!config.discordToken) throw new Error("shards: DISCORD_TOKEN is required to shard the gateway bot");
  const count = await resolveShardCount(config);
  const manager = new ShardingManager(fileURLToPath(new URL("./shard-child.ts", import.meta.url)), {
    totalShards: count,
    token: config.discordToken,
    mode: "process",
    respawn: options.respawn ?? true,
    execArgv: ["--import", "tsx"],
  });
  manager.on("shardCreate", (shard) => {
    logger.info({ shard: shard.id, of: count }, "shards: starting shard");
    shard.on("death", () => logger.warn({ shard: shard.id }, "shards: shard process exited"));
    shard.on("error", (err) => logger.error({ err, shard: shard.id }, "shards: shard error"));
  });
  logger.info({ count, auto: config.shardCount === "auto" }, "shards: starting the gateway bot sharded");

  let resolveDone: () => void = () => {};
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });
  let stopped: Promise<void> | null = null;
  const stop = () => {
    stopped ??= (async () => {
      const exits: Promise<void>[] = [];
      for (const shard of manager.shards.values()) {
        const child = shard.process as ChildProcess | null;
        if (child && child.exitCode === null) {
          exits.push(
            new Promise<void>((resolve) => {
              const force = setTimeout(() => child.kill("SIGKILL"), 10_000);
              child.once("exit", () => {
                clearTimeout(force);
                resolve();
              });
            }),
          );
        }
        shard.kill(); // SIGTERM: the child's bot drains in-flight interactions and exits
      }
      await Promise.all(exits);
      releaseSignals();
      logger.info("shards: all shards stopped");
      resolveDone();
    })();
    return stopped;
  };
  const releaseSignals =
    (options.signals ?? true)
      ? exitOnSignals((signal) => logger.info({ signal }, "shards: shutting down"), stop)
      : () => {};
  // Children inherit this process's environment (discord.js adds SHARDS, SHARD_COUNT, DISCORD_TOKEN);
  // each Shard copies it when created (and reuses the copy to respawn), so it is set only while spawning.
  const env = configEnv(config);
  const previous = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    await manager.spawn({
      amount: count,
      delay: options.spawnDelayMs ?? 5500,
      timeout: options.readyTimeoutMs ?? 180_000,
    });
  } catch (err) {
    await stop();
    throw new Error(`shards: could not start ${count} shard(s): ${(err as Error).message}`, { cause: err });
  } finally {
    for (const [k, v] of Object.entries(previous)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  logger.info({ count }, "shards: every shard is connected");
  return { mode: "shards", manager, count, done, stop };
}
