/**
 * The entry point, and the only place that turns an error into a message and an exit code.
 * Nothing below here calls process.exit().
 */
import { renderUsage, runCommand } from "citty";
import type { AnyCommandDef } from "./cli/_command-tree.ts";
import { commandNames, main } from "./cli/index.ts";
import { splitAtDashDash, takeFlag } from "./core/argv.ts";
import { ENGINE_FORMS, type EngineName } from "./core/container/engine-names.ts";
import { isDockercaskError, messageOf, UsageError } from "./core/errors.ts";
import { suggestNearest } from "./core/text/suggest.ts";
import { sanitizeTerminalText } from "./core/text/terminal-text.ts";
import { COMMIT, VERSION } from "./version.ts";

/** The exit code, or undefined to keep the one the command set (run passes on the app's). */
async function run(rawArgs: string[]): Promise<number | undefined> {
  // Flags after "--" belong to the app, not to us.
  const { ours } = splitAtDashDash(rawArgs);
  const verbose = ours.includes("--verbose");
  // --engine is global, before or after the command, and citty (0.2.2) has no global flag: a
  // command parses only the words after its name, with its own args, and is handed neither its
  // parent's parsed args nor its data, so `run --engine podman firefox` would read "podman" as
  // the app. Taken out here, and handed to whatever connects as DOCKERCASK_ENGINE (the variable
  // means the same).
  const engine = takeFlag(rawArgs, "--engine");
  if (engine.found) {
    if ("missing" in engine)
      return report(
        new UsageError(
          "--engine needs a value",
          `For example: --engine ${"podman" satisfies EngineName} (${ENGINE_FORMS}).`,
        ),
        verbose,
      );
    process.env.DOCKERCASK_ENGINE = engine.value;
    return run(engine.rest);
  }
  if (verbose) (await import("./adapters/log.ts")).setVerbose(true);
  try {
    if (ours.length === 1 && (ours[0] === "--version" || ours[0] === "-v")) {
      process.stdout.write(`dockercask ${VERSION} (${COMMIT})\n`);
      return 0;
    }
    if (ours.includes("--help") || ours.includes("-h") || ours.length === 0) {
      const usage = await renderUsage(...(await resolveCommand(ours)));
      process.stdout.write(`${colorEnabled(process.stdout) ? usage : stripAnsi(usage)}\n`);
      return 0;
    }
    await runCommand(main, { rawArgs });
    return undefined;
  } catch (error) {
    return report(error, verbose);
  }
}

async function resolveCommand(args: string[]): Promise<[AnyCommandDef, AnyCommandDef?]> {
  const name = args.find((a) => !a.startsWith("-"));
  const subCommands = main.subCommands as Record<string, () => Promise<AnyCommandDef>>;
  const load = name ? subCommands[name] : undefined;
  return load ? [await load(), main] : [main];
}

function colorEnabled(stream: { isTTY?: boolean }): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR;
}

function stripAnsi(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matches the ESC that starts an ANSI colour code, to strip it.
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}

function report(error: unknown, verbose: boolean): number {
  const write = (text: string) => process.stderr.write(`${text}\n`);
  const color = colorEnabled(process.stderr);
  const red = (s: string) => (color ? `\x1b[31m${s}\x1b[0m` : s);
  const dim = (s: string) => (color ? `\x1b[2m${s}\x1b[0m` : s);
  // A message can quote a recipe (a label's value, a failed build's last lines): on a
  // terminal it is shown, never interpreted. Our own colors are added after.
  const visible = (s: string) => (process.stderr.isTTY ? sanitizeTerminalText(s) : s);
  if (isDockercaskError(error)) {
    write(`${red("error:")} ${visible(error.message)}`);
    if (error.hint) write(dim(`hint: ${visible(error.hint)}`));
    if (verbose && error.cause) write(visible(String((error.cause as Error)?.stack ?? error.cause)));
    return error.exitCode;
  }
  if (error instanceof Error && error.name === "CLIError") {
    const code = (error as Error & { code?: string }).code;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: citty colours the command name: skip its ANSI ESC codes.
    const unknown = /Unknown command (?:\x1b\[\d+m)?([^\s\x1b]+)/.exec(error.message)?.[1];
    const suggestion = unknown ? suggestNearest(unknown, commandNames) : undefined;
    write(`${red("error:")} ${color ? error.message : stripAnsi(error.message)}`);
    write(
      dim(
        `hint: ${suggestion ? `did you mean "dockercask ${suggestion}"? ` : ""}"dockercask --help" lists the commands.`,
      ),
    );
    return code ? 2 : 1;
  }
  // Not ours: a bug or an environment we did not foresee. Keep it short unless asked.
  const message = messageOf(error);
  write(`${red("error:")} ${visible(message)}`);
  if (verbose && error instanceof Error) write(visible(error.stack ?? ""));
  else write(dim("hint: run again with --verbose for details, and report it if it looks like a bug."));
  return 1;
}

const code = await run(process.argv.slice(2));
if (code !== undefined) process.exitCode = code;
