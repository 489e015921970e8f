import { mkdirSync, readdirSync, realpathSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { DockercaskPaths } from "../core/config/paths.ts";
import type { DesktopFiles } from "../ports/desktop-files.ts";
import { readIfExists, removeIfExists, writeFileAtomically } from "./files.ts";
import { findExecutable } from "./host-tools.ts";

export function createDesktopFiles(paths: DockercaskPaths): DesktopFiles {
  // paths.data is $XDG_DATA_HOME/dockercask: the menu lives beside it, in the user's data home.
  const dataHome = dirname(paths.data);
  const applicationsDir = join(dataHome, "applications");
  const iconsDir = join(dataHome, "icons/hicolor/scalable/apps");
  const entryPath = (id: string) => join(applicationsDir, `${id}.desktop`);
  const iconPath = (name: string) => join(iconsDir, `${name}.svg`);
  return {
    applicationsDir,
    iconsDir,
    writeEntry: (id, text) => writeAtomically(entryPath(id), text),
    readEntry: (id) => readIfExists(entryPath(id), "utf8"),
    removeEntry: (id) => removeIfExists(entryPath(id)),
    listEntries() {
      try {
        return readdirSync(applicationsDir)
          .filter((f) => f.startsWith("dockercask-") && f.endsWith(".desktop"))
          .map((f) => f.slice(0, -".desktop".length))
          .sort();
      } catch {
        return [];
      }
    },
    writeIcon: (name, svg) => writeAtomically(iconPath(name), svg),
    removeIcon: (name) => removeIfExists(iconPath(name)),
  };
}

/**
 * How a menu entry should start this dockercask: by name when PATH finds this very binary
 * (a .deb, the AUR, /usr/local/bin), so the entry survives an upgrade in place; otherwise by
 * its absolute path, since a desktop session's PATH may not hold where a downloaded binary
 * sits. Under `bun run` (no compiled binary) it is the name.
 */
export function resolveProgram(env: Record<string, string | undefined>, execPath: string = process.execPath): string {
  if (/^bun(\.exe)?$/.test(basename(execPath))) return "dockercask";
  const onPath = findExecutable("dockercask", env.PATH);
  if (onPath && sameFile(onPath, execPath)) return "dockercask";
  return execPath;
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/** Menus watch these folders: a reader must never see half a file, so write aside and rename. */
function writeAtomically(path: string, text: string): string {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  writeFileAtomically(path, text, 0o644);
  return path;
}
