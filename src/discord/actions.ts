import { Routes } from "discord.js";
import type { DiscordActions } from "../../commands/types.ts";
import type { RestClient } from "./responder.ts";

/** Channel actions over the REST API with the bot token (same for the gateway and the HTTP endpoint). */
export function restActions(rest: RestClient): DiscordActions {
  return {
    async pin(channelId, messageId) {
      await rest.put(Routes.channelMessagesPin(channelId, messageId));
    },
  };
}
