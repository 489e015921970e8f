import {
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";

// The file operations several adapters share, each in one shape.

/**
 * Writes `text` aside (a hidden name with our pid, in the same folder) and renames it over
 * `path`: a reader sees the old file or the new one, never half of one.
 */
export function writeFileAtomically(path: string, text: string, mode: number): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(temp, text, { mode });
  renameSync(temp, path);
}

/** The file's contents, or undefined when it does not exist; any other failure throws. */
export function readIfExists(path: string): Buffer | undefined;
export function readIfExists(path: string, encoding: "utf8"): string | undefined;
export function readIfExists(path: string, encoding?: "utf8"): Buffer | string | undefined {
  try {
    return encoding ? readFileSync(path, encoding) : readFileSync(path);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/** Removes a file; false when there was none. Any other failure throws. */
export function removeIfExists(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

export function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}

/** Writes a file only the user can read (0600), such as the seccomp profile Podman takes as a path. */
export function writePrivateFile(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
}

/** The names in a folder, or none when it is not there. */
export function listNames(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

/** Whether `path` is a socket (following links, as a client connecting to it would). */
export function isSocket(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

/**
 * Removes a folder and all in it, never following a link out of it. Tried again while it is
 * still there: a process of ours may be writing into it as it goes (a dying session's sockets).
 */
export function removeTree(dir: string): void {
  for (let attempt = 0; attempt < 3 && existsSync(dir); attempt++) rmSync(dir, { recursive: true, force: true });
}
