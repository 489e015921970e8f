import type { ContainerClient } from "../ports/container-client.ts";
import { CONTAINER_LABEL } from "../core/container-spec.ts";
import { DockercaskError, NotRunningError } from "../core/errors.ts";
import { parseInstanceName } from "../core/instance-name.ts";
import type { ResourceLimits } from "../core/limits.ts";
import type { SessionState } from "../core/runtime.ts";

export interface RunningInstance {
  instance: string;
  display: number | undefined;
  container: string | undefined;
  containerName: string | undefined;
  startedAt: string;
  uptimeSeconds: number;
  supervisorPid: number;
  /** Its home is a tmpfs and nothing of it is kept (`run --disposable`). */
  disposable: boolean;
  /** What its container runs with; undefined while it is still starting. */
  limits: ResourceLimits | undefined;
}

export interface SessionsDeps {
  runtime: { list(): { name: string; state: SessionState | undefined }[]; readState(name: string): SessionState | undefined };
  containers: ContainerClient;
  isAlive: (pid: number, start: string | undefined) => boolean;
  signal: (pid: number, signal: "SIGTERM") => void;
  sleep: (ms: number) => Promise<void>;
  now: () => Date;
}

/** The instances that are running now: a live supervisor, joined with its container. */
export async function listRunning(deps: SessionsDeps): Promise<RunningInstance[]> {
  const containers = await deps.containers.listContainers(CONTAINER_LABEL.instance);
  const running: RunningInstance[] = [];
  for (const { state } of deps.runtime.list()) {
    if (!state || !deps.isAlive(state.pid, state.pidStart)) continue;
    const container = containers.find((c) => c.labels[CONTAINER_LABEL.instance] === state.instance);
    running.push({
      instance: state.instance,
      display: state.display,
      container: container?.id.slice(0, 12) ?? state.container?.slice(0, 12),
      containerName: container?.name,
      startedAt: state.startedAt,
      uptimeSeconds: Math.max(0, Math.round((deps.now().getTime() - new Date(state.startedAt).getTime()) / 1000)),
      supervisorPid: state.pid,
      disposable: state.disposable === true,
      limits: state.limits,
    });
  }
  return running.sort((a, b) => a.instance.localeCompare(b.instance));
}

/** The container of a running instance, for logs and shell. */
export async function findRunningContainer(input: string, containers: ContainerClient): Promise<{ id: string; instance: string }> {
  const name = parseInstanceName(input);
  const container = (await containers.listContainers(`${CONTAINER_LABEL.instance}=${name.full}`))[0];
  if (!container) throw new NotRunningError(name.full);
  return { id: container.id, instance: name.full };
}

/**
 * Asks the instance's supervisor to tear down (SIGTERM) and waits until it has: the runtime
 * dir disappears last, once container and Xephyr are gone.
 */
export async function stopInstance(input: string, deps: SessionsDeps, timeoutMs = 15_000): Promise<void> {
  const name = parseInstanceName(input);
  const state = deps.runtime.readState(name.full);
  if (!state || !deps.isAlive(state.pid, state.pidStart)) throw new NotRunningError(name.full);
  deps.signal(state.pid, "SIGTERM");
  const deadline = deps.now().getTime() + timeoutMs;
  while (deps.now().getTime() < deadline) {
    if (!deps.isAlive(state.pid, state.pidStart)) return;
    await deps.sleep(50);
  }
  throw new DockercaskError(`${name.full} did not stop within ${timeoutMs / 1000} s`, {
    code: "E_STOP_TIMEOUT",
    hint: `Its supervisor (pid ${state.pid}) may be stuck: kill -9 ${state.pid}, and the next dockercask command cleans up after it.`,
  });
}
