import { CONTAINER_LABEL } from "../core/container/spec.ts";
import { PROBE_LABEL, PROBE_TIMEOUT_MS } from "../core/deb/probe.ts";

/** Past its own timeout, a probe's dockercask has given up on it, or is gone. */
const PROBE_GRACE_MS = 60_000;

import { type LeftoverProcess, leftoversToEnd } from "../core/instance/leftovers.ts";
import type { SessionState } from "../core/instance/runtime.ts";
import type { ContainerClient } from "../ports/container-client.ts";

export interface ReaperDeps {
  runtime: {
    list(): { name: string; state: SessionState | undefined }[];
    removeDir(name: string): void;
    sweepDebris(): void;
  };
  /** Undefined when Docker cannot be reached: containers are then left for a later reap. */
  containers?: ContainerClient;
  isAlive: (pid: number, start: string | undefined) => boolean;
  /** The clock, in ms (Date.now when not given): how old a Debian probe is. */
  now?: () => number;
  /**
   * The host processes a session may leave behind (its window's Xephyr, each capability's own:
   * cli/wiring/session.ts lists them), and how to reach them: a pid is ended only while it is
   * still the process that was recorded, and ours by its command line (core/instance/leftovers.ts).
   */
  leftovers: {
    kinds: readonly LeftoverProcess[];
    runtimeRoot: string;
    commandLine: (pid: number) => string[];
    end: (pid: number) => void;
  };
  /**
   * Pulse socket modules whose socket lies in our runtime root. Found by their socket path,
   * not by the index a state file recorded: indices mean nothing after a pulse restart.
   */
  pulseSockets?: () => Promise<{ index: number; path: string }[]>;
  unloadPulseModule?: (index: number) => Promise<void>;
  exists?: (path: string) => boolean;
  log: { info(message: string): void };
}

/**
 * Cleans up after supervisors that died without tearing down (SIGKILL, a crash, a power cut
 * of the terminal): their containers, Xephyr servers, pulse modules and runtime dirs. Every
 * command that deals with running instances calls it first, so the user never has to.
 * Returns the instances it reaped.
 */
export async function reapOrphans(deps: ReaperDeps): Promise<string[]> {
  const reported = new Set<string>();
  await reapHostSide(deps, reported);
  await reapContainerSide(deps, reported);
  await unloadStraySoundSockets(deps);
  return [...reported];
}

/** The local half: runtime dirs of dead supervisors and their Xephyr servers. Files and /proc only. */
export async function reapHostSide(deps: ReaperDeps, reported: Set<string>): Promise<void> {
  const reaped: string[] = [];
  deps.runtime.sweepDebris();
  for (const { name, state } of deps.runtime.list()) {
    if (state && deps.isAlive(state.pid, state.pidStart)) continue;
    // A container Docker will not remove now stays labelled with its dead supervisor: the next reap retries.
    if (state?.container && deps.containers) await deps.containers.removeContainer(state.container).catch(() => {});
    if (state)
      for (const leftover of leftoversToEnd(state, deps.leftovers.kinds, { ...deps.leftovers, isAlive: deps.isAlive }))
        deps.leftovers.end(leftover.pid);
    deps.runtime.removeDir(name);
    reaped.push(name);
  }
  report(deps, reaped, reported);
}

/** Sound sockets whose file is gone belong to sessions that are over (their dirs were removed). */
export async function unloadStraySoundSockets(deps: ReaperDeps): Promise<void> {
  if (!deps.pulseSockets || !deps.unloadPulseModule || !deps.exists) return;
  for (const module of await deps.pulseSockets().catch(() => [])) {
    if (!deps.exists(module.path)) await deps.unloadPulseModule(module.index).catch(() => {});
  }
}

/** The Docker half: containers labelled with a supervisor that is no longer alive. */
export async function reapContainerSide(deps: ReaperDeps, reported: Set<string>): Promise<void> {
  if (!deps.containers) return;
  const reaped: string[] = [];
  for (const container of await deps.containers.listContainers(CONTAINER_LABEL.instance).catch(() => [])) {
    const pid = Number(container.labels[CONTAINER_LABEL.supervisorPid]);
    if (Number.isInteger(pid) && pid > 0 && deps.isAlive(pid, container.labels[CONTAINER_LABEL.supervisorStart]))
      continue;
    if (
      !(await deps.containers.removeContainer(container.id).then(
        () => true,
        () => false,
      ))
    )
      continue;
    reaped.push(container.labels[CONTAINER_LABEL.instance] ?? container.name);
  }
  // A Debian probe whose dockercask was killed before it read the answer. One that has not ended
  // is another dockercask's, at work, unless it is older than any probe may take.
  const now = deps.now?.() ?? Date.now();
  for (const probe of await deps.containers.listContainers(PROBE_LABEL).catch(() => []))
    if (
      probe.state === "exited" ||
      probe.state === "dead" ||
      now - probe.createdAt.getTime() > PROBE_TIMEOUT_MS + PROBE_GRACE_MS
    )
      await deps.containers.removeContainer(probe.id).catch(() => {});
  report(deps, reaped, reported);
}

function report(deps: ReaperDeps, instances: string[], reported: Set<string>): void {
  for (const instance of instances) {
    if (reported.has(instance)) continue;
    reported.add(instance);
    deps.log.info(`cleaned up after ${instance}, whose dockercask process had died`);
  }
}
