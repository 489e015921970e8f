import type { Catalog } from "../../core/catalog/catalog.ts";
import type { InstanceSettings } from "../../core/config/config.ts";
import type { EngineIdentity } from "../../core/container/engine.ts";
import { type HostResources, OutOfMemoryError } from "../../core/container/limits.ts";
import { messageOf } from "../../core/errors.ts";
import type { SharedFolder } from "../../core/files/shared-folders.ts";
import type { InstanceName, RunTarget } from "../../core/instance/name.ts";
import { signalExitCode } from "../../core/instance/signals.ts";
import type { RunningContainer } from "../../ports/container-client.ts";
import type { InstanceStore } from "../../ports/instance-store.ts";
import type { XephyrHandle } from "../../ports/xephyr.ts";
import { checkRunnable, checkRunnableApp } from "../instances.ts";
import type { CapabilityContext, SessionCapability, SessionLog } from "./capability.ts";
import { type ContainerPort, prepareContainer, startContainer } from "./container.ts";
import { type LockPort, takeLock } from "./lock.ts";
import { planSession } from "./plan.ts";
import { createSessionResources, createTeardown, type SessionResources } from "./resources.ts";
import { Interrupted, type OnTerminate, type SessionSignals, watchSignals } from "./signals.ts";
import { openWindow, type WindowPort } from "./window.ts";

/** Everything a session touches, passed in so tests can drive the lifecycle with fakes. */
export interface RunSessionDeps {
  catalog: Catalog;
  store: InstanceStore;
  /** Checks the host before anything starts: DISPLAY, Xephyr, xauth. Throws with a hint. */
  preflight: () => void;
  /** Cleans up after dead sessions on this host: their runtime dirs and Xephyrs (local and cheap). */
  reapHost: () => Promise<void>;
  /**
   * Opens the shared folders and checks each where it really is (symbolic links followed);
   * throws, having opened nothing, when one is missing or refused. The mounts name the opened
   * folders, so they are held until the container is gone.
   */
  openSharedFolders: (folders: SharedFolder[]) => {
    mounts: { source: string; target: string; readOnly: boolean }[];
    close(): void;
  };
  lock: Omit<LockPort, "supervisor">;
  window: WindowPort;
  container: ContainerPort;
  /** What the instance gets beside its window and container, in the order they start (session/capability.ts). */
  capabilities: readonly SessionCapability[];
  onTerminate: OnTerminate;
  host: { uid: number; gid: number; supervisor: { pid: number; start: string }; resources: HostResources };
  log: SessionLog;
}

export interface RunOptions extends InstanceSettings {
  appArgs?: string[];
  /** Run the existing image even when it is stale (said in a warning); never build. */
  noBuild?: boolean;
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
 * Runs one instance from start to teardown (docs/architecture.md, "The run lifecycle"). Whatever
 * ends the session (the app, the window, a signal, or a failure while starting) the same
 * teardown runs once, in the order session/resources.ts writes.
 */
export async function runSession(
  target: RunTarget,
  deps: RunSessionDeps,
  options: RunOptions = {},
): Promise<RunResult> {
  const { appArgs, configured, noBuild, inbox, onStarted, ...flags } = options;
  // A disposable instance's name is chosen once its lock is taken; until then only its app is known.
  const template = target.disposable
    ? { app: checkRunnableApp(target.app, deps.catalog), id: "", full: "" }
    : checkRunnable(target.name, deps.catalog);
  deps.preflight();
  const settings: InstanceSettings = { ...configured, ...definedOnly(flags) };
  // Before anything starts: a refused folder (checked where it really is) leaves nothing behind.
  // The folders stay open until the container is gone: what is mounted is what was checked.
  const shared = settings.shared?.length ? deps.openSharedFolders(settings.shared) : undefined;
  try {
    return await superviseSession(
      template,
      settings,
      { appArgs, shared: shared?.mounts, noBuild, disposable: target.disposable, inbox, onStarted },
      deps,
    );
  } finally {
    shared?.close();
  }
}

interface SessionExtra {
  appArgs?: string[];
  shared?: { source: string; target: string; readOnly: boolean }[];
  noBuild?: boolean;
  disposable: boolean;
  inbox?: RunOptions["inbox"];
  onStarted?: RunOptions["onStarted"];
}

async function superviseSession(
  template: InstanceName,
  settings: InstanceSettings,
  extra: SessionExtra,
  deps: RunSessionDeps,
): Promise<RunResult> {
  const { disposable } = extra;
  // An instance that ran before almost surely has its image: its window may open while Docker is
  // still being asked. A new one waits, so no empty window sits there during a first build.
  const known = !disposable && deps.store.get(template) !== undefined;
  if (!known && !disposable) deps.log.info(`adding instance ${template.full}`);

  // Local leftovers first (cheap, no Docker): a dead session of this very instance must give up
  // its lock, and its Xephyr must go, before we take over.
  await deps.reapHost();
  const { name, runtime, state } = await takeLock(template, disposable, {
    ...deps.lock,
    supervisor: deps.host.supervisor,
  });
  const session = createSessionResources(runtime, state);
  const signals = watchSignals(deps.onTerminate);
  const teardown = createTeardown(session, signals, deps.log);
  const containerContext = { catalog: deps.catalog, store: deps.store, host: deps.host, log: deps.log };

  try {
    const plan = planSession(name, runtime.path, settings, deps);
    const context = (display?: number): CapabilityContext => ({
      plan,
      display,
      log: deps.log,
      isTornDown: () => session.tornDown,
      busServices: () => session.running.flatMap((r) => (r.running.busService ? [r.running.busService] : [])),
    });
    // Three chains run side by side; the container needs all of them.
    // Docker: connect, clean up dead sessions' containers, the image (built if missing or stale).
    // Beside it, what the container mounts of ours: the capabilities that start before it.
    let dockerSide: Promise<EngineIdentity> | undefined;
    let capabilitiesSide: Promise<void> | undefined;
    const startDockerSide = () => {
      capabilitiesSide ??= startCapabilities("before-container", deps.capabilities, context(), session);
      dockerSide ??= prepareContainer(plan, session, extra, deps.container, containerContext);
    };
    // The window. For a known instance the Docker chain starts once Xephyr is spawned: loading
    // the Docker client takes the JS thread for a while, and Xephyr should be booting in its own
    // process meanwhile, not waiting.
    if (!known) startDockerSide();
    const windowSide = openWindow(
      plan,
      session,
      signals,
      { after: known ? undefined : dockerSide, onSpawned: startDockerSide },
      deps.window,
      deps.log,
    );
    // Settled, not all: whichever fails, teardown must know everything the other one started.
    const [windowResult] = await Promise.allSettled([windowSide]);
    const [dockerResult, capabilitiesResult] = await Promise.allSettled([dockerSide, capabilitiesSide]);
    if (windowResult.status === "rejected") throw windowResult.reason;
    if (dockerResult.status === "rejected") throw dockerResult.reason;
    if (capabilitiesResult.status === "rejected") throw capabilitiesResult.reason;
    const xephyr = windowResult.value;
    signals.throwIfReceived();

    session.recorded = Object.assign({}, ...deps.capabilities.map((c) => c.record?.(plan)));
    const sockets = session.running.flatMap((r) => (r.running.socket ? [r.running.socket] : []));
    // The window chain started the Docker chain before Xephyr came up, so its engine is there.
    const container = await startContainer(
      plan,
      session,
      {
        engine: dockerResult.value!,
        display: xephyr.display,
        sockets,
        appArgs: extra.appArgs,
        shared: extra.shared,
        startGate: extra.inbox?.marker,
        disposable,
      },
      deps.container,
      containerContext,
    );
    if (extra.inbox) await extra.inbox.deliver(container.id);
    extra.onStarted?.(name.full);
    deps.log.info(`${name.full} is running on display :${xephyr.display}`);
    // Off the path to the window, and not awaited: the session may end while they connect.
    void startCapabilities("after-container", deps.capabilities, context(xephyr.display), session);

    const end = await waitForEnd(container, xephyr, signals);
    // The app is gone with its exit code; the container is removed anyway (AutoRemove may lag).
    if (end.reason === "app-exited") deps.log.debug(`the app exited with code ${end.code}`);
    // Asked before the teardown removes the container, which is what still knows.
    const outOfMemory = end.reason === "app-exited" && (await container.oomKilled?.().catch(() => false));
    await teardown();
    if (outOfMemory && end.code !== 0) throw new OutOfMemoryError(name.full, session.limits!.memoryBytes);
    if (outOfMemory)
      deps.log.warn(`a process of ${name.full} was killed for passing the memory limit; the app went on and exited`);
    return { instance: name.full, reason: end.reason, exitCode: end.code };
  } catch (error) {
    await teardown();
    if (error instanceof Interrupted)
      return { instance: name.full, reason: "signal", exitCode: signalExitCode(error.signal) };
    throw error;
  }
}

/**
 * Starts the capabilities of one kind side by side. Each is put into the session's resources
 * as it comes up, so a sibling's failure cannot make the teardown forget it; one that comes up
 * after the teardown began is stopped at once.
 */
async function startCapabilities(
  starts: SessionCapability["starts"],
  capabilities: readonly SessionCapability[],
  context: CapabilityContext,
  session: SessionResources,
): Promise<void> {
  const started = capabilities
    .filter((c) => c.starts === starts)
    .map((capability) =>
      capability.start(context).then((running) => {
        if (!running) return;
        if (session.tornDown) return running.stop();
        // Kept in the list's order, whichever came up first: the container's sockets and the
        // teardown follow the list, not the race.
        session.running.push({ capability, running });
        session.running.sort((a, b) => capabilities.indexOf(a.capability) - capabilities.indexOf(b.capability));
      }),
    );
  const results = await Promise.allSettled(started);
  const failed = results.find((r) => r.status === "rejected");
  if (failed?.status !== "rejected") return;
  // After the container nothing waits for them: the app runs on, and the user is told.
  if (starts === "after-container") {
    if (!session.tornDown) context.log.warn(`a part of the session did not start: ${messageOf(failed.reason)}`);
    return;
  }
  throw failed.reason;
}

/** Waits for the first of the app exiting, the window closing, or a signal. */
function waitForEnd(
  container: RunningContainer,
  xephyr: XephyrHandle,
  signals: SessionSignals,
): Promise<{ reason: EndReason; code: number }> {
  return Promise.race([
    container.exited.then((code) => ({ reason: "app-exited" as const, code })),
    xephyr.exited.then(() => ({ reason: "window-closed" as const, code: 0 })),
    signals.received.then((signal) => ({ reason: "signal" as const, code: signalExitCode(signal) })),
  ]);
}

/** Only the keys that are set, so `{ ...config, ...definedOnly(flags) }` lets flags win where given. */
function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
