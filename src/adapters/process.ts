import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { DockercaskError } from "../core/errors.ts";
import { parseProcStartTime } from "../core/instance/runtime.ts";

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Set when it was killed for running past its timeout. */
  timedOut?: true;
}

/**
 * Runs a program to completion: stdout and stderr are drained while it runs (a full pipe
 * must never stall it), it is killed after `timeoutMs`, and failures carry argv and stderr.
 * Secrets go in `stdin`, never in argv.
 */
export async function runProgram(
  argv: string[],
  options: { stdin?: string; timeoutMs?: number; env?: Record<string, string | undefined> } = {},
): Promise<CommandResult> {
  const proc = Bun.spawn(argv, {
    stdin: options.stdin === undefined ? "ignore" : new Blob([options.stdin]),
    stdout: "pipe",
    stderr: "pipe",
    env: options.env as Record<string, string> | undefined,
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, options.timeoutMs ?? 10_000);
  try {
    const [code, stdout, stderr] = await Promise.all([
      proc.exited,
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
    ]);
    return timedOut ? { code, stdout, stderr, timedOut } : { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** Like runProgram, but a non-zero exit is an error naming the command and its stderr. */
export async function runChecked(argv: string[], options: Parameters<typeof runProgram>[1] = {}): Promise<string> {
  const result = await runProgram(argv, options);
  if (result.code !== 0) {
    throw new DockercaskError(
      `${argv.join(" ")} failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`,
      {
        code: "E_COMMAND",
      },
    );
  }
  return result.stdout;
}

/**
 * Runs a program on our own terminal (stdin, stdout and stderr inherited, so it can be
 * interactive) and resolves with its exit code.
 */
export function runAttached(argv: string[]): Promise<number> {
  return Bun.spawn(argv, { stdio: ["inherit", "inherit", "inherit"] }).exited;
}

/** The kernel's start time of a process, or undefined when it does not exist. */
export function processStartTime(pid: number): string | undefined {
  try {
    return parseProcStartTime(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return undefined;
  }
}

/** True when `pid` is still the very process that had `start` as its start time. */
export function isSameProcessAlive(pid: number, start: string | undefined): boolean {
  const now = processStartTime(pid);
  return now !== undefined && (start === undefined || now === start);
}

export function processCommandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return [];
  }
}

/** Ends a process by its pid (SIGTERM); one that is already gone is no error. */
export function endProcess(pid: number): void {
  try {
    process.kill(pid, "SIGTERM");
  } catch {}
}

/** How to start this program again: the compiled binary, or bun with the entry script. */
export function selfArgv(): string[] {
  return /^bun(\.exe)?$/.test(basename(process.execPath)) && process.argv[1]
    ? [process.execPath, process.argv[1]]
    : [process.execPath];
}

/** Who the supervisor is, for the labels and the state: its pid and start time tell it from a reused pid. */
export function supervisorIdentity(): { pid: number; start: string } {
  return { pid: process.pid, start: processStartTime(process.pid) ?? "" };
}
