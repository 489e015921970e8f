import { describe, expect, test } from "bun:test";
import { type Resolvable, renderUsage } from "citty";
import { type AnyCommandDef, describeCommandTree } from "../../../../src/cli/_command-tree.ts";
import { main } from "../../../../src/cli/index.ts";
import {
  type CommandInfo,
  hasNegativeForm,
  usageLine,
  walkCommands,
} from "../../../../src/core/commands/command-tree.ts";
import { renderManPage, text } from "../../../../src/core/commands/man-page.ts";

const tree = await describeCommandTree(main);
const page = renderManPage(tree, { version: "1.2.3", date: "2026-01-02" });
const roff = (s: string) => s.replace(/\\/g, "\\e").replace(/-/g, "\\-");
// biome-ignore lint/suspicious/noControlCharactersInRegex: matches the ESC that starts an ANSI colour code, to strip it.
const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");

/** citty's own --help text for the command at `path`, as main.ts prints it. */
async function helpOf(path: string[]): Promise<string> {
  let command: AnyCommandDef = main;
  let parent: AnyCommandDef | undefined;
  for (const name of path) {
    const subs = (await (typeof command.subCommands === "function"
      ? command.subCommands()
      : command.subCommands)) as Record<string, Resolvable<AnyCommandDef>>;
    const sub = subs[name]!;
    parent = command;
    command = await (typeof sub === "function" ? sub() : sub);
  }
  return strip(await renderUsage(command, parent));
}

describe("renderManPage", () => {
  test("has the header, name and synopsis sections", () => {
    expect(page).toContain('.TH DOCKERCASK 1 "2026-01-02" "dockercask 1.2.3" "User Commands"');
    expect(page).toMatch(/^\.SH NAME\ndockercask \\- run desktop apps/m);
    for (const section of [
      "SYNOPSIS",
      "DESCRIPTION",
      "OPTIONS",
      "COMMANDS",
      "FILES",
      "ENVIRONMENT",
      "EXIT STATUS",
      "SEE ALSO",
    ]) {
      expect(page).toContain(`.SH ${section}\n`);
    }
  });

  const commands = walkCommands(tree).filter((c) => c.subcommands.length === 0);
  test.each(commands.map((c) => [c.path.join(" "), c] as [string, CommandInfo]))(
    "documents %s as --help does",
    async (_, command) => {
      const help = await helpOf(command.path);
      expect(page).toContain(`.SS "${roff(usageLine(command))}"`);
      expect(page).toContain(roff(command.description));
      // Every flag and argument --help shows is in the page, with its description.
      const flags = [...help.matchAll(/^\s+(?:-\w, )*--([a-z][a-z0-9-]*)/gm)].map((m) => m[1]!);
      const flagArgs = command.args.filter((a) => a.kind !== "positional");
      // A boolean with a negative form shows twice: --audio and --no-audio.
      expect(flags.length).toBe(flagArgs.length + flagArgs.filter(hasNegativeForm).length);
      for (const flag of flags) expect(page).toContain(`\\fB\\-\\-${roff(flag)}\\fR`);
      for (const arg of command.args) expect(page).toContain(roff(arg.description));
    },
  );

  test("leaves hidden commands out", () => {
    expect(page).not.toContain("__complete");
    expect(walkCommands(tree, { includeHidden: true }).some((c) => c.hidden)).toBe(true);
  });

  test.skipIf(Bun.spawnSync(["sh", "-c", "command -v groff"]).exitCode !== 0)(
    "groff renders it without a warning",
    () => {
      const proc = Bun.spawnSync(["groff", "-man", "-Tutf8", "-ww", "-z"], {
        stdin: new TextEncoder().encode(page),
        stderr: "pipe",
      });
      expect(proc.stderr.toString()).toBe("");
      expect(proc.exitCode).toBe(0);
    },
  );
});

describe("text", () => {
  test.each([
    ["plain words", "hello world", "hello world"],
    ["dashes are minus signs, so options copy as typed", "--no-cache", "\\-\\-no\\-cache"],
    ["a backslash is printed, not interpreted", "a\\b", "a\\eb"],
    ["a leading dot is not a request", ".config", "\\&.config"],
    ["a leading quote is not a request", "'x'", "\\&'x'"],
  ])("%s", (_, input, expected) => {
    expect(text(input)).toBe(expected);
  });
});
