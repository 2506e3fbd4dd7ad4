import { describe, expect, it } from "vitest";
import { commandData, commands, components } from "../../commands/index.ts";

type Option = {
  type: number;
  name: string;
  description: string;
  max_length?: number;
  autocomplete?: boolean;
};

describe("command list", () => {
  it("GIVEN commands/index.ts THEN it lists exactly the public commands and button handlers", () => {
    expect(commands.map((c) => c.data.name)).toEqual([
      "ask",
      "who",
      "summary",
      "articles",
      "help",
      "Find sources",
      "ingest",
      "forget",
      "feed",
    ]);
    expect(components.map((c) => c.prefix)).toEqual(["ask1", "who1", "arts1", "ctx1", "share1"]);
    expect(commandData()).toHaveLength(9);
  });

  it("GIVEN every command THEN its registration JSON is valid for Discord", () => {
    for (const data of commandData()) {
      const d = data as { name: string; type?: number; description?: string; options?: Option[] };
      if (d.type === 3 || d.type === 2) {
        expect(d.name.length).toBeLessThanOrEqual(32);
        expect(d.description).toBeUndefined();
        continue;
      }
      expect(d.name).toMatch(/^[-_\p{Ll}\p{N}]{1,32}$/u);
      expect(d.description!.length).toBeGreaterThan(0);
      expect(d.description!.length).toBeLessThanOrEqual(100);
      expect((d.options ?? []).length).toBeLessThanOrEqual(25);
      for (const o of d.options ?? []) {
        expect(o.name).toMatch(/^[-_\p{Ll}\p{N}]{1,32}$/u);
        expect(o.description.length).toBeLessThanOrEqual(100);
        if (o.type === 3) expect(o.max_length, `${d.name}.${o.name} needs max_length`).toBeGreaterThan(0);
      }
    }
  });

  it("GIVEN /who and /summary THEN their name and article options autocomplete; /summary is for moderators by default", () => {
    const opts = (name: string) =>
      (commands.find((c) => c.data.name === name)!.data as { options: Option[] }).options;
    expect(opts("who").find((o) => o.name === "name")?.autocomplete).toBe(true);
    expect(opts("summary").find((o) => o.name === "article")?.autocomplete).toBe(true);
    const summary = commands.find((c) => c.data.name === "summary")!.data as {
      default_member_permissions?: string;
    };
    expect(summary.default_member_permissions).toBe(String(1n << 51n));
  });
});
