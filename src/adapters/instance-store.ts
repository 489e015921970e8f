import { lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, type Stats, unlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import type { DockercaskPaths } from "../core/config/paths.ts";
import { UnsafePathError } from "../core/errors.ts";
import { explainInvalid, type InstanceName, parseInstanceName } from "../core/instance/name.ts";
import type { InstanceRecord, InstanceStore } from "../ports/instance-store.ts";
import { isMissing, removeIfExists, removeTree, writeFileAtomically } from "./files.ts";

/**
 * Instances live as one small JSON file each (`instances/<name>.json`), with the home beside
 * them (`homes/<name>/`). One file per instance means two commands never race on a shared
 * registry, and every write is a rename, so a crash never leaves half a file.
 */
export function createInstanceStore(paths: DockercaskPaths): InstanceStore {
  const recordPath = (name: InstanceName) => join(paths.instances, `${name.full}.json`);
  const homePath = (name: InstanceName) => join(paths.homes, name.full);

  function read(file: string): InstanceRecord | undefined {
    let raw: { app?: unknown; id?: unknown; createdAt?: unknown };
    try {
      raw = JSON.parse(readFileSync(file, "utf8"));
    } catch {
      return undefined;
    }
    const full = typeof raw.id === "string" && raw.id ? `${raw.app}#${raw.id}` : String(raw.app);
    if (explainInvalid(full)) return undefined;
    const name = parseInstanceName(full);
    return { name, createdAt: new Date(String(raw.createdAt)), home: homePath(name) };
  }

  return {
    homePath,
    get: (name) => read(recordPath(name)),
    list() {
      let files: string[];
      try {
        files = readdirSync(paths.instances);
      } catch {
        return [];
      }
      return files
        .filter((f) => f.endsWith(".json"))
        .map((f) => read(join(paths.instances, f)))
        .filter((r): r is InstanceRecord => r !== undefined)
        .sort((a, b) => a.name.full.localeCompare(b.name.full));
    },
    register(name) {
      const existing = read(recordPath(name));
      // Homes hold the user's data: private to the user, like ~ itself should be.
      mkdirSync(homePath(name), { recursive: true, mode: 0o700 });
      if (existing) return existing;
      mkdirSync(paths.instances, { recursive: true, mode: 0o700 });
      const createdAt = new Date();
      const file = recordPath(name);
      writeFileAtomically(
        file,
        `${JSON.stringify({ app: name.app, id: name.id, createdAt: createdAt.toISOString() }, null, 2)}\n`,
        0o600,
      );
      return { name, createdAt, home: homePath(name) };
    },
    unregister(name) {
      removeIfExists(recordPath(name));
    },
    purgeHome(name) {
      removeInside(paths.homes, homePath(name));
    },
  };
}

/**
 * Deletes `target`, which must sit directly in `root`. Symbolic links are removed as links,
 * never followed, so a link in a home that points at the user's real files deletes nothing there.
 */
export function removeInside(root: string, target: string): void {
  if (dirname(target) !== root) throw new UnsafePathError(target, `it is not directly inside ${root}`);
  let stat: Stats;
  try {
    stat = lstatSync(target);
  } catch (error) {
    if (isMissing(error)) return;
    throw error;
  }
  if (realpathSync(dirname(target)) !== realpathSync(root))
    throw new UnsafePathError(target, "its folder resolves outside dockercask's data");
  if (!stat.isDirectory()) {
    unlinkSync(target);
    return;
  }
  removeTree(target);
}
