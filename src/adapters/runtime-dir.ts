import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DockercaskError } from "../core/errors.ts";
import type { InstanceName } from "../core/instance-name.ts";
import { parseSessionState, runtimeRoot, STATE_FILE, type SessionState } from "../core/runtime.ts";
import type { Env } from "../core/paths.ts";
import { isSameProcessAlive } from "./process.ts";

export interface RuntimeDir {
  path: string;
  writeState(state: SessionState): void;
  remove(): void;
}

export type AcquireResult = { ok: true; dir: RuntimeDir } | { ok: false; owner: SessionState };

export interface RuntimeDirs {
  root: string;
  /** Takes the instance's runtime dir (its lock). A dir left by a dead supervisor is taken over. */
  acquire(name: InstanceName, state: SessionState): AcquireResult;
  /** Every instance dir with its state, live or not. */
  list(): { name: string; path: string; state: SessionState | undefined }[];
  readState(name: string): SessionState | undefined;
  removeDir(name: string): void;
}

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
    const temp = join(dir, `.${STATE_FILE}.${process.pid}`);
    writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    renameSync(temp, join(dir, STATE_FILE));
  };

  function ensureRoot() {
    mkdirSync(root, { recursive: true, mode: 0o700 });
    const stat = lstatSync(root);
    // Refuse a root that is a symlink or someone else's: our cookies would land in their hands.
    if (!stat.isDirectory() || stat.uid !== process.getuid!()) {
      throw new DockercaskError(`the runtime folder ${root} is not a private folder of yours`, {
        code: "E_RUNTIME_DIR",
        hint: "Remove it, or set XDG_RUNTIME_DIR to a folder only you can write (usually /run/user/$UID).",
      });
    }
    chmodSync(root, 0o700);
  }

  return {
    root,
    readState,
    acquire(name, state) {
      ensureRoot();
      const dir = pathOf(name.full);
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          mkdirSync(dir, { mode: 0o700 });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
          const owner = readState(name.full);
          if (owner && isSameProcessAlive(owner.pid, owner.pidStart)) return { ok: false, owner };
          // A dead owner (or one killed before it wrote its state): move its dir aside
          // atomically, so of two racing takers exactly one wins, then try again.
          const aside = `${dir}.stale.${process.pid}.${attempt}`;
          try {
            renameSync(dir, aside);
            rmSync(aside, { recursive: true, force: true });
          } catch {
            // Someone else moved it first; loop and race for mkdir.
          }
          continue;
        }
        writeStateAt(dir, state);
        return {
          ok: true,
          dir: {
            path: dir,
            writeState: (next) => writeStateAt(dir, next),
            remove: () => removeTree(dir),
          },
        };
      }
      throw new DockercaskError(`could not take the runtime folder of ${name.full}`, { code: "E_RUNTIME_DIR" });
    },
    list() {
      let names: string[];
      try {
        names = readdirSync(root);
      } catch {
        return [];
      }
      return names.filter((n) => !n.includes(".stale.")).map((name) => ({ name, path: pathOf(name), state: readState(name) }));
    },
    removeDir(name) {
      removeTree(pathOf(name));
    },
  };
}

/**
 * Bun's recursive rmSync can leave an empty directory behind when a file in it disappears
 * at the same moment (a pulse socket going with its module): seen 11 times in 300 here, never
 * under Node. A second pass removes what is left.
 */
function removeTree(dir: string): void {
  for (let attempt = 0; attempt < 3 && existsSync(dir); attempt++) rmSync(dir, { recursive: true, force: true });
}
