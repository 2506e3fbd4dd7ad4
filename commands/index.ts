/**
 * The one list of commands and button handlers, shared by registration (`npm run deploy`), the router
 * (gateway and HTTP endpoint) and the tests.
 */
import articles from "./articles.ts";
import ask from "./ask.ts";
import { buttons } from "./buttons.ts";
import feed from "./feed.ts";
import findSources from "./find-sources.ts";
import forget from "./forget.ts";
import help from "./help.ts";
import ingest from "./ingest.ts";
import summary from "./summary.ts";
import type { Command, ComponentHandler } from "./types.ts";
import who from "./who.ts";

export const commands: readonly Command[] = [
  ask,
  who,
  summary,
  articles,
  help,
  findSources,
  ingest,
  forget,
  feed,
];

export const components: readonly ComponentHandler[] = buttons;

/** The JSON Discord registers (`PUT /applications/{id}/commands`). */
export function commandData() {
  return commands.map((c) => c.data);
}
