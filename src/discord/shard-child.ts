/**
 * One shard process, started by `ShardingManager` (see shard.ts): the same configuration and the same
 * gateway bot as `npm start`, for the shard ids discord.js reads from SHARDS / SHARD_COUNT.
 */
import { ConfigError, loadConfig } from "../config.ts";
import { createLogger } from "../log.ts";
import { start } from "../main.ts";
import { shardStateFile } from "./ingest.ts";

const shardIds = process.env.SHARDS ?? "?";
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  process.stderr.write(`shard ${shardIds}: ${err instanceof ConfigError ? err.message : String(err)}\n`);
  process.exit(1);
}
const logger = createLogger({
  level: config.logLevel,
  secrets: [config.discordToken],
  destination: process.stderr,
}).child({ shard: shardIds });
try {
  // SHARD_COUNT here is the manager's total, not a request to shard again: run one gateway bot.
  // Each shard keeps the feeds of its own servers in its own state file.
  const feedStateFile = shardStateFile(config.feedStateFile, shardIds);
  await start({ ...config, shardCount: null, interactionsPort: null, feedStateFile }, logger);
} catch (err) {
  logger.fatal({ err }, "shard: could not start");
  process.exit(1);
}
