/**
 * The benchmark's entry (scripts/bench.ts runs it): the common flags, the parts, and one run
 * of the chosen parts in one sandbox, their reports printed and, with --write, put into
 * docs/benchmarks.md (each part between its own markers). See "How it is measured" there.
 *
 *   npx bun scripts/bench.ts [--startup | --clipboard] [--write] [--bin PATH] [--verbose] [--timeout-ms N]
 *
 * Every part runs unless one flag picks one. --verbose shows each run's milestones and what
 * dockercask logged. Everything it starts lives in a private XDG sandbox and is torn down (and
 * checked to be gone) after every run, and on Ctrl+C. Exits non-zero on errors, not on a missed
 * target. Nothing happens at import.
 */
import { join } from "node:path";
import { type ParseArgsOptionsConfig, parseArgs } from "node:util";
import { clipboard } from "./clipboard.ts";
import { BenchError, fail } from "./errors.ts";
import type { BenchPart, FlagValues } from "./part.ts";
import { log } from "./process.ts";
import { machineLines, writeDoc } from "./report.ts";
import { createSandbox, removeSandbox, tearDownOnSignals } from "./sandbox.ts";
import { startup } from "./startup.ts";

/** The parts, in the order they run: a new part is one more entry. */
// biome-ignore lint/suspicious/noExplicitAny: each part keeps its own option type; the list only passes them back to it.
export const PARTS: BenchPart<any>[] = [startup, clipboard];

/**
 * The parts that bring their own sandbox, instances and flags, and run alone: `--<name>` picks
 * one and hands it the rest of the flags (`--<name> --help` lists them). Loaded only when picked.
 */
const STANDALONE: Record<string, () => Promise<(argv: string[]) => Promise<number>>> = {
  scale: async () => (await import("./scale.ts")).runScale,
  sound: async () => (await import("./sound.ts")).runSound,
  bridge: async () => (await import("./bridge.ts")).runBridgeBench,
  network: async () => (await import("./network.ts")).runNetworkBench,
  files: async () => (await import("./files.ts")).runFilesBench,
  deb: async () => (await import("./deb.ts")).runDebBench,
  pixels: async () => (await import("./pixels.ts")).runPixelsBench,
};

const ROOT = join(import.meta.dir, "../..");

const COMMON_FLAGS = {
  bin: { type: "string", default: join(ROOT, "dist/dockercask") },
  "timeout-ms": { type: "string", default: "30000" },
  write: { type: "boolean", default: false },
  verbose: { type: "boolean", default: false },
  help: { type: "boolean", default: false },
} as const satisfies ParseArgsOptionsConfig;

export function usage(parts: BenchPart<unknown>[] = PARTS): string {
  const pick = parts.map((p) => `--${p.name}`).join(" | ");
  return [
    `usage: bun scripts/bench.ts [${pick}] [--write] [--bin PATH] [--verbose] [--timeout-ms N]`,
    ...parts.map((p) => `  ${p.usage}`),
    `   or: bun scripts/bench.ts ${Object.keys(STANDALONE)
      .map((n) => `--${n}`)
      .join(" | ")} [its flags: --help lists them]`,
  ].join("\n");
}

interface BenchOptions {
  help: boolean;
  bin: string;
  write: boolean;
  verbose: boolean;
  timeoutMs: number;
  /** The parts to run, each with its own parsed options. */
  runs: { part: BenchPart<unknown>; options: unknown }[];
}

/** The flags of `argv`; throws a BenchError for a bad one. */
export function parseBenchArgs(argv: string[], parts: BenchPart<unknown>[] = PARTS): BenchOptions {
  const options: ParseArgsOptionsConfig = { ...COMMON_FLAGS };
  for (const part of parts) Object.assign(options, part.flags, { [part.name]: { type: "boolean", default: false } });
  let values: FlagValues;
  try {
    values = parseArgs({ args: argv, options, strict: true }).values as FlagValues;
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  const help = values.help === true;
  const timeoutMs = Number(values["timeout-ms"]);
  if (!help && !(timeoutMs > 0)) fail("--timeout-ms must be a number");
  const picked = parts.filter((p) => values[p.name] === true);
  if (picked.length > 1)
    fail(`${picked.map((p) => `--${p.name}`).join(" and ")} each pick one part; give none for all`);
  const chosen = picked.length ? picked : parts;
  const runs = help ? [] : chosen.map((part) => ({ part, options: part.parse(values) }));
  return {
    help,
    bin: String(values.bin),
    write: values.write === true,
    verbose: values.verbose === true,
    timeoutMs,
    runs,
  };
}

/** Runs the benchmark as `argv` asks; resolves with the exit code. */
export async function runBench(argv: string[]): Promise<number> {
  const alone = Object.keys(STANDALONE).filter((name) => argv.includes(`--${name}`));
  if (alone.length) {
    const others = [...alone.slice(1), ...PARTS.map((p) => p.name).filter((name) => argv.includes(`--${name}`))];
    if (others.length) {
      process.stderr.write(
        `bench: --${alone[0]} runs alone, not with ${others.map((n) => `--${n}`).join(" or ")}\n${usage()}\n`,
      );
      return 2;
    }
    const run = await STANDALONE[alone[0]!]!();
    return run(argv.filter((a) => a !== `--${alone[0]}`));
  }
  let options: BenchOptions;
  try {
    options = parseBenchArgs(argv);
  } catch (error) {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n${usage()}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const live = new Set<() => Promise<void>>();
  let sandboxDir: string | undefined;
  const signals = tearDownOnSignals(live, () => sandboxDir);
  try {
    const box = await createSandbox(options.bin, { live, verbose: options.verbose, timeoutMs: options.timeoutMs });
    sandboxDir = box.dir;
    const reports: { part: BenchPart<unknown>; options: unknown; text: string }[] = [];
    for (const { part, options: partOptions } of options.runs)
      reports.push({ part, options: partOptions, text: await part.run(box, partOptions) });
    const machine = await machineLines(box.bin);
    removeSandbox(box.dir);
    sandboxDir = undefined;

    for (const report of reports) process.stdout.write(`\n${report.text}\n`);
    if (options.write) {
      for (const { part, options: partOptions, text } of reports) {
        const [start, end] = part.doc.markers;
        writeDoc(
          `${start}\n${machine}\n${part.doc.command(partOptions)}\n\n${text}\n${end}`,
          part.doc.markers,
          part.doc.section,
        );
      }
      log("wrote docs/benchmarks.md");
    }
    return 0;
  } catch (error) {
    // Interrupted: the signal handler tears down and sets the exit code.
    if (signals.stopping) return new Promise<number>(() => {});
    process.stderr.write(
      `bench: ${error instanceof BenchError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  } finally {
    if (sandboxDir && !signals.stopping) removeSandbox(sandboxDir);
  }
}
