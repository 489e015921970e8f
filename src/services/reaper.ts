import type { ContainerClient } from "../adapters/docker.ts";
import { CONTAINER_LABEL } from "../core/container-spec.ts";
import type { SessionState } from "../core/runtime.ts";

export interface ReaperDeps {
  runtime: {
    list(): { name: string; state: SessionState | undefined }[];
    removeDir(name: string): void;
  };
  /** Undefined when Docker cannot be reached: containers are then left for a later reap. */
  containers?: ContainerClient;
  isAlive: (pid: number, start: string | undefined) => boolean;
  /** Ends a process we started, if it is still that process. */
  killProcess: (pid: number, start: string | undefined) => void;
  /** Called for each pulse module a dead session left loaded. */
  unloadPulseModule?: (index: number) => Promise<void>;
  log: { info(message: string): void };
}

/**
 * Cleans up after supervisors that died without tearing down (SIGKILL, a crash, a power cut
 * of the terminal): their containers, Xephyr servers, pulse modules and runtime dirs. Every
 * command that deals with running instances calls it first, so the user never has to.
 * Returns the instances it reaped.
 */
export async function reapOrphans(deps: ReaperDeps): Promise<string[]> {
  const reaped = new Set<string>();
  for (const { name, state } of deps.runtime.list()) {
    if (state && deps.isAlive(state.pid, state.pidStart)) continue;
    if (state?.container && deps.containers) await deps.containers.removeContainer(state.container);
    if (state?.xephyrPid) deps.killProcess(state.xephyrPid, state.xephyrStart);
    if (state?.pulseModule !== undefined && deps.unloadPulseModule) await deps.unloadPulseModule(state.pulseModule).catch(() => {});
    deps.runtime.removeDir(name);
    reaped.add(name);
  }
  if (deps.containers) {
    // Containers whose runtime dir is already gone, or that outlived it.
    for (const container of await deps.containers.listContainers(CONTAINER_LABEL.instance)) {
      const pid = Number(container.labels[CONTAINER_LABEL.supervisorPid]);
      if (Number.isInteger(pid) && pid > 0 && deps.isAlive(pid, container.labels[CONTAINER_LABEL.supervisorStart])) continue;
      await deps.containers.removeContainer(container.id);
      reaped.add(container.labels[CONTAINER_LABEL.instance] ?? container.name);
    }
  }
  for (const instance of reaped) deps.log.info(`cleaned up after ${instance}, whose dockercask process had died`);
  return [...reaped];
}
