import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Env } from "../core/config/paths.ts";
import { DockercaskError } from "../core/errors.ts";
import {
  parseSessionState,
  readSessionState,
  runtimeRoot,
  type SessionState,
  STATE_FILE,
} from "../core/instance/runtime.ts";
import type { RuntimeDirs } from "../ports/runtime-dirs.ts";
import { removeTree, writeFileAtomically } from "./files.ts";
import { isSameProcessAlive } from "./process.ts";

export function createRuntimeDirs(env: Env): RuntimeDirs {
  const root = runtimeRoot(env);
  const pathOf = (name: string) => join(root, name);
  const readState = (name: string) => {
    try {
      return parseSessionState(readFileSync(join(pathOf(name), STATE_FILE), "utf8"));
    } catch {
      return undefined;
    }
  };
  const writeStateAt = (dir: string, state: SessionState) => {
    writeFileAtomically(join(dir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`, 0o600);
  };

  /** The names in the runtime root; none before the first run made it. */
  const entries = () => {
    try {
      return readdirSync(root);
    } catch {
      return [];
    }
  };

  function ensureRoot() {
    mkdirSync(root, { recursive: true, mode: 0o700 });
    const stat = lstatSync(root);
    // Refuse a root that is a symlink or someone else's: our cookies would land in their hands.
    if (!stat.isDirectory() || stat.uid !== process.getuid!()) throw notPrivate(root);
    chmodSync(root, 0o700);
  }

  /**
   * state.json as a command that acts on it (`clip`) may trust it: the root, the instance's dir
   * and the file itself ours, none a symlink, no dir writable by anyone else (who could swap
   * what is in it), and every field it uses well formed. Undefined when there is none.
   */
  function readOwnState(name: string): SessionState | undefined {
    const dir = pathOf(name);
    const file = join(dir, STATE_FILE);
    for (const [path, kind] of [
      [root, "dir"],
      [dir, "dir"],
      [file, "file"],
    ] as const) {
      const stat = lstatSync(path, { throwIfNoEntry: false });
      if (!stat) return undefined;
      const right = kind === "dir" ? stat.isDirectory() && (stat.mode & 0o022) === 0 : stat.isFile();
      if (!right || stat.uid !== process.getuid!()) throw notPrivate(path);
    }
    const read = readSessionState(readFileSync(file, "utf8"));
    if (!read.ok)
      throw new DockercaskError(`the state file ${file} is not one dockercask wrote: ${read.problem}`, {
        code: "E_RUNTIME_DIR",
        hint: `Stop the instance (dockercask stop ${name}) and run it again; if it does not run, remove ${dir}.`,
      });
    return read.state;
  }

  return {
    root,
    readState,
    readOwnState,
    acquire(name, state) {
      ensureRoot();
      const dir = pathOf(name.full);
      for (let attempt = 0; attempt < 3; attempt++) {
        // Born whole: made under a private name with its state inside, then renamed into place.
        // Another dockercask (its reaper, or a second run of this instance) never sees the dir
        // without an owner, which it would take for a dead one's and remove.
        const fresh = join(root, `.new.${process.pid}.${attempt}`);
        removeTree(fresh);
        mkdirSync(fresh, { mode: 0o700 });
        writeStateAt(fresh, state);
        try {
          renameSync(fresh, dir);
        } catch (error) {
          removeTree(fresh);
          const code = (error as NodeJS.ErrnoException).code;
          if (code !== "EEXIST" && code !== "ENOTEMPTY") throw error;
          const owner = readState(name.full);
          if (owner && isSameProcessAlive(owner.pid, owner.pidStart)) return { ok: false, owner };
          // A dead owner's dir: move it aside atomically, so of two racing takers exactly one
          // wins, then try again.
          removeAside(dir);
          continue;
        }
        return {
          ok: true,
          dir: {
            path: dir,
            writeState: (next) => writeStateAt(dir, next),
            remove: () => removeAside(dir),
          },
        };
      }
      throw new DockercaskError(`could not take the runtime folder of ${name.full}`, { code: "E_RUNTIME_DIR" });
    },
    list() {
      // Dot names are dirs being born or removed (instance names never start with a dot).
      return entries()
        .filter((n) => !n.startsWith("."))
        .map((name) => ({ name, path: pathOf(name), state: readState(name) }));
    },
    removeDir(name) {
      removeAside(pathOf(name));
    },
    sweepDebris() {
      for (const name of entries()) {
        const pid = Number(/^\.(?:new|gone)\..*?(\d+)\.\d+$/.exec(name)?.[1]);
        if (pid && pid !== process.pid && !isSameProcessAlive(pid, undefined)) removeTree(join(root, name));
      }
    },
  };
}

function notPrivate(path: string): DockercaskError {
  return new DockercaskError(`the runtime folder ${path} is not a private folder of yours`, {
    code: "E_RUNTIME_DIR",
    hint: "Remove it, or set XDG_RUNTIME_DIR to a folder only you can write (usually /run/user/$UID).",
  });
}

/** Numbers this process's removals, so no two of them ever share a private name. */
let removals = 0;

/**
 * Removes an instance dir as it was born: in one step (renamed to a private name first), so its
 * name is never seen half gone and is free at once for the next session of the instance.
 */
function removeAside(dir: string): void {
  const aside = join(dirname(dir), `.gone.${basename(dir)}.${process.pid}.${removals++}`);
  try {
    renameSync(dir, aside);
  } catch {
    // Gone already, or another dockercask moved it first.
    return;
  }
  removeTree(aside);
}

/**
 * Bun's recursive rmSync can leave an empty directory behind when a file in it disappears
 * at the same moment (a pulse socket going with its module): seen 11 times in 300 here, never
 * under Node. A second pass removes what is left.
 */
