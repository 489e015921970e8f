import type { ContainerClient } from "../ports/container-client.ts";
import type { EngineClient } from "../ports/engine-client.ts";
import type { ImageClient } from "../ports/image-client.ts";
import type { RuntimeDir } from "../ports/runtime-dirs.ts";
import type { XephyrHandle } from "../ports/xephyr.ts";
import type { ResourceLimits } from "../core/limits.ts";
import type { SessionState } from "../core/runtime.ts";

interface Stoppable {
  stop(): void;
}

/**
 * Everything a session has started, filled in by each start step as it finishes. The one
 * teardown stops what is here, so a failure at any step leaves nothing behind.
 */
export interface SessionResources {
  /** The instance's runtime dir: its lock, and where its cookie files and sockets live. */
  readonly runtime: RuntimeDir;
  readonly state: SessionState;
  docker?: ImageClient & ContainerClient & EngineClient;
  xephyr?: XephyrHandle;
  containerId?: string;
  limits?: ResourceLimits;
  soundRelay?: Stoppable;
  bridge?: { socket: string; pid: number; stop(): void };
  clipboard?: Stoppable;
  /** The clipboard policy and cap it runs with, which `clip push/pull` read from the state. */
  clip?: Pick<SessionState, "clipboard" | "clipboardMaxBytes">;
  /** Set when the teardown begins: what comes up after it is stopped at once. */
  tornDown: boolean;
}

export function createSessionResources(runtime: RuntimeDir, state: SessionState): SessionResources {
  return { runtime, state, tornDown: false };
}

/** Writes what `ps`, `stop` and the reaper read: the display, the Xephyr, the container, the bus. */
export function recordState(session: SessionResources): void {
  const { xephyr, containerId, limits, bridge, clip } = session;
  session.runtime.writeState({ ...session.state, display: xephyr?.display, xephyrPid: xephyr?.pid, xephyrStart: xephyr?.pidStart, container: containerId, limits, busPid: bridge?.pid, ...clip });
}

/**
 * The teardown, once, in order: clipboard, container, Xephyr, sound relay, bus, runtime dir
 * (which is the lock, so it goes last). Calling it again returns the same run.
 */
export function createTeardown(session: SessionResources, signals: SessionSignals, log: { warn(message: string): void }): () => Promise<void> {
  let running: Promise<void> | undefined;
  const tearDown = async () => {
    session.tornDown = true;
    signals.stop();
    session.clipboard?.stop();
    if (session.containerId && session.docker) await session.docker.removeContainer(session.containerId).catch((e) => log.warn(`removing the container: ${String(e)}`));
    if (session.xephyr) await session.xephyr.stop();
    session.soundRelay?.stop();
    session.bridge?.stop();
    session.runtime.remove();
  };
  return () => (running ??= tearDown());
}

export const SIGNAL_CODES: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/** A signal that came while the session was starting: the start stops there and tears down. */
export class Interrupted extends Error {
  constructor(readonly signal: string) {
    super(`interrupted by ${signal}`);
  }
}

/** SIGINT, SIGTERM and SIGHUP as the session sees them: the first one wins. */
export interface SessionSignals {
  /** Throws Interrupted if a signal has come: checked between start steps. */
  throwIfReceived(): void;
  /** Resolves with the first signal (at once if it came already). */
  received: Promise<string>;
  stop(): void;
}

export function watchSignals(onTerminate: (handler: (signal: string) => void) => () => void): SessionSignals {
  let first: string | undefined;
  let wake: (signal: string) => void = () => {};
  const received = new Promise<string>((resolve) => {
    wake = resolve;
  });
  const stop = onTerminate((signal) => {
    first ??= signal;
    wake(first);
  });
  return {
    throwIfReceived: () => {
      if (first) throw new Interrupted(first);
    },
    received,
    stop,
  };
}
