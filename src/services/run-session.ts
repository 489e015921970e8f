import type { ContainerClient, RunningContainer } from "../ports/container-client.ts";
import type { EngineClient } from "../ports/engine-client.ts";
import type { ImageClient } from "../ports/image-client.ts";
import type { InstanceStore } from "../ports/instance-store.ts";
import type { AcquireResult } from "../ports/runtime-dirs.ts";
import type { XephyrHandle } from "../ports/xephyr.ts";
import type { Catalog } from "../core/catalog.ts";
import type { InstanceSettings } from "../core/config.ts";
import type { ContainerSpecInput } from "../core/container-spec.ts";
import type { EngineIdentity } from "../core/engine.ts";
import type { InstanceName } from "../core/instance-name.ts";
import { OutOfMemoryError, type HostResources } from "../core/limits.ts";
import type { ClipboardPolicy } from "../core/policy.ts";
import type { SessionState } from "../core/runtime.ts";
import type { XephyrOptions } from "../core/xephyr.ts";
import type { SharedFolder } from "../core/shared-folders.ts";
import type { LinksPolicy } from "../core/bridge/links.ts";
import { checkDisposableApp, checkNewInstance } from "./instances.ts";
import { createSessionResources, createTeardown, Interrupted, SIGNAL_CODES, watchSignals, type SessionSignals } from "./session-resources.ts";
import { openSockets, openWindow, planSession, prepareDocker, shareClipboard, startContainer, takeLock } from "./session-steps.ts";

/** Everything a session touches, passed in so tests can drive the lifecycle with fakes. */
export interface RunSessionDeps {
  catalog: Catalog;
  store: InstanceStore;
  /** Checks the host before anything starts: DISPLAY, Xephyr, xauth. Throws with a hint. */
  preflight: () => void;
  /** Connects to Docker. */
  docker: () => Promise<ImageClient & ContainerClient & EngineClient>;
  /** Writes a file only the user can read (the seccomp profile Podman takes as a path). */
  writePrivateFile: (path: string, content: string) => void;
  /** Cleans up after dead sessions: their runtime dirs and Xephyrs (local and cheap), then their containers. */
  reapHost: () => Promise<void>;
  reapContainers: () => Promise<void>;
  /**
   * Opens the shared folders and checks each where it really is (symbolic links followed);
   * throws, having opened nothing, when one is missing or refused. The mounts name the opened
   * folders, so they are held until the container is gone.
   */
  openSharedFolders: (folders: SharedFolder[]) => { mounts: { source: string; target: string; readOnly: boolean }[]; close(): void };
  /** Builds the app's image (and its base) when missing or stale; with noBuild, only warns. */
  ensureImage: (app: string, options: { noBuild?: boolean }) => Promise<void>;
  acquireRuntime: (name: InstanceName, state: SessionState) => AcquireResult;
  /** Gives the instance's home to the user the app runs as (differs from ours only when we are root). */
  claimHome: (home: string, owner: { uid: number; gid: number }) => void;
  writeAuthFiles: (files: { server: string; client: string }, cookie: string, owner?: { uid: number; gid: number }) => Promise<void>;
  startXephyr: (options: Omit<XephyrOptions, "displayFd">) => Promise<XephyrHandle>;
  queryHostScreen: () => Promise<{ width: number; height: number; widthMm: number; heightMm: number } | undefined>;
  raiseWindow: (title: string) => Promise<boolean>;
  /** The host's sound server, reached through the instance's own filtered socket (adapters/pulse-relay.ts). */
  pulse: {
    serverSocket(): string | undefined;
    relay(path: string, upstream: string, options: { microphone: boolean; identity: { user: string; host: string }; log: RunSessionDeps["log"] }): Promise<{ stop(): void }>;
  };
  /**
   * The instance's own D-Bus endpoint for links and notifications (adapters/dbus-bridge.ts),
   * started before the container so its socket can be mounted. Optional: without it an
   * instance has no bus, as before.
   */
  startBridge?: (options: BridgeOptions) => Promise<{ socket: string; pid: number; stop(): void }>;
  /** Starts carrying the clipboard between the host display and the instance's display. */
  startClipboard: (options: { policy: ClipboardPolicy; primary: boolean; maxBytes: number; display: number; cookie: string; authFile: string }) => Promise<{ stop(): void }>;
  /** Calls back on SIGINT, SIGTERM and SIGHUP; returns a function that unsubscribes. */
  onTerminate: (handler: (signal: string) => void) => () => void;
  host: { uid: number; gid: number; supervisor: { pid: number; start: string }; resources: HostResources };
  log: { info(message: string): void; warn(message: string): void; debug(message: string): void };
}

export interface BridgeOptions {
  runtimeDir: string;
  instance: InstanceName;
  links: LinksPolicy;
  mail?: LinksPolicy;
  notifications: boolean;
}

export interface RunOptions extends InstanceSettings {
  appArgs?: string[];
  /** Run the existing image even when it is stale (said in a warning); never build. */
  noBuild?: boolean;
  /** A throwaway instance of the app `input` names: home in a tmpfs, nothing registered, named `<app>#tmp-<n>`. */
  disposable?: boolean;
  /**
   * Files that come with the start (services/open.ts): the app waits for `marker` (a path in the
   * container), which `deliver` writes last, once the container runs.
   */
  inbox?: { marker: string; deliver: (containerId: string) => Promise<void> };
  /** Called once the container runs (and the inbox is delivered), with the instance's name. */
  onStarted?: (instance: string) => void;
  /** Settings from the config file for this instance; flags above win over them. */
  configured?: InstanceSettings;
}

export type EndReason = "app-exited" | "window-closed" | "signal";

export interface RunResult {
  instance: string;
  reason: EndReason;
  /** What `dockercask run` should exit with: the app's code, 0 for a closed window, 128+n for a signal. */
  exitCode: number;
}

/**
 * Runs one instance from start to teardown (docs/architecture.md, "The run lifecycle"). Whatever ends
 * the session (the app, the window, a signal, or a failure while starting) the same
 * teardown runs once, in order: clipboard, container, Xephyr, sound relay, bus, runtime dir (the lock).
 */
export async function runSession(input: string, deps: RunSessionDeps, options: RunOptions = {}): Promise<RunResult> {
  const { appArgs, configured, noBuild, disposable, inbox, onStarted, ...flags } = options;
  // A disposable instance's name is chosen once its lock is taken; until then only its app is known.
  const name = disposable ? { app: checkDisposableApp(input, deps.catalog), id: "", full: "" } : checkNewInstance(input, deps.catalog);
  deps.preflight();
  const settings: InstanceSettings = { ...configured, ...definedOnly(flags) };
  // Before anything starts: a refused folder (checked where it really is) leaves nothing behind.
  // The folders stay open until the container is gone: what is mounted is what was checked.
  const shared = settings.shared?.length ? deps.openSharedFolders(settings.shared) : undefined;
  try {
    return await superviseSession(name, settings, { appArgs, shared: shared?.mounts, noBuild, disposable: disposable === true, inbox, onStarted }, deps);
  } finally {
    shared?.close();
  }
}

type SessionExtra = Pick<ContainerSpecInput, "appArgs" | "shared"> & Pick<RunOptions, "inbox" | "onStarted"> & { noBuild?: boolean; disposable: boolean };

async function superviseSession(template: InstanceName, settings: InstanceSettings, extra: SessionExtra, deps: RunSessionDeps): Promise<RunResult> {
  const { disposable } = extra;
  // An instance that ran before almost surely has its image: its window may open while Docker is
  // still being asked. A new one waits, so no empty window sits there during a first build.
  const known = !disposable && deps.store.get(template) !== undefined;
  if (!known && !disposable) deps.log.info(`adding instance ${template.full}`);

  // Local leftovers first (cheap, no Docker): a dead session of this very instance must give up
  // its lock, and its Xephyr must go, before we take over.
  await deps.reapHost();
  const { name, runtime, state } = await takeLock(template, disposable, deps);
  const session = createSessionResources(runtime, state);
  const signals = watchSignals(deps.onTerminate);
  const teardown = createTeardown(session, signals, deps.log);

  try {
    const plan = planSession(name, runtime.path, settings, deps);
    // Three chains run side by side; the container needs all of them.
    // Docker: connect, clean up dead sessions' containers, the image (built if missing or stale).
    // Beside it, what the container mounts of ours: the sound socket and the desktop bus.
    let dockerSide: Promise<EngineIdentity> | undefined;
    let socketsSide: Promise<void> | undefined;
    const startDockerSide = () => {
      socketsSide ??= openSockets(plan, session, deps);
      dockerSide ??= prepareDocker(plan, session, extra, deps);
    };
    // The window. For a known instance the Docker chain starts once Xephyr is spawned: loading
    // the Docker client takes the JS thread for a while, and Xephyr should be booting in its own
    // process meanwhile, not waiting.
    if (!known) startDockerSide();
    const windowSide = openWindow(plan, session, signals, { after: known ? undefined : dockerSide, onSpawned: startDockerSide }, deps);
    // Settled, not all: whichever fails, teardown must know everything the other one started.
    const [windowResult] = await Promise.allSettled([windowSide]);
    const [dockerResult, socketsResult] = await Promise.allSettled([dockerSide, socketsSide]);
    if (windowResult.status === "rejected") throw windowResult.reason;
    if (dockerResult.status === "rejected") throw dockerResult.reason;
    if (socketsResult.status === "rejected") throw socketsResult.reason;
    const xephyr = windowResult.value;
    signals.throwIfReceived();

    // The window chain started the Docker chain before Xephyr came up, so its engine is there.
    const container = await startContainer(plan, session, dockerResult.value!, xephyr.display, extra, deps);
    if (extra.inbox) await extra.inbox.deliver(container.id);
    extra.onStarted?.(name.full);
    deps.log.info(`${name.full} is running on display :${xephyr.display}`);
    shareClipboard(plan, session, xephyr.display, deps);

    const end = await waitForEnd(container, xephyr, signals);
    // The app is gone with its exit code; the container is removed anyway (AutoRemove may lag).
    if (end.reason === "app-exited") deps.log.debug(`the app exited with code ${end.code}`);
    // Asked before the teardown removes the container, which is what still knows.
    const outOfMemory = end.reason === "app-exited" && (await container.oomKilled?.().catch(() => false));
    await teardown();
    if (outOfMemory && end.code !== 0) throw new OutOfMemoryError(name.full, session.limits!.memoryBytes);
    if (outOfMemory) deps.log.warn(`a process of ${name.full} was killed for passing the memory limit; the app went on and exited`);
    return { instance: name.full, reason: end.reason, exitCode: end.code };
  } catch (error) {
    await teardown();
    if (error instanceof Interrupted) return { instance: name.full, reason: "signal", exitCode: SIGNAL_CODES[error.signal] ?? 1 };
    throw error;
  }
}

/** Step: wait for the first of the app exiting, the window closing, or a signal. */
function waitForEnd(container: RunningContainer, xephyr: XephyrHandle, signals: SessionSignals): Promise<{ reason: EndReason; code: number }> {
  return Promise.race([
    container.exited.then((code) => ({ reason: "app-exited" as const, code })),
    xephyr.exited.then(() => ({ reason: "window-closed" as const, code: 0 })),
    signals.received.then((signal) => ({ reason: "signal" as const, code: SIGNAL_CODES[signal] ?? 1 })),
  ]);
}

/** Only the keys that are set, so `{ ...config, ...definedOnly(flags) }` lets flags win where given. */
function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
