import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join, relative } from "node:path";
import type { AppFileTree } from "../core/catalog/catalog.ts";
import { DockercaskError } from "../core/errors.ts";

/** Build contexts are held in memory; a user app folder this large is almost surely a mistake. */
const MAX_APP_BYTES = 16 * 1024 * 1024;

/** Reads the user's catalog: `<dir>/<app>/Dockerfile` plus whatever else each folder holds. */
export function readUserCatalog(dir: string): AppFileTree {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return {};
  }
  const tree: AppFileTree = {};
  for (const name of names.sort()) {
    // A recipe being written (writeUserApp), or a hidden folder of the user's: not an app.
    if (name.startsWith(".")) continue;
    const appDir = join(dir, name);
    if (!statSync(appDir).isDirectory()) continue;
    const files: Record<string, string> = {};
    let total = 0;
    for (const path of listFiles(appDir)) {
      const text = readFileSync(path, "utf8");
      total += text.length;
      if (total > MAX_APP_BYTES) {
        throw new DockercaskError(`user app folder ${appDir} holds more than 16 MiB`, {
          code: "E_USER_APP",
          hint: "Keep only the Dockerfile and the small files it COPYs there; download large things in a RUN step.",
        });
      }
      files[relative(appDir, path)] = text;
    }
    tree[name] = files;
  }
  return tree;
}

/** Every file below `dir`, sorted, as paths (the build context and the embedded index both use it). */
export function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? listFiles(path) : [path];
    });
}

/**
 * Writes a new app folder `<dir>/<app>/` holding `files`, and returns its path. An existing
 * folder is never replaced: it is the user's.
 */
export function writeUserApp(dir: string, app: string, files: Record<string, string>): string {
  const appDir = join(dir, app);
  mkdirSync(dir, { recursive: true });
  // Written aside and renamed into place whole: a failed write leaves no half a recipe, and the
  // rename fails rather than replace a folder that appeared meanwhile (another run's).
  const aside = mkdtempSync(join(dir, `.${app}.`));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(aside, name), text, { flag: "wx" });
    if (existsSync(appDir)) throw Object.assign(new Error("exists"), { code: "EEXIST" });
    renameSync(aside, appDir);
  } catch (error) {
    rmSync(aside, { recursive: true, force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EEXIST" && code !== "ENOTEMPTY") throw error;
    throw new DockercaskError(`the folder ${appDir} exists already`, {
      code: "E_USER_APP",
      hint: "It holds no usable recipe: remove it, or write its Dockerfile by hand.",
    });
  }
  return appDir;
}
