import { join } from "node:path";
import type { ResourceLimits } from "./limits.ts";
import type { Env } from "./paths.ts";
import type { ClipboardPolicy } from "./policy.ts";

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
  container?: string;
  /** The instance's own dbus-daemon (links and notifications), for the reaper. */
  busPid?: number;
  busStart?: string;
  /** What the container runs with, for `ps`. */
  limits?: ResourceLimits;
  /** The clipboard policy and cap it runs with (label, config and flag merged), for `clip push/pull`. */
  clipboard?: ClipboardPolicy;
  clipboardMaxBytes?: number;
}

export const STATE_FILE = "state.json";
export const SERVER_AUTH_FILE = "xauth.server";
export const CLIENT_AUTH_FILE = "xauth.client";
export const PULSE_SOCKET_FILE = "pulse.sock";

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

export function parseSessionState(text: string): SessionState | undefined {
  try {
    const value = JSON.parse(text);
    if (typeof value?.instance !== "string" || typeof value?.pid !== "number") return undefined;
    return value as SessionState;
  } catch {
    return undefined;
  }
}
