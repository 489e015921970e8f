import { createConsola, type ConsolaInstance } from "consola";

/**
 * The one logger. Everything it prints goes to stderr, so stdout carries only results
 * (tables, --json) and stays safe to pipe.
 */
export const log: ConsolaInstance = createConsola({
  stdout: process.stderr,
  stderr: process.stderr,
  level: process.env.DOCKERCASK_QUIET ? 1 : 3,
  formatOptions: { date: false },
});

export function setVerbose(verbose: boolean): void {
  if (verbose) log.level = 4;
}

/** Whether stderr is a terminal a human watches, where spinners and rewritten lines make sense. */
export function isInteractive(stream: { isTTY?: boolean } = process.stderr): boolean {
  return Boolean(stream.isTTY) && !process.env.CI && process.env.TERM !== "dumb";
}
