import { BUILD_LABEL, type FilesPolicy, type MitShmPolicy, type Network } from "../core/catalog/policy.ts";
import type { ResourceLimits } from "../core/container/limits.ts";
import { CONTAINER_LABEL } from "../core/container/spec.ts";
import { DockercaskError, NotRunningError } from "../core/errors.ts";
import { parseInstanceName } from "../core/instance/name.ts";
import type { SessionState } from "../core/instance/runtime.ts";
import type { ContainerClient } from "../ports/container-client.ts";
import type { EngineClient } from "../ports/engine-client.ts";

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
  /** What its X server may allocate for the app's windows and pixmaps; undefined while it is starting. */
  xMemoryBytes: number | undefined;
  /** Whether its X clients share memory with its X server by descriptor; undefined while starting or from an older dockercask. */
  mitShm: MitShmPolicy | undefined;
  /** Its network policy, and under `internet` its allow and only lists; undefined from an older dockercask. */
  network: { mode: Network; allow: string[]; only?: string[] } | undefined;
  /** Whether Open and Save go through the host's dialog; undefined from an older dockercask. */
  files: FilesPolicy | undefined;
  /**
   * Whether its container runs an image built from an older recipe than the current one (the
   * next run rebuilds it); undefined when that cannot be told (no container, or an app no
   * longer in the catalog).
   */
  staleImage: boolean | undefined;
}

export interface SessionsDeps {
  runtime: {
    list(): { name: string; state: SessionState | undefined }[];
    readState(name: string): SessionState | undefined;
  };
  containers: ContainerClient & EngineClient;
  isAlive: (pid: number, start: string | undefined) => boolean;
  signal: (pid: number, signal: "SIGTERM") => void;
  sleep: (ms: number) => Promise<void>;
  now: () => Date;
  /** The recipe hash an app's image should carry now (catalog.recipeHash), or undefined for an unknown app. */
  expectedHash?: (app: string) => string | undefined;
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
      xMemoryBytes: state.xMemoryBytes,
      mitShm: state.mitShm,
      network: state.network && { mode: state.network, allow: state.allow ?? [], only: state.only },
      files: state.files,
      staleImage: isStale(state.instance, container?.labels, deps.expectedHash),
    });
  }
  return running.sort((a, b) => a.instance.localeCompare(b.instance));
}

/** A container's labels include its image's, so the build hash tells which recipe its image came from. */
function isStale(
  instance: string,
  labels: Record<string, string> | undefined,
  expectedHash: SessionsDeps["expectedHash"],
): boolean | undefined {
  const built = labels?.[BUILD_LABEL.hash];
  const expected = expectedHash?.(parseInstanceName(instance).app);
  if (built === undefined || expected === undefined) return undefined;
  return built !== expected;
}

/** The container of a running instance, for logs and shell. */
export async function findRunningContainer(
  input: string,
  containers: ContainerClient,
): Promise<{ id: string; instance: string }> {
  const name = parseInstanceName(input);
  const container = (await containers.listContainers(`${CONTAINER_LABEL.instance}=${name.full}`))[0];
  if (!container) throw new NotRunningError(name.full);
  return { id: container.id, instance: name.full };
}

/**
 * Stops each of `instances`: all at once, or one after another where the engine cannot take
 * containers exiting together (core/container/engine.ts, exitsMustNotOverlap).
 */
export async function stopInstances(
  instances: string[],
  deps: SessionsDeps,
  options: { oneAtATime: boolean },
): Promise<void> {
  if (!options.oneAtATime) {
    await Promise.all(instances.map((instance) => stopInstance(instance, deps)));
    return;
  }
  for (const instance of instances) await stopInstance(instance, deps);
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
    await deps.sleep(10);
  }
  throw new DockercaskError(`${name.full} did not stop within ${timeoutMs / 1000} s`, {
    code: "E_STOP_TIMEOUT",
    hint: `Its supervisor (pid ${state.pid}) may be stuck: kill -9 ${state.pid}, and the next dockercask command cleans up after it.`,
  });
}
