import type { ContainerClient } from "../ports/container-client.ts";
import type { EngineClient } from "../ports/engine-client.ts";
import type { ImageClient } from "../ports/image-client.ts";
import type { InstanceStore } from "../ports/instance-store.ts";
import type { AcquireResult, RuntimeDir } from "../ports/runtime-dirs.ts";
import type { XephyrHandle } from "../ports/xephyr.ts";
import type { Catalog } from "../core/catalog.ts";
import type { InstanceSettings } from "../core/config.ts";
import { buildContainerSpec, containerUser, type ContainerSpecInput } from "../core/container-spec.ts";
import { describeEngine, type EngineIdentity } from "../core/engine.ts";
import { adaptSpecToEngine } from "../core/engine-spec.ts";
import { AlreadyRunningError, EngineCannotApplyError } from "../core/errors.ts";
import { compareHardening, limitsBeyondEngine, settingsBeyondEngine } from "../core/hardening-check.ts";
import type { InstanceName } from "../core/instance-name.ts";
import { OutOfMemoryError, resolveLimits, type HostResources, type ResourceLimits } from "../core/limits.ts";
import type { AppPolicy, ClipboardPolicy } from "../core/policy.ts";
import { CLIENT_AUTH_FILE, PULSE_SOCKET_FILE, SERVER_AUTH_FILE, type SessionState } from "../core/runtime.ts";
import { DEFAULT_MAX_CLIPBOARD_BYTES, watchesClipboard } from "../core/clipboard.ts";
import { generateCookie } from "../core/xauth.ts";
import { defaultWindowSize, hostDpi, type XephyrOptions } from "../core/xephyr.ts";
import { windowClassName } from "../core/desktop-entry.ts";
import type { SharedFolder } from "../core/shared-folders.ts";
import { allocateDisposable, disposableHomeBytes } from "../core/disposable.ts";
import { checkImage, recipePolicy } from "./app-policy.ts";
import { checkDisposableApp, checkNewInstance } from "./instances.ts";
import { defaultLinksPolicy, defaultMailTarget, type LinksPolicy } from "../core/bridge/links.ts";

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

const SIGNAL_CODES: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/**
 * Runs one instance from start to teardown (docs/architecture.md, "The run lifecycle"). Whatever ends
 * the session (the app, the window, a signal, or a failure while starting) the same
 * teardown runs once, in order: container, Xephyr, runtime dir (which is the lock).
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

async function superviseSession(
  template: InstanceName,
  settings: InstanceSettings,
  extra: Pick<ContainerSpecInput, "appArgs" | "shared"> & Pick<RunOptions, "inbox" | "onStarted"> & { noBuild?: boolean; disposable: boolean },
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
  const stateOf = (instance: InstanceName): SessionState => ({
    instance: instance.full,
    pid: deps.host.supervisor.pid,
    pidStart: deps.host.supervisor.start,
    startedAt: new Date().toISOString(),
    ...(disposable ? { disposable: true } : {}),
  });
  let name = template;
  let runtime: RuntimeDir;
  if (disposable) {
    // The runtime dir is the lock: the lowest tmp-<n> whose dir this process creates is its name.
    const taken = allocateDisposable(template.app, (candidate) => {
      const acquired = deps.acquireRuntime(candidate, stateOf(candidate));
      return acquired.ok ? acquired.dir : undefined;
    });
    name = taken.name;
    runtime = taken.taken;
  } else {
    const acquired = deps.acquireRuntime(name, stateOf(name));
    if (!acquired.ok) {
      const raised = await deps.raiseWindow(name.full).catch(() => false);
      throw new AlreadyRunningError(name.full, acquired.owner, raised);
    }
    runtime = acquired.dir;
  }
  const state = stateOf(name);

  let docker: (ImageClient & ContainerClient & EngineClient) | undefined;
  let xephyr: XephyrHandle | undefined;
  let containerId: string | undefined;
  let soundRelay: { stop(): void } | undefined;
  let bridge: { socket: string; pid: number; stop(): void } | undefined;
  let clipboard: { stop(): void } | undefined;
  let limits: ResourceLimits | undefined;
  let tornDown = false;
  let signalled: string | undefined;
  let wake: (() => void) | undefined;
  const unsubscribe = deps.onTerminate((signal) => {
    signalled ??= signal;
    wake?.();
  });
  let clip: Pick<SessionState, "clipboard" | "clipboardMaxBytes"> = {};
  const recordState = () =>
    runtime.writeState({ ...state, display: xephyr?.display, xephyrPid: xephyr?.pid, xephyrStart: xephyr?.pidStart, container: containerId, limits, busPid: bridge?.pid, ...clip });
  const teardown = once(async () => {
    tornDown = true;
    unsubscribe();
    clipboard?.stop();
    if (containerId && docker) await docker.removeContainer(containerId).catch((e) => deps.log.warn(`removing the container: ${String(e)}`));
    if (xephyr) await xephyr.stop();
    soundRelay?.stop();
    bridge?.stop();
    runtime.remove();
  });

  try {
    const cookie = generateCookie();
    const authFiles = { server: `${runtime.path}/${SERVER_AUTH_FILE}`, client: `${runtime.path}/${CLIENT_AUTH_FILE}` };
    const pulseSocket = `${runtime.path}/${PULSE_SOCKET_FILE}`;
    const user = containerUser(deps.host);

    // The policy is the recipe's (never the image's labels), so it is known before Docker is asked.
    const policy = recipePolicy(deps.catalog, name.app);
    // Three chains run side by side; the container needs all of them.
    // Docker: connect, clean up dead sessions' containers, the image (built if missing or stale).
    // Beside it, what the container mounts of ours: the sound socket and the desktop bus.
    let dockerSide: Promise<EngineIdentity> | undefined;
    let socketsSide: Promise<void> | undefined;
    const startDockerSide = () => {
      socketsSide ??= (async () => {
        const [relay, bus] = await Promise.all([
          (settings.audio ?? policy.audio) ? openSoundSocket(deps, pulseSocket, name, settings.microphone ?? policy.microphone) : undefined,
          openBridge(deps, runtime.path, name, settings, policy),
        ]);
        soundRelay = relay;
        bridge = bus;
      })();
      dockerSide ??= (async () => {
        docker = await deps.docker();
        const engine = await docker.engine();
        const beyond = limitsBeyondEngine(engine);
        if (beyond.length) throw new EngineCannotApplyError(describeEngine(engine), beyond, { cgroupV1: true });
        await deps.reapContainers();
        await deps.ensureImage(name.app, { noBuild: extra.noBuild });
        // A disposable instance writes nothing to the data folder: its home is a tmpfs in the container.
        if (!disposable) {
          deps.store.register(name);
          if (user.uid !== deps.host.uid) deps.claimHome(deps.store.homePath(name), user);
        }
        await checkImage(docker, deps.catalog, name.app, deps.log);
        return engine;
      })();
      return dockerSide;
    };
    // The window: the cookie and the host's screen size, then Xephyr. For a known instance the
    // Docker chain starts once Xephyr is spawned: loading the Docker client takes the JS thread
    // for a while, and Xephyr should be booting in its own process meanwhile, not waiting.
    if (!known) startDockerSide();
    const windowSide = (async () => {
      const [screen] = await Promise.all([
        settings.size && settings.dpi ? undefined : deps.queryHostScreen(),
        deps.writeAuthFiles(authFiles, cookie, user.uid !== deps.host.uid ? user : undefined),
        known ? undefined : dockerSide,
      ]);
      throwIfSignalled(signalled);
      const size = settings.size ?? defaultWindowSize(screen);
      const dpi = settings.dpi ?? hostDpi(screen);
      const starting = deps.startXephyr({ authFile: authFiles.server, title: name.full, windowClass: windowClassName(name), width: size.width, height: size.height, dpi });
      startDockerSide();
      xephyr = await starting;
      recordState();
      deps.log.debug(`Xephyr is display :${xephyr.display} (pid ${xephyr.pid})`);
      return xephyr;
    })();
    // Settled, not all: whichever fails, teardown must know everything the other one started.
    const [windowResult] = await Promise.allSettled([windowSide]);
    const [dockerResult, socketsResult] = await Promise.allSettled([dockerSide, socketsSide]);
    if (windowResult.status === "rejected") throw windowResult.reason;
    if (dockerResult.status === "rejected") throw dockerResult.reason;
    if (socketsResult.status === "rejected") throw socketsResult.reason;
    const display = windowResult.value.display;
    throwIfSignalled(signalled);

    limits = resolveLimits({ label: policy.limits, configured: settings, host: deps.host.resources });
    const spec = buildContainerSpec({
      instance: name,
      policy,
      limits,
      display,
      clientAuthFile: authFiles.client,
      home: disposable ? { tmpfsBytes: disposableHomeBytes(limits) } : deps.store.homePath(name),
      startGate: extra.inbox?.marker,
      user,
      supervisor: deps.host.supervisor,
      network: settings.network,
      shared: extra.shared,
      pulseSocket: soundRelay ? pulseSocket : undefined,
      bus: bridge,
      appArgs: extra.appArgs,
    });
    // The same promises, said the way this engine takes them; refused where it cannot keep one.
    // The window chain started the Docker chain before Xephyr came up, so it is there.
    const engine = dockerResult.value!;
    const adapted = adaptSpecToEngine(spec, engine, { host: deps.host, seccompFile: `${runtime.path}/seccomp.json` });
    const beyond = settingsBeyondEngine(adapted.spec, engine);
    if (beyond.length) throw new EngineCannotApplyError(describeEngine(engine), beyond, { cgroupV1: engine.rootless && engine.cgroupVersion === "1" });
    for (const file of adapted.files) deps.writePrivateFile(file.path, file.content);
    const container = await docker!.runContainer(adapted.spec, {
      check: (inspected) => {
        const problems = compareHardening(adapted.spec, inspected, engine);
        if (problems.length) throw new EngineCannotApplyError(describeEngine(engine), problems);
      },
    });
    containerId = container.id;
    const clipboardPolicy = settings.clipboard ?? policy.clipboard;
    const clipboardMaxBytes = settings.clipboardMaxBytes ?? DEFAULT_MAX_CLIPBOARD_BYTES;
    clip = { clipboard: clipboardPolicy, clipboardMaxBytes };
    recordState();
    if (extra.inbox) await extra.inbox.deliver(container.id);
    extra.onStarted?.(name.full);
    deps.log.info(`${name.full} is running on display :${display}`);

    // After the start, off the path to the window: the clipboard is not needed to draw it. Not
    // awaited either: the window may be closed while the clipboard is still connecting, and
    // the session must end then. A bridge that comes up after the teardown stops at once.
    // `explicit` watches nothing: only `clip push/pull` move it, reading the policy from the state.
    if (watchesClipboard(clipboardPolicy)) {
      void deps
        .startClipboard({
          policy: clipboardPolicy,
          primary: settings.primary ?? false,
          maxBytes: clipboardMaxBytes,
          display,
          cookie,
          authFile: authFiles.server,
        })
        .then(
          (bridge) => {
            if (tornDown) bridge.stop();
            else clipboard = bridge;
          },
          (error) => {
            if (!tornDown) deps.log.warn(`the clipboard is not shared: ${String(error)}`);
          },
        );
    }

    const signalled$ = new Promise<void>((resolve) => {
      wake = resolve;
      if (signalled) resolve();
    });
    const end = await Promise.race([
      container.exited.then((code) => ({ reason: "app-exited" as const, code })),
      windowResult.value.exited.then(() => ({ reason: "window-closed" as const, code: 0 })),
      signalled$.then(() => ({ reason: "signal" as const, code: SIGNAL_CODES[signalled ?? ""] ?? 1 })),
    ]);
    // The app is gone with its exit code; the container is removed anyway (AutoRemove may lag).
    if (end.reason === "app-exited") deps.log.debug(`the app exited with code ${end.code}`);
    // Asked before the teardown removes the container, which is what still knows.
    const outOfMemory = end.reason === "app-exited" && (await container.oomKilled?.().catch(() => false));
    await teardown();
    if (outOfMemory && end.code !== 0) throw new OutOfMemoryError(name.full, limits.memoryBytes);
    if (outOfMemory) deps.log.warn(`a process of ${name.full} was killed for passing the memory limit; the app went on and exited`);
    return { instance: name.full, reason: end.reason, exitCode: end.code };
  } catch (error) {
    await teardown();
    if (error instanceof Interrupted) return { instance: name.full, reason: "signal", exitCode: SIGNAL_CODES[error.signal] ?? 1 };
    throw error;
  }
}

/** The instance's own sound socket, or undefined (said once) when the host has no sound server. */
async function openSoundSocket(deps: RunSessionDeps, path: string, name: InstanceName, microphone: boolean): Promise<{ stop(): void } | undefined> {
  const upstream = deps.pulse.serverSocket();
  if (!upstream) {
    deps.log.info("no PulseAudio or PipeWire sound server answered: running without sound");
    return undefined;
  }
  // The server info names the host's user and machine; the app sees its own instead.
  const identity = { user: "app", host: name.app };
  return deps.pulse.relay(path, upstream, { microphone, identity, log: deps.log }).catch((error) => {
    deps.log.warn(`running without sound: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  });
}

/** The links and notifications bridge, or undefined (said once) when it cannot start: the app runs without. */
async function openBridge(deps: RunSessionDeps, runtimeDir: string, name: InstanceName, settings: InstanceSettings, policy: AppPolicy) {
  if (!deps.startBridge) return undefined;
  const network = settings.network ?? policy.network;
  const links = settings.links ?? defaultLinksPolicy(policy.links, network);
  const mail = settings.mail ?? defaultMailTarget(deps.store.list().map((r) => r.name.full));
  const notifications = settings.notifications ?? policy.notifications;
  return deps.startBridge({ runtimeDir, instance: name, links, mail, notifications }).catch((error) => {
    deps.log.warn(`running without links and notifications: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  });
}

/** Only the keys that are set, so `{ ...config, ...definedOnly(flags) }` lets flags win where given. */
function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

class Interrupted extends Error {
  constructor(readonly signal: string) {
    super(`interrupted by ${signal}`);
  }
}

function throwIfSignalled(signal: string | undefined): void {
  if (signal) throw new Interrupted(signal);
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}
