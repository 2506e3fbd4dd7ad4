/**
 * The command line: the same commands as the bot, in a terminal.
 *
 *   npm run --silent cli -- ask "Where did Assad flee?" [--knowledge DIR] [--limit N] [--json] [--guild ID]
 *   npm run --silent cli -- articles [filter] [--page N] [--json]
 *   npm run --silent cli -- ingest <url|file> [--guild ID] [--json]
 *
 * `runCommand` is shared with the local console (src/console.ts), so `/ask …` there prints exactly
 * what `cli ask …` prints.
 */
import { parseArgs } from "node:util";
import type { Newsdesk } from "./core/desk.ts";
import {
  plainStyle,
  renderAnswer,
  renderArticleList,
  renderSummary,
  renderWho,
  type TextStyle,
} from "./render/text.ts";

/** What a command printed: text for stdout, and the exit code. */
export interface CommandOutput {
  readonly stdout: string;
  readonly exitCode: number;
}

/** A user-facing problem with a command line (unknown option, bad number…). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export const COMMANDS = ["ask", "who", "summary", "articles", "ingest", "help"] as const;

const OPTIONS = {
  knowledge: { type: "string", multiple: true },
  limit: { type: "string" },
  page: { type: "string" },
  topic: { type: "string" },
  guild: { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

export const USAGE = `Usage: npm run --silent cli -- <command> [arguments] [options]

Commands:
  ask <question>        the best-matching sentences, verbatim, each cited
  who <name>            a person (or organisation, place) through the news: roles, mentions, quotes
  summary [article]     3-5 sentences of an article (id or title words; default the newest)
  summary --topic WORDS a summary across the articles on a topic
  articles [filter]     the articles, newest first (--page N)
  ingest <url|file>     add an article from a web page or a .md, .txt or .html file
                        (with --guild ID: for that server only; INGEST_ALLOWLIST applies)
  help                  this text

Options:
  --knowledge DIR       knowledge folder (default: KNOWLEDGE_DIR or ./knowledge); may be repeated
  --limit N             how many results (1-25, default 5)
  --page N              page of a listing (default 1)
  --topic WORDS         summarise a topic across articles
  --guild ID            answer as that Discord server sees the knowledge (ingest: add for it)
  --json                print one JSON object instead of text`;

export interface ParsedCommand {
  readonly command: string;
  readonly args: string[];
  readonly knowledge: string[];
  readonly limit: number | undefined;
  readonly page: number | undefined;
  readonly topic: string | null;
  readonly guild: string | null;
  readonly json: boolean;
  readonly help: boolean;
}

function positiveInt(name: string, raw: string | undefined, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new UsageError(`--${name} must be a whole number from 1 to ${max}, got "${raw}"`);
  }
  return n;
}

/** Parses a command line (without the program name). Throws UsageError naming the bad option. */
export function parseCommandLine(argv: readonly string[]): ParsedCommand {
  let parsed: ReturnType<
    typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; args: string[] }>
  >;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    const msg = (err as Error).message.replace(/\. To specify a positional argument.*$/s, "");
    throw new UsageError(msg);
  }
  const [command = "help", ...args] = parsed.positionals;
  return {
    command: command.replace(/^\//, "").toLowerCase(),
    args,
    knowledge: parsed.values.knowledge ?? [],
    limit: positiveInt("limit", parsed.values.limit, 25),
    page: positiveInt("page", parsed.values.page, 100_000),
    topic: parsed.values.topic ?? null,
    guild: parsed.values.guild ?? null,
    json: parsed.values.json,
    help: parsed.values.help,
  };
}

/** Runs one parsed command against the desk. */
export function runCommand(desk: Newsdesk, cmd: ParsedCommand, style: TextStyle = plainStyle): CommandOutput {
  const json = (value: unknown): CommandOutput => ({ stdout: JSON.stringify(value), exitCode: 0 });
  if (cmd.help || cmd.command === "help") return { stdout: USAGE, exitCode: 0 };
  switch (cmd.command) {
    case "ask": {
      const answer = desk.ask(cmd.args.join(" "), {
        ...(cmd.limit ? { limit: cmd.limit } : {}),
        ...(cmd.page && cmd.limit ? { offset: (cmd.page - 1) * cmd.limit } : {}),
        guild: cmd.guild,
      });
      if (cmd.json) return json(answer);
      return { stdout: renderAnswer(answer, style), exitCode: answer.status === "invalid" ? 2 : 0 };
    }
    case "who": {
      const answer = desk.who(cmd.args.join(" "), {
        ...(cmd.limit ? { limit: cmd.limit } : {}),
        ...(cmd.page && cmd.limit ? { offset: (cmd.page - 1) * cmd.limit } : {}),
        guild: cmd.guild,
      });
      if (cmd.json) return json(answer);
      return { stdout: renderWho(answer, style), exitCode: answer.status === "invalid" ? 2 : 0 };
    }
    case "summary": {
      const summary = desk.summary(cmd.args.join(" ") || null, {
        ...(cmd.topic !== null ? { topic: cmd.topic } : {}),
        guild: cmd.guild,
      });
      if (cmd.json) return json(summary);
      return { stdout: renderSummary(summary, style), exitCode: summary.status === "invalid" ? 2 : 0 };
    }
    case "articles": {
      const list = desk.listArticles(cmd.args.join(" "), {
        ...(cmd.page ? { page: cmd.page } : {}),
        ...(cmd.limit ? { pageSize: cmd.limit } : {}),
        guild: cmd.guild,
      });
      return cmd.json ? json(list) : { stdout: renderArticleList(list, style), exitCode: 0 };
    }
    default:
      throw new UsageError(`unknown command "${cmd.command}"; commands: ${COMMANDS.join(", ")}`);
  }
}

/** `npm run cli`: parse, open the knowledge, run, print. */
async function main(argv: readonly string[]): Promise<number> {
  const [{ loadConfig, ConfigError }, { createLogger }, { openKnowledge }, { ansiStyle }] = await Promise.all(
    [import("./config.ts"), import("./log.ts"), import("./cache.ts"), import("./render/text.ts")],
  );
  let cmd: ParsedCommand;
  try {
    cmd = parseCommandLine(argv);
  } catch (err) {
    process.stderr.write(`cli: ${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (cmd.help || cmd.command === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let config: import("./config.ts").Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (cmd.command === "ingest") {
    // Writes one file; the knowledge is not loaded (a running bot picks the file up by itself).
    const { runIngestCommand } = await import("./ingest/cli.ts");
    const out = await runIngestCommand(cmd.args[0], {
      knowledgeDir: cmd.knowledge[0] ?? config.knowledgeDir,
      allowlist: config.ingestAllowlist,
      guild: cmd.guild,
      json: cmd.json,
    });
    // Refusals go to stderr, except with --json, where stdout always carries one object.
    (out.exitCode === 0 || cmd.json ? process.stdout : process.stderr).write(`${out.stdout}\n`);
    return out.exitCode;
  }
  const logger = createLogger({
    level: config.logLevel,
    secrets: [config.discordToken],
    destination: process.stderr,
  });
  const dirs = cmd.knowledge.length > 0 ? cmd.knowledge : [config.knowledgeDir];
  const { desk } = await openKnowledge(dirs, {
    logger,
    onProgress: (done, total) => {
      if (total >= 1000)
        process.stderr.write(`loading knowledge: ${done}/${total} files\r${done === total ? "\n" : ""}`);
    },
  });
  try {
    const out = runCommand(desk, cmd, !cmd.json && process.stdout.isTTY ? ansiStyle : undefined);
    process.stdout.write(`${out.stdout}\n`);
    return out.exitCode;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`cli: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`cli: ${(err as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
