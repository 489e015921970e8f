/**
 * What a part of the benchmark is: its own flags, how it runs in the sandbox, and its section of
 * docs/benchmarks.md. scripts/bench/main.ts lists the parts (PARTS); a new one is one entry there.
 */
import type { ParseArgsOptionsConfig } from "node:util";
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
