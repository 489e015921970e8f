/**
 * Splits a command line at its first "--": what comes before is dockercask's, what comes after
 * belongs to the app (`after` is undefined when there is no "--").
 */
export function splitAtDashDash(argv: readonly string[]): { ours: string[]; after: string[] | undefined } {
  const index = argv.indexOf("--");
  return index === -1 ? { ours: [...argv], after: undefined } : { ours: argv.slice(0, index), after: argv.slice(index + 1) };
}
