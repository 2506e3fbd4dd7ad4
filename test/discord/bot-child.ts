/**
 * A bot process for the shutdown test: wired like `npm start` with DISCORD_TOKEN (config from the
 * environment → knowledge → core → startBot), then it provokes an unhandled rejection, which must be
 * logged and survived.
 */

import { loadConfig } from "../../src/config.ts";
import { Newsdesk } from "../../src/core/desk.ts";
import { startBot } from "../../src/discord/bot.ts";
import { loadKnowledge } from "../../src/knowledge.ts";
import { createLogger } from "../../src/log.ts";

const config = loadConfig({ envFile: null });
const logger = createLogger({ level: config.logLevel, secrets: [config.discordToken] });
const { articles } = await loadKnowledge(config.knowledgeDir, { logger });
await startBot({ config, desk: Newsdesk.build(articles), logger });
process.stdout.write("READY\n");
void Promise.reject(new Error("stray rejection on purpose"));
setTimeout(() => process.stdout.write("ALIVE\n"), 300);
