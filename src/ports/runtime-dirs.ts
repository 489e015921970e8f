import type { InstanceName } from "../core/instance/name.ts";
import type { SessionState } from "../core/instance/runtime.ts";

// Port: the per-instance runtime dirs (each one is its instance's lock). adapters/runtime-dir.ts implements it.

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
  /**
   * The state as a command may act on it: throws (E_RUNTIME_DIR) when the runtime root, the
   * instance's dir or state.json is a symlink, someone else's or writable by others, or the
   * state is malformed; undefined when there is none.
   */
  readOwnState(name: string): SessionState | undefined;
  removeDir(name: string): void;
  /** Removes dirs that a dockercask killed while making or removing them left under private names. */
  sweepDebris(): void;
}
