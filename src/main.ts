/**
 * `npm start`: configuration → knowledge → Discord (with DISCORD_TOKEN) or the local console.
 */
import { openKnowledge } from "./cache.ts";
import { type Config, ConfigError, loadConfig } from "./config.ts";
import { runConsole } from "./console.ts";
import type { Newsdesk } from "./core/desk.ts";
import { type AppLogger, createLogger } from "./log.ts";
import { ansiStyle } from "./render/text.ts";
import { watchKnowledge } from "./watch.ts";

export interface Started {
  readonly mode: "discord" | "console" | "http" | "shards";
  /** Resolves when the process should exit (console closed); stops the bot when called. */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

/** Starts Newsdesk as `npm start` does; tests call it with their own config. */
export async function start(config: Config, logger: AppLogger): Promise<Started> {
  // HTTP interactions endpoint (issue 5): listens before loading, so /readyz can say "not yet".
  // With HTTP_WORKERS > 1 this (primary) process only forks and supervises workers, which run this same
  // entry point and take the branch below.
  if (config.interactionsPort !== null) {
    const { startHttp } = await import("./http/start.ts");
    return startHttp(config, logger);
  }
  // Gateway sharding (issue 5): this process only manages; each shard process loads the knowledge itself.
  if (config.shardCount !== null && config.discordToken) {
    const { startShards } = await import("./discord/shard.ts");
    return startShards(config, logger);
  }
  const opened = await openKnowledge(config.knowledgeDir, {
    logger,
    // A bot runs for long: fill the term cache in the background (the console would only be slowed).
    warm: config.discordToken !== null,
    onProgress: (done, total) => {
      if (total >= 1000) logger.info(`knowledge: loaded ${done}/${total} files`);
    },
  });
  const { desk } = opened;
  logger.info(
    `knowledge: ${desk.articles.length} articles, ${desk.sentenceCount} sentences from ${config.knowledgeDir}` +
      ` (${opened.cached ? "index cache" : "indexed"} in ${Math.round(opened.timings.totalMs)} ms)`,
  );
  // Files added, changed or removed in the knowledge folder reach the index without a restart.
  const watcher = watchKnowledge(config.knowledgeDir, desk, {
    logger,
    cacheDir: ".cache",
    warnings: opened.warnings,
  });
  if (config.discordToken) {
    const { startBot } = await import("./discord/bot.ts");
    // /ingest, /forget and /feed write into the knowledge folder; the change reaches the index at once.
    const [{ createFeedPoller, createIngestServices, FeedNotifier }, { RateLimiter }] = await Promise.all([
      import("./discord/ingest.ts"),
      import("./ingest/rate-limit.ts"),
    ]);
    const update = (changes: Parameters<typeof desk.update>[0]) => desk.update(changes);
    const notifier = new FeedNotifier({ logger });
    const feeds = createFeedPoller({ config, update, notifier, logger });
    await feeds.load();
    const ingest = createIngestServices({
      knowledgeDir: config.knowledgeDir,
      allowlist: config.ingestAllowlist,
      limiter: new RateLimiter({
        capacity: config.ingestBurst,
        refillEveryMs: config.ingestRefillSeconds * 1000,
      }),
      update,
      feeds,
    });
    const bot = await startBot({ config, desk, logger, ingest });
    notifier.attach(bot.client.rest);
    feeds.start();
    logger.info({ feeds: feeds.list().length, everyMinutes: config.feedIntervalMinutes }, "feeds: polling");
    logger.info("discord: connected; serving slash commands");
    let resolveDone: () => void = () => {};
    const done = new Promise<void>((r) => {
      resolveDone = r;
    });
    return {
      mode: "discord",
      done,
      stop: async () => {
        await feeds.stop();
        await bot.stop();
        await watcher.close();
        resolveDone();
      },
    };
  }
  const done = runConsole(desk, {
    input: process.stdin,
    output: process.stdout,
    ...(process.stdout.isTTY ? { style: ansiStyle } : {}),
    ingest: (line) => consoleIngest(line, config, desk),
  }).then(() => watcher.close());
  return {
    mode: "console",
    done,
    stop: async () => {
      process.stdin.destroy();
    },
  };
}

/**
 * `/ingest <url|file> [--guild ID] [--json]` in the local console: as `cli ingest`, and the new article is
 * applied to the index at once (the watcher would pick it up a moment later).
 */
export async function consoleIngest(
  line: string,
  config: Pick<Config, "knowledgeDir" | "ingestAllowlist">,
  desk: Pick<Newsdesk, "update">,
): Promise<string> {
  const [{ parseCommandLine, UsageError }, { runIngestCommand }, { loadArticleFile }] = await Promise.all([
    import("./cli.ts"),
    import("./ingest/cli.ts"),
    import("./knowledge.ts"),
  ]);
  let cmd: ReturnType<typeof parseCommandLine>;
  try {
    cmd = parseCommandLine(line.trim().split(/\s+/));
  } catch (err) {
    if (err instanceof UsageError) return `${err.message}. Type /help for the commands.`;
    throw err;
  }
  const options = { knowledgeDir: config.knowledgeDir, allowlist: config.ingestAllowlist, guild: cmd.guild };
  const out = await runIngestCommand(cmd.args[0], { ...options, json: cmd.json });
  if (out.exitCode !== 0) return out.stdout;
  const id = cmd.json
    ? (JSON.parse(out.stdout) as { id: string }).id
    : (/ as (\S+): \d+ sentences?\.$/.exec(out.stdout)?.[1] ?? null);
  if (id !== null) {
    const loaded = loadArticleFile(config.knowledgeDir, `${id}.md`);
    if ("article" in loaded) desk.update({ upsert: [loaded.article] });
  }
  return out.stdout;
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger({
    level: config.logLevel,
    secrets: [config.discordToken],
    destination: process.stderr,
  });
  try {
    const started = await start(config, logger);
    await started.done;
    if (started.mode === "console") process.exit(0);
  } catch (err) {
    logger.fatal({ err }, "newsdesk: could not start");
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
