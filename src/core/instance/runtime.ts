import { join } from "node:path";
import {
  CLIPBOARD_POLICIES,
  type ClipboardPolicy,
  type FilesPolicy,
  type MitShmPolicy,
  type Network,
} from "../catalog/policy.ts";
import { MAX_CLIPBOARD_BYTES } from "../clipboard/clipboard.ts";
import type { Env } from "../config/paths.ts";
import type { ResourceLimits } from "../container/limits.ts";
import { isOneOf } from "../one-of.ts";

/**
 * A running instance keeps its private files in a runtime dir (0700): the cookie files, the
 * pulse socket and state.json. The dir doubles as the instance's lock: whoever creates it
 * (mkdir is atomic) runs the instance.
 */
export interface SessionState {
  instance: string;
  /** The supervising dockercask process, and its start time to tell it from a reused pid. */
  pid: number;
  pidStart: string;
  startedAt: string;
  /** A disposable instance (home in a tmpfs, nothing registered). */
  disposable?: boolean;
  display?: number;
  xephyrPid?: number;
  xephyrStart?: string;
  /** What the instance's X server may allocate (its RLIMIT_DATA), for `ps`. */
  xMemoryBytes?: number;
  /** Whether its X clients share memory with it by descriptor (core/x11/shm-guard.ts), for `ps`. */
  mitShm?: MitShmPolicy;
  container?: string;
  /** The instance's own dbus-daemon (links and notifications), for the reaper. */
  busPid?: number;
  busStart?: string;
  /** What the container runs with, for `ps`. */
  limits?: ResourceLimits;
  /** The clipboard policy and cap it runs with (label, config and flag merged), for `clip push/pull`. */
  clipboard?: ClipboardPolicy;
  clipboardMaxBytes?: number;
  /** Its network policy, and under `internet` what it adds and what it is limited to, for `ps`. */
  network?: Network;
  allow?: string[];
  only?: string[];
  /** Whether Open and Save go through the host's dialog, for `ps`. */
  files?: FilesPolicy;
}

export const STATE_FILE = "state.json";
export const SERVER_AUTH_FILE = "xauth.server";
export const CLIENT_AUTH_FILE = "xauth.client";
export const PULSE_SOCKET_FILE = "pulse.sock";
/** The network proxy's socket, and the snapshot of its log that `dockercask net` reads. */
export const NET_SOCKET_FILE = "net.sock";
export const NET_LOG_FILE = "net.json";

/**
 * $XDG_RUNTIME_DIR/dockercask when the session has one (a per-user tmpfs, 0700, cleared at
 * logout). Otherwise a folder in the user's own cache dir: private by its parent, unlike any
 * name we could pick in /tmp, which another user could create first.
 */
export function runtimeRoot(env: Env): string {
  if (env.XDG_RUNTIME_DIR?.startsWith("/")) return join(env.XDG_RUNTIME_DIR, "dockercask");
  const cache = env.XDG_CACHE_HOME?.startsWith("/") ? env.XDG_CACHE_HOME : join(env.HOME || "/", ".cache");
  return join(cache, "dockercask", "runtime");
}

/** Parses the start time (field 22) out of /proc/<pid>/stat; the command name may hold spaces and parens. */
export function parseProcStartTime(stat: string): string | undefined {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state), so field 22 is fields[19].
  return fields[19];
}

export type SessionStateRead = { ok: true; state: SessionState } | { ok: false; problem: string };

/**
 * state.json read and checked: the fields that name a process, a display or what the clipboard
 * may carry must be what a dockercask writes there, or the file is not taken at all (the
 * problem says which field). A missing optional field is fine: it is not known yet.
 */
export function readSessionState(text: string): SessionStateRead {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: "it is not JSON" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return { ok: false, problem: "it is not a JSON object" };
  const state = value as Record<string, unknown>;
  const problem = explainSessionState(state);
  return problem ? { ok: false, problem } : { ok: true, state: state as unknown as SessionState };
}

function explainSessionState(state: Record<string, unknown>): string | undefined {
  if (typeof state.instance !== "string") return "its instance is not a string";
  if (!isWholeNumber(state.pid) || state.pid < 1) return "its pid is not a positive whole number";
  if (state.display !== undefined && !isWholeNumber(state.display))
    return "its display is not a non-negative whole number";
  if (state.clipboard !== undefined && !isOneOf(CLIPBOARD_POLICIES, state.clipboard))
    return `its clipboard is not one of ${CLIPBOARD_POLICIES.join(", ")}`;
  if (
    state.clipboardMaxBytes !== undefined &&
    !(
      isWholeNumber(state.clipboardMaxBytes) &&
      state.clipboardMaxBytes >= 1 &&
      state.clipboardMaxBytes <= MAX_CLIPBOARD_BYTES
    )
  )
    return `its clipboardMaxBytes is not a whole number from 1 to ${MAX_CLIPBOARD_BYTES}`;
  return undefined;
}

function isWholeNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/** state.json, or undefined when it is not one dockercask wrote (readSessionState says why). */
export function parseSessionState(text: string): SessionState | undefined {
  const read = readSessionState(text);
  return read.ok ? read.state : undefined;
}
