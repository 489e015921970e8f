/**
 * The net log's snapshot in the instance's runtime dir, which `dockercask net` reads: written
 * at most once a second while it changes, and never when nothing happens (no idle cost).
 */
import type { NetLog, NetLogSnapshot } from "../core/network/net-log.ts";
import { writeFileAtomically } from "./files.ts";

const INTERVAL_MS = 1000;

export function netLogWriter(path: string, instance: string, log: NetLog): { changed(): void; stop(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const write = () => {
    timer = undefined;
    const snapshot: NetLogSnapshot = { instance, written: Date.now(), entries: log.entries() };
    try {
      writeFileAtomically(path, `${JSON.stringify(snapshot)}\n`, 0o600);
    } catch {
      // The runtime dir is going with the session: nothing left to tell.
    }
  };
  write();
  return {
    changed() {
      timer ??= setTimeout(write, INTERVAL_MS);
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
