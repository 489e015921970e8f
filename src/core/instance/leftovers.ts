import type { SessionState } from "./runtime.ts";

/**
 * A host process a session starts and records in state.json, described so the reaper can end it
 * when its supervisor died without tearing down (SIGKILL, a crash). Pure: the reaper reads the
 * state and /proc, and asks this whether the pid is still ours before it signals anything.
 */
export interface LeftoverProcess {
  /** What it is, for messages: "Xephyr", "the desktop bus". */
  readonly what: string;
  /** The pid and start time the session recorded for it, if it got that far. */
  recorded(state: SessionState): { pid: number; start?: string } | undefined;
  /**
   * Whether a live process with that pid is still the one we started, by its command line:
   * pids get reused, and a start time alone can match a process of another user's session.
   */
  isOurs(argv: string[], runtimeRoot: string): boolean;
}

/** The processes of a dead session that may be ended: recorded, alive as that very process, and ours by their command line. */
export function leftoversToEnd(
  state: SessionState,
  kinds: readonly LeftoverProcess[],
  host: {
    runtimeRoot: string;
    isAlive(pid: number, start: string | undefined): boolean;
    commandLine(pid: number): string[];
  },
): { pid: number; what: string }[] {
  const toEnd: { pid: number; what: string }[] = [];
  for (const kind of kinds) {
    const recorded = kind.recorded(state);
    if (!recorded || !host.isAlive(recorded.pid, recorded.start)) continue;
    if (kind.isOurs(host.commandLine(recorded.pid), host.runtimeRoot))
      toEnd.push({ pid: recorded.pid, what: kind.what });
  }
  return toEnd;
}
