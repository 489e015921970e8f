import type { Discovery } from "../core/sound/discovery.ts";
// Port: what `doctor` asks of the host. adapters/doctor-probe.ts implements it.

import type { EngineIdentity } from "../core/container/engine.ts";

export type DockerStatus =
  | {
      ok: true;
      engine: EngineIdentity;
      socket: string /** Whether we are root, whose access to a rootful engine is no escalation. */;
      root: boolean;
    }
  | { ok: false; problem: "unreachable" | "permission"; socket: string; message: string };

export interface PulseStatus {
  ok: boolean;
  /** The server's "Server String", usually its socket. */
  server?: string;
  message?: string;
  /** Where dockercask finds it (core/sound/discovery.ts), or what it tried. */
  discovery: Discovery;
}

/** What `doctor` asks of the host. The real one is adapters/doctor-probe.ts; tests pass plain objects. */
export interface DoctorProbe {
  findExecutable(name: string): string | undefined;
  dockerStatus(): Promise<DockerStatus>;
  /** The display variables of the session dockercask was started from. */
  display(): { DISPLAY?: string; WAYLAND_DISPLAY?: string };
  canConnectDisplay(display: string): Promise<boolean>;
  pulseStatus(): Promise<PulseStatus>;
  /** Whether Xephyr's MIT-SHM guard (core/x11/shm-guard.ts) installs here: undefined, or why not. */
  shmGuardRefusal(): Promise<string | undefined>;
}
