/**
 * What a part of the benchmark is: its own flags, how it runs in the sandbox, and its section of
 * docs/benchmarks.md. scripts/bench/main.ts lists the parts (PARTS); a new one is one entry there.
 */
import { type ParseArgsOptionsConfig, parseArgs } from "node:util";
import type { Sandbox } from "./sandbox.ts";

export type FlagValues = Record<string, string | boolean | undefined>;

export interface BenchPart<Options = unknown> {
  /** `--<name>` runs this part alone; without any such flag every part runs. */
  name: string;
  /** Its own flags (node:util parseArgs, with defaults), described by `usage` under --help. */
  flags: ParseArgsOptionsConfig;
  usage: string;
  /** Its flags checked, fail() naming a bad one, and typed. */
  parse(values: FlagValues): Options;
  /** Runs it; resolves with the report to print (and, with --write, to put into its section). */
  run(box: Sandbox, options: Options): Promise<string>;
  /** Its section of docs/benchmarks.md: between `markers`; `section` is the text above them when the file has none; `command` how it was run. */
  doc: { markers: readonly [string, string]; section: string; command(options: Options): string };
}

/** Keeps a part's option type while listing it beside others. */
export const definePart = <Options>(part: BenchPart<Options>): BenchPart<Options> => part;

type ParsedValues<Flags extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{ args: string[]; options: Flags; strict: true }>
>["values"];

/**
 * The entry of a part that runs alone (main.ts's STANDALONE): `--help` prints its usage; a bad
 * flag, or a value `read` refuses by throwing, prints why and the usage and exits 2; else `run`
 * runs with the options `read` made. Resolves with the exit code.
 */
export async function runStandalone<Flags extends ParseArgsOptionsConfig, Options>(
  argv: string[],
  part: {
    flags: Flags;
    usage: string;
    read(values: ParsedValues<Flags>): Options;
    run(options: Options): Promise<void>;
  },
): Promise<number> {
  if (argv.includes("--help")) {
    process.stdout.write(`${part.usage}\n`);
    return 0;
  }
  let options: Options;
  try {
    options = part.read(parseArgs({ args: argv, options: part.flags, strict: true }).values);
  } catch (error) {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n${part.usage}\n`);
    return 2;
  }
  await part.run(options);
  return 0;
}

/**
 * A flag's value as a whole number of at least `min`, for a part's `read`: else it throws naming
 * the flag. `zero` says what 0 turns off, for a flag whose least is 0.
 */
export function wholeNumber(flag: string, value: string | undefined, min: number, zero?: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`--${flag} must be a whole number ${zero === undefined ? `of at least ${min}` : `(0: ${zero})`}`);
  return n;
}
