/**
 * Splits a command line at its first "--": what comes before is dockercask's, what comes after
 * belongs to the app (`after` is undefined when there is no "--").
 */
/**
 * A flag that takes a value, wherever it stands among our arguments (`--engine podman` or
 * `--engine=podman`), taken out of them: `rest` is the command line without it. A value that is
 * missing or is another flag is `missing`.
 */
export type TakenFlag =
  | { found: false }
  | { found: true; value: string; rest: string[] }
  | { found: true; missing: true };

export function takeFlag(argv: readonly string[], flag: string): TakenFlag {
  const { ours } = splitAtDashDash(argv);
  const at = ours.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
  if (at === -1) return { found: false };
  const written = ours[at]!;
  const inline = written.startsWith(`${flag}=`);
  const value = inline ? written.slice(flag.length + 1) : ours[at + 1];
  if (!value || (!inline && value.startsWith("-"))) return { found: true, missing: true };
  return { found: true, value, rest: [...argv.slice(0, at), ...argv.slice(at + (inline ? 1 : 2))] };
}

export function splitAtDashDash(argv: readonly string[]): { ours: string[]; after: string[] | undefined } {
  const index = argv.indexOf("--");
  return index === -1
    ? { ours: [...argv], after: undefined }
    : { ours: argv.slice(0, index), after: argv.slice(index + 1) };
}
