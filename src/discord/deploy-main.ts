/** `npm run deploy`: register the slash commands with Discord (guild when DISCORD_GUILD_ID is set). */
import { REST } from "discord.js";
import { ConfigError, loadConfig, requireKeys } from "../config.ts";
import { createLogger } from "../log.ts";
import { deployCommands } from "./deploy.ts";

try {
  const config = loadConfig();
  requireKeys(config, ["DISCORD_TOKEN", "DISCORD_APPLICATION_ID"]);
  const logger = createLogger({ level: config.logLevel, secrets: [config.discordToken] });
  const rest = new REST({ api: config.discordApiUrl }).setToken(config.discordToken as string);
  const result = await deployCommands({
    rest,
    applicationId: config.discordApplicationId as string,
    guildId: config.discordGuildId,
  });
  logger.info(result, `deploy: registered ${result.names.length} commands (${result.scope})`);
  console.log(
    `Registered ${result.names.join(", ")} ${result.scope === "guild" ? `to server ${config.discordGuildId}` : "globally (may take up to an hour to appear)"}.`,
  );
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `deploy: ${(err as Error).message}`);
  process.exitCode = 1;
}
