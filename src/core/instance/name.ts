import { InvalidInstanceNameError, UsageError } from "../errors.ts";

/**
 * The instance name grammar (also in docs/running.md):
 *
 *   instance = app [ "#" id ]
 *   app      = [a-z] [a-z0-9]* ( "-" [a-z0-9]+ )*      at most 32 characters
 *   id       = [a-z0-9]+ ( "-" [a-z0-9]+ )*            at most 31 characters
 *   whole name at most 64 characters
 *
 * Lower-case ASCII only: names become directory names, container names and window titles,
 * so nothing in them may be a path separator, "..", whitespace, a shell metacharacter or a
 * Unicode look-alike of an ASCII letter. `firefox` and `firefox#work` are different instances.
 */
export interface InstanceName {
  app: string;
  /** Empty for the app's default instance. */
  id: string;
  /** The canonical spelling: `app` or `app#id`. */
  full: string;
}

const MAX_INSTANCE_NAME = 64;
const MAX_APP_NAME = 32;
const MAX_ID = 31;

const APP_RE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const ID_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export function parseInstanceName(input: string): InstanceName {
  const reason = explainInvalid(input);
  if (reason) throw new InvalidInstanceNameError(input, reason);
  const hash = input.indexOf("#");
  const app = hash === -1 ? input : input.slice(0, hash);
  const id = hash === -1 ? "" : input.slice(hash + 1);
  return { app, id, full: input };
}

/** Validates an app name alone (no `#id`), as used by build and the catalog. */
export function parseAppName(input: string): string {
  const name = parseInstanceName(input);
  if (name.id) throw new InvalidInstanceNameError(input, "an app name has no '#id' part");
  return name.app;
}

export function isValidAppName(input: string): boolean {
  return input.length <= MAX_APP_NAME && APP_RE.test(input);
}

/** Why `input` is not a valid instance name, or undefined when it is. */
export function explainInvalid(input: string): string | undefined {
  if (input.length === 0) return "it is empty";
  if (input.length > MAX_INSTANCE_NAME)
    return `it is ${input.length} characters long; the limit is ${MAX_INSTANCE_NAME}`;
  for (const [index, char] of [...input].entries()) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0x7f || code < 0x20) {
      return `character ${index + 1} is ${describeChar(char)}; only ASCII a-z, 0-9, '-' and one '#' are allowed`;
    }
  }
  if (/\s/.test(input)) return "it contains whitespace";
  if (input.includes("/") || input.includes("..")) return "it contains a path separator or '..'";
  if (/[A-Z]/.test(input)) return `names are lower case (try "${input.toLowerCase()}")`;
  const parts = input.split("#");
  if (parts.length > 2) return "it contains more than one '#'";
  const [app = "", id] = parts;
  if (app.length === 0) return "the app part before '#' is empty";
  const bad = /[^a-z0-9#-]/.exec(input);
  if (bad) return `'${bad[0]}' is not allowed; only a-z, 0-9, '-' and one '#' are`;
  if (app.length > MAX_APP_NAME) return `the app part is longer than ${MAX_APP_NAME} characters`;
  if (!APP_RE.test(app)) return "the app part must start with a letter, and '-' may only join letters and digits";
  if (id === undefined) return undefined;
  if (id.length === 0) return "the id after '#' is empty";
  if (id.length > MAX_ID) return `the id is longer than ${MAX_ID} characters`;
  if (!ID_RE.test(id)) return "'-' in the id may only join letters and digits";
  return undefined;
}

function describeChar(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  const hex = code.toString(16).toUpperCase().padStart(4, "0");
  return code < 0x20 || code === 0x7f ? `the control character U+${hex}` : `"${char}" (U+${hex}), not ASCII`;
}

/** A Docker-safe name for the instance's container: `#` is not allowed there, `.` is not allowed in ours. */
export function containerName(name: InstanceName): string {
  return name.id ? `dockercask-${name.app}.${name.id}` : `dockercask-${name.app}`;
}

export function imageName(app: string): string {
  return `dockercask/${app}`;
}

/**
 * What `run` and `open` were asked to start, parsed once where the name comes in: an instance,
 * or a disposable one of an app (its name is chosen when its lock is taken).
 */
export type RunTarget = { disposable: false; name: InstanceName } | { disposable: true; app: string };

export function parseRunTarget(input: string, disposable: boolean | undefined): RunTarget {
  const name = parseInstanceName(input);
  if (!disposable) return { disposable: false, name };
  if (name.id)
    throw new UsageError(
      `--disposable takes an app, not an instance: "${name.full}"`,
      `Its name is chosen for it: dockercask run ${name.app} --disposable`,
    );
  return { disposable: true, app: name.app };
}
