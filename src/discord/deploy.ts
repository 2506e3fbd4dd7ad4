/**
 * Registers the commands from `commands/index.ts`: to one server when a guild id is given (instant, for
 * development), else globally. Used by `npm run deploy` (deploy-main.ts) and by the tests.
 *
 * @example
 * await deployCommands({ rest, applicationId, guildId: config.discordGuildId });
 */
import { Routes } from "discord.js";
import { commandData } from "../../commands/index.ts";
import type { RestClient } from "./responder.ts";

export interface DeployResult {
  scope: "guild" | "global";
  names: string[];
}

export async function deployCommands(options: {
  rest: RestClient;
  applicationId: string;
  guildId?: string | null;
  data?: ReturnType<typeof commandData>;
}): Promise<DeployResult> {
  const body = options.data ?? commandData();
  const route = options.guildId
    ? Routes.applicationGuildCommands(options.applicationId, options.guildId)
    : Routes.applicationCommands(options.applicationId);
  try {
    await options.rest.put(route, { body });
  } catch (err) {
    throw new Error(
      `deploy: registering ${body.length} commands ${options.guildId ? `to server ${options.guildId}` : "globally"} failed: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return { scope: options.guildId ? "guild" : "global", names: body.map((c) => c.name) };
}
