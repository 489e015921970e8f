/**
 * The signals that end a session (and `clip --clear-after`), with what a process ended by each
 * exits with: 128 + its number, as a shell reports it.
 */
export const SIGNAL_CODES: Readonly<Record<string, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/** What a process ended by `signal` exits with: 128 + its number. */
export function signalExitCode(signal: string): number {
  return SIGNAL_CODES[signal] ?? 1;
}
