/**
 * Processes as the benchmark parts handle them: the project's own spawn helper
 * (src/adapters/process.ts) for commands run to completion, and, for what the benchmark keeps
 * running, stream collection, bounded waits and checks that nothing is left behind.
 */
import { type CommandResult, runProgram } from "../../src/adapters/process.ts";
import { withTimeout as within } from "../../src/core/with-timeout.ts";
import { parseDisplayNumber } from "../../src/core/x11/xephyr.ts";
import { BenchError, fail } from "./errors.ts";

export type Proc = ReturnType<typeof Bun.spawn>;

export const now = () => performance.now();
export const log = (message: string) => process.stderr.write(`${message}\n`);

/** Long enough for `dockercask build`; runProgram's default (10 s) suits only quick commands. */
const COMMAND_TIMEOUT_MS = 30 * 60_000;

/** Runs a command to completion; its output drained, its failure returned, not thrown. */
export function sh(argv: string[], env: Record<string, string | undefined> = process.env): Promise<CommandResult> {
  return runProgram(argv, { env, timeoutMs: COMMAND_TIMEOUT_MS });
}

/** Like sh, but a non-zero exit fails the benchmark; the trimmed stdout. */
export async function shChecked(argv: string[]): Promise<string> {
  const result = await sh(argv);
  if (result.code !== 0) fail(`${argv.join(" ")} failed (exit ${result.code}): ${result.stderr.trim()}`);
  return result.stdout.trim();
}

/** Reads a stream to its end in the background; `text()` is what has come so far. */
export function collect(stream: ReadableStream<Uint8Array> | null | undefined): {
  text: () => string;
  done: Promise<void>;
} {
  let text = "";
  const done = (async () => {
    if (!stream) return;
    const decoder = new TextDecoder();
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  })().catch(() => {});
  return { text: () => text, done };
}

/** Waits for a process to exit; SIGKILL after `ms`. */
export async function exitWithin(proc: Proc, ms: number): Promise<number> {
  const timer = setTimeout(() => proc.kill("SIGKILL"), ms);
  try {
    return await proc.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** `promise`, or a BenchError naming `what` once `ms` have passed. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return within(promise, ms, () => new BenchError(`${what}: nothing after ${ms} ms`));
}

/** Waits (up to 15 s) until `check` holds; fails naming what was left behind. */
export async function untilGone(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = now() + 15_000;
  while (!(await check())) {
    if (now() > deadline) fail(`left behind after teardown: ${what}`);
    await Bun.sleep(20);
  }
}

export async function containersLabelled(label: string): Promise<string[]> {
  return (await shChecked(["docker", "ps", "-aq", "--filter", `label=${label}`])).split("\n").filter(Boolean);
}

/** The display number a Xephyr started with `-displayfd 1` reports on stdout; undefined if it ends first. */
export async function readDisplayNumber(proc: Proc): Promise<number | undefined> {
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes("\n")) {
    const next = await reader.read();
    if (next.done) return undefined;
    text += decoder.decode(next.value, { stream: true });
  }
  // Keep draining, so Xephyr never blocks on a full pipe.
  void (async () => {
    while (!(await reader.read().catch(() => ({ done: true }))).done);
  })();
  return parseDisplayNumber(text);
}
