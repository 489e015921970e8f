import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { MissingToolError } from "../core/errors.ts";
import { findHostTool } from "../core/host-tools.ts";

/**
 * The absolute path `name` resolves to on `pathVar`, like `command -v`, or undefined.
 * A name with a slash is checked as given. Empty PATH entries are skipped rather than read as
 * the current directory: we never want to run a program from wherever the user happens to be.
 */
export function findExecutable(name: string, pathVar: string | undefined): string | undefined {
  if (!name) return undefined;
  if (name.includes("/")) return isExecutableFile(name) ? name : undefined;
  for (const dir of (pathVar ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    // A directory is X_OK too (searchable), so check that it is a file first.
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves every tool in `names` to its path, or throws MissingToolError for the first one
 * that is missing, naming the packages that provide it.
 */
export function requireTools(
  names: readonly string[],
  env: Record<string, string | undefined> = process.env,
): Record<string, string> {
  const found: Record<string, string> = {};
  for (const name of names) {
    const tool = findHostTool(name);
    // A name outside the table is our bug, and would otherwise produce an error without install advice.
    if (!tool) throw new Error(`requireTools: "${name}" is not in the host tool table (src/core/host-tools.ts)`);
    const path = findExecutable(name, env.PATH);
    if (!path) throw new MissingToolError(tool);
    found[name] = path;
  }
  return found;
}
