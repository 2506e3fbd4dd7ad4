/**
 * The local console: the bot's commands in a terminal, for running Newsdesk without Discord.
 * `/ask reconstruction` here prints exactly what `npm run cli -- ask reconstruction` prints.
 */
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { parseCommandLine, runCommand, UsageError } from "./cli.ts";
import type { Newsdesk } from "./core/desk.ts";
import type { TextStyle } from "./render/text.ts";
import { plainStyle } from "./render/text.ts";

export const CONSOLE_BANNER = `Newsdesk is running locally: no DISCORD_TOKEN is set, so nothing connects to Discord.
Type a command as you would in Discord, e.g. /ask reconstruction, /articles, /help. Ctrl-D or Ctrl-C exits.
To connect it to Discord: copy .env.example to .env, set DISCORD_TOKEN and DISCORD_APPLICATION_ID,
run npm run deploy once, then npm start (see README.md).`;

/** The console's answer to one line ("" for a blank line). Never throws. */
export function answerLine(desk: Newsdesk, line: string, style: TextStyle = plainStyle): string {
  const trimmed = line.trim();
  if (trimmed === "") return "";
  const words = trimmed.split(/\s+/);
  if (!words[0]!.startsWith("/")) words.unshift("/ask");
  try {
    return runCommand(desk, parseCommandLine(words), style).stdout;
  } catch (err) {
    if (err instanceof UsageError) return `${err.message}. Type /help for the commands.`;
    return `Something went wrong: ${(err as Error).message}`;
  }
}

/**
 * Runs the console over `input`/`output` until end of input or Ctrl-C; resolves when it has closed.
 */
export function runConsole(
  desk: Newsdesk,
  io: {
    input: Readable;
    output: Writable;
    style?: TextStyle;
    banner?: string;
    /** Answers `/ingest …` lines (adding an article takes a fetch); without it they are unknown commands. */
    ingest?: (line: string) => Promise<string>;
  },
): Promise<void> {
  const rl = createInterface({ input: io.input, output: io.output, prompt: "newsdesk> ", terminal: false });
  // The reader went away (`npm start | head`): stop quietly instead of crashing on EPIPE.
  let gone = false;
  io.output.on("error", () => {
    gone = true;
    rl.close();
  });
  const write = (text: string) => {
    if (!gone) io.output.write(`${text}\n`);
  };
  write(io.banner ?? CONSOLE_BANNER);
  rl.prompt();
  // Lines are answered in order, also while an /ingest is still fetching.
  let queue: Promise<void> = Promise.resolve();
  rl.on("line", (line) => {
    queue = queue.then(async () => {
      const ingest = io.ingest && /^\/ingest(\s|$)/i.test(line.trim()) ? io.ingest : null;
      const out = ingest
        ? await ingest(line).catch((err: unknown) => `Something went wrong: ${(err as Error).message}`)
        : answerLine(desk, line, io.style);
      if (out) write(out);
      rl.prompt();
    });
  });
  return new Promise((resolve) => {
    rl.on("SIGINT", () => rl.close());
    rl.on("close", () => {
      void queue.then(() => {
        write("\nbye");
        resolve();
      });
    });
  });
}
