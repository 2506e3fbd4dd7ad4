/**
 * Child process for the crash test in store.test.ts: writes articles in a loop until it is killed.
 * Usage: node --import tsx atomic-writer.ts <knowledge dir> <save|replace> <first number>
 */
import { join } from "node:path";
import { saveArticle, writeFileAtomic } from "../../src/ingest/store.ts";

export const PARAGRAPHS = 400;

export function articleText(n: number): string {
  const paragraphs = Array.from(
    { length: PARAGRAPHS },
    (_, p) =>
      `Paragraph ${p + 1} of article ${n} reports on the harbour, the council and the weather at length.`,
  );
  return `---\ntitle: "Article ${n}"\n---\n\n${paragraphs.join("\n\n")}\n\nEND ${n}.\n`;
}

async function main(): Promise<void> {
  const [dir, mode, first] = process.argv.slice(2);
  if (!dir || (mode !== "save" && mode !== "replace")) throw new Error("atomic-writer: bad arguments");
  let n = Number(first);
  process.stdout.write("ready\n");
  for (;;) {
    if (mode === "save") await saveArticle(dir, "42", articleText(n));
    else await writeFileAtomic(join(dir, "guilds", "42", "replaced.md"), articleText(n));
    n++;
  }
}

if (process.argv[1]?.endsWith("atomic-writer.ts")) {
  main().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
}
