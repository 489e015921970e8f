import type { MitShmPolicy } from "../../core/catalog/policy.ts";
import type { ResourceLimits } from "../../core/container/limits.ts";
import type { SessionState } from "../../core/instance/runtime.ts";
import type { ContainerClient } from "../../ports/container-client.ts";
import type { EngineClient } from "../../ports/engine-client.ts";
import type { ImageClient } from "../../ports/image-client.ts";
import type { RuntimeDir } from "../../ports/runtime-dirs.ts";
import type { XephyrHandle } from "../../ports/xephyr.ts";
import type { RunningCapability, SessionCapability } from "./capability.ts";
import type { SessionSignals } from "./signals.ts";

/**
 * Everything a session has started, filled in by each part as it finishes. The one teardown
 * stops what is here, so a failure at any step leaves nothing behind.
 */
export interface SessionResources {
  /** The instance's runtime dir: its lock, and where its cookie files and sockets live. */
  readonly runtime: RuntimeDir;
  readonly state: SessionState;
  docker?: ImageClient & ContainerClient & EngineClient;
  xephyr?: XephyrHandle;
  /** What that X server may allocate for its clients. */
  xMemoryBytes?: number;
  /** Whether its clients share memory with it by descriptor (`fd`) or not (`off`). */
  mitShm?: MitShmPolicy;
  containerId?: string;
  limits?: ResourceLimits;
  /** The capabilities that run, in the order they came up. */
  readonly running: { capability: SessionCapability; running: RunningCapability }[];
  /** What the capabilities record from the plan (the clipboard policy `clip` reads), once the container runs. */
  recorded?: Partial<SessionState>;
  /** Set when the teardown begins: what comes up after it is stopped at once. */
  tornDown: boolean;
}

export function createSessionResources(runtime: RuntimeDir, state: SessionState): SessionResources {
  return { runtime, state, running: [], tornDown: false };
}

/** Writes what `ps`, `stop`, `clip` and the reaper read: the display, the Xephyr, the container, each capability's part. */
export function recordState(session: SessionResources): void {
  const { xephyr, containerId, limits } = session;
  const capabilities = session.running.map((r) => r.running.state);
  session.runtime.writeState(
    Object.assign(
      {
        ...session.state,
        display: xephyr?.display,
        xephyrPid: xephyr?.pid,
        xephyrStart: xephyr?.pidStart,
        xMemoryBytes: session.xMemoryBytes,
        mitShm: session.mitShm,
        container: containerId,
        limits,
      },
      ...capabilities,
      session.recorded,
    ),
  );
}

/**
 * The teardown, written once: the capabilities that need the running app (the clipboard), the
 * container, the window, the capabilities the container mounted (sound, the bus), each group
 * in the reverse of its start, and last the runtime dir, which is the lock. Every part is
 * stopped even when one fails; the first failure surfaces after. Calling it again returns the
 * same run.
 */
export function createTeardown(
  session: SessionResources,
  signals: SessionSignals,
  log: { warn(message: string): void },
): () => Promise<void> {
  let running: Promise<void> | undefined;
  const stopCapabilities = async (starts: SessionCapability["starts"], failed: unknown[]) => {
    for (const { running } of session.running.filter((r) => r.capability.starts === starts).reverse()) {
      await Promise.resolve()
        .then(() => running.stop())
        .catch((error) => failed.push(error));
    }
  };
  const tearDown = async () => {
    session.tornDown = true;
    signals.stop();
    const failed: unknown[] = [];
    await stopCapabilities("after-container", failed);
    if (session.containerId && session.docker)
      await session.docker
        .removeContainer(session.containerId)
        .catch((e) => log.warn(`removing the container: ${String(e)}`));
    if (session.xephyr) await session.xephyr.stop().catch((error) => failed.push(error));
    await stopCapabilities("before-container", failed);
    session.runtime.remove();
    if (failed.length) throw failed[0];
  };
  return () => (running ??= tearDown());
}
