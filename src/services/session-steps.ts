import type { RunningContainer } from "../ports/container-client.ts";
import type { XephyrHandle } from "../ports/xephyr.ts";
import type { InstanceSettings } from "../core/config.ts";
import { buildContainerSpec, containerUser, type ContainerSpecInput } from "../core/container-spec.ts";
import { describeEngine, type EngineIdentity } from "../core/engine.ts";
import { adaptSpecToEngine } from "../core/engine-spec.ts";
import { AlreadyRunningError, EngineCannotApplyError, messageOf } from "../core/errors.ts";
import { compareHardening, limitsBeyondEngine, settingsBeyondEngine } from "../core/hardening-check.ts";
import type { InstanceName } from "../core/instance-name.ts";
import { resolveLimits } from "../core/limits.ts";
import type { AppPolicy, ClipboardPolicy } from "../core/policy.ts";
import { CLIENT_AUTH_FILE, PULSE_SOCKET_FILE, SERVER_AUTH_FILE, type SessionState } from "../core/runtime.ts";
import { DEFAULT_MAX_CLIPBOARD_BYTES, watchesClipboard } from "../core/clipboard.ts";
import { generateCookie } from "../core/xauth.ts";
import { defaultWindowSize, hostDpi } from "../core/xephyr.ts";
import { windowClassName } from "../core/desktop-entry.ts";
import { allocateDisposable, disposableHomeBytes } from "../core/disposable.ts";
import { defaultLinksPolicy, defaultMailTarget } from "../core/bridge/links.ts";
import { checkImage, recipePolicy } from "./app-policy.ts";
import { recordState, type SessionResources, type SessionSignals } from "./session-resources.ts";
import type { RunOptions, RunSessionDeps } from "./run-session.ts";

// The start steps of a session (docs/architecture.md, "The run lifecycle"), in the order they
// begin. Each puts what it starts into the session's resources, so the teardown finds it.

/** Step: take the instance's runtime dir, which is its lock; a second run raises the window instead. */
export async function takeLock(template: InstanceName, disposable: boolean, deps: RunSessionDeps): Promise<{ name: InstanceName; runtime: SessionResources["runtime"]; state: SessionState }> {
  const stateOf = (instance: InstanceName): SessionState => ({
    instance: instance.full,
    pid: deps.host.supervisor.pid,
    pidStart: deps.host.supervisor.start,
    startedAt: new Date().toISOString(),
    ...(disposable ? { disposable: true } : {}),
  });
  if (disposable) {
    // The runtime dir is the lock: the lowest tmp-<n> whose dir this process creates is its name.
    const taken = allocateDisposable(template.app, (candidate) => {
      const acquired = deps.acquireRuntime(candidate, stateOf(candidate));
      return acquired.ok ? acquired.dir : undefined;
    });
    return { name: taken.name, runtime: taken.taken, state: stateOf(taken.name) };
  }
  const acquired = deps.acquireRuntime(template, stateOf(template));
  if (!acquired.ok) {
    const raised = await deps.raiseWindow(template.full).catch(() => false);
    throw new AlreadyRunningError(template.full, acquired.owner, raised);
  }
  return { name: template, runtime: acquired.dir, state: stateOf(template) };
}

/** What every start step shares, known before anything starts. */
export interface SessionPlan {
  name: InstanceName;
  settings: InstanceSettings;
  /** The recipe's (never the image's labels), so it is known before Docker is asked. */
  policy: AppPolicy;
  cookie: string;
  authFiles: { server: string; client: string };
  pulseSocket: string;
  /** The uid:gid the app runs as (ours, or the image's `app` user when we are root). */
  user: { uid: number; gid: number };
  /** The clipboard policy and cap: the config's, else the recipe's policy and the default cap. */
  clipboard: { clipboard: ClipboardPolicy; clipboardMaxBytes: number };
}

/** Step: a fresh cookie from the CSPRNG, and where its files and the sound socket go. */
export function planSession(name: InstanceName, runtimeDir: string, settings: InstanceSettings, deps: RunSessionDeps): SessionPlan {
  const policy = recipePolicy(deps.catalog, name.app);
  return {
    name,
    settings,
    policy,
    cookie: generateCookie(),
    authFiles: { server: `${runtimeDir}/${SERVER_AUTH_FILE}`, client: `${runtimeDir}/${CLIENT_AUTH_FILE}` },
    pulseSocket: `${runtimeDir}/${PULSE_SOCKET_FILE}`,
    user: containerUser(deps.host),
    clipboard: { clipboard: settings.clipboard ?? policy.clipboard, clipboardMaxBytes: settings.clipboardMaxBytes ?? DEFAULT_MAX_CLIPBOARD_BYTES },
  };
}

/** Step, beside Docker: what the container mounts of ours, the sound socket and the desktop bus. */
export async function openSockets(plan: SessionPlan, session: SessionResources, deps: RunSessionDeps): Promise<void> {
  const { settings, policy, name } = plan;
  const [relay, bus] = await Promise.all([
    (settings.audio ?? policy.audio) ? openSoundSocket(deps, plan.pulseSocket, name, settings.microphone ?? policy.microphone) : undefined,
    openBridge(deps, session.runtime.path, plan),
  ]);
  session.soundRelay = relay;
  session.bridge = bus;
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
    deps.log.warn(`running without sound: ${messageOf(error)}`);
    return undefined;
  });
}

/** The links and notifications bridge, or undefined (said once) when it cannot start: the app runs without. */
async function openBridge(deps: RunSessionDeps, runtimeDir: string, { name, settings, policy }: SessionPlan) {
  if (!deps.startBridge) return undefined;
  const network = settings.network ?? policy.network;
  const links = settings.links ?? defaultLinksPolicy(policy.links, network);
  const mail = settings.mail ?? defaultMailTarget(deps.store.list().map((r) => r.name.full));
  const notifications = settings.notifications ?? policy.notifications;
  return deps.startBridge({ runtimeDir, instance: name, links, mail, notifications }).catch((error) => {
    deps.log.warn(`running without links and notifications: ${messageOf(error)}`);
    return undefined;
  });
}

/**
 * Step, Docker: connect, refuse an engine that cannot apply the limits, clean up dead
 * sessions' containers, and make sure of the image (built if missing or stale).
 */
export async function prepareDocker(plan: SessionPlan, session: SessionResources, options: { noBuild?: boolean; disposable: boolean }, deps: RunSessionDeps): Promise<EngineIdentity> {
  const { name, user } = plan;
  const docker = await deps.docker();
  session.docker = docker;
  const engine = await docker.engine();
  const beyond = limitsBeyondEngine(engine);
  if (beyond.length) throw new EngineCannotApplyError(describeEngine(engine), beyond, { cgroupV1: true });
  await deps.reapContainers();
  await deps.ensureImage(name.app, { noBuild: options.noBuild });
  // A disposable instance writes nothing to the data folder: its home is a tmpfs in the container.
  if (!options.disposable) {
    deps.store.register(name);
    if (user.uid !== deps.host.uid) deps.claimHome(deps.store.homePath(name), user);
  }
  await checkImage(docker, deps.catalog, name.app, deps.log);
  return engine;
}

/**
 * Step, the window: the cookie files and the host's screen size, then Xephyr. `after` is what
 * must be done first (the Docker chain, for a new instance); `onSpawned` runs once Xephyr is
 * spawned, before it is up.
 */
export async function openWindow(
  plan: SessionPlan,
  session: SessionResources,
  signals: SessionSignals,
  options: { after?: Promise<unknown>; onSpawned: () => void },
  deps: RunSessionDeps,
): Promise<XephyrHandle> {
  const { settings, user, name, authFiles } = plan;
  const [screen] = await Promise.all([
    settings.size && settings.dpi ? undefined : deps.queryHostScreen(),
    deps.writeAuthFiles(authFiles, plan.cookie, user.uid !== deps.host.uid ? user : undefined),
    options.after,
  ]);
  signals.throwIfReceived();
  const size = settings.size ?? defaultWindowSize(screen);
  const dpi = settings.dpi ?? hostDpi(screen);
  const starting = deps.startXephyr({ authFile: authFiles.server, title: name.full, windowClass: windowClassName(name), width: size.width, height: size.height, dpi });
  options.onSpawned();
  const xephyr = await starting;
  session.xephyr = xephyr;
  recordState(session);
  deps.log.debug(`Xephyr is display :${xephyr.display} (pid ${xephyr.pid})`);
  return xephyr;
}

/**
 * Step, the container: its limits, its spec said the way this engine takes it (refused where it
 * cannot keep a promise), created, read back against the spec, and started.
 */
export async function startContainer(
  plan: SessionPlan,
  session: SessionResources,
  engine: EngineIdentity,
  display: number,
  extra: Pick<ContainerSpecInput, "appArgs" | "shared"> & Pick<RunOptions, "inbox"> & { disposable: boolean },
  deps: RunSessionDeps,
): Promise<RunningContainer> {
  const { name, policy, settings, user } = plan;
  const limits = resolveLimits({ label: policy.limits, configured: settings, host: deps.host.resources });
  session.limits = limits;
  const spec = buildContainerSpec({
    instance: name,
    policy,
    limits,
    display,
    clientAuthFile: plan.authFiles.client,
    home: extra.disposable ? { tmpfsBytes: disposableHomeBytes(limits) } : deps.store.homePath(name),
    startGate: extra.inbox?.marker,
    user,
    supervisor: deps.host.supervisor,
    network: settings.network,
    shared: extra.shared,
    pulseSocket: session.soundRelay ? plan.pulseSocket : undefined,
    bus: session.bridge,
    appArgs: extra.appArgs,
  });
  const adapted = adaptSpecToEngine(spec, engine, { host: deps.host, seccompFile: `${session.runtime.path}/seccomp.json` });
  const beyond = settingsBeyondEngine(adapted.spec, engine);
  if (beyond.length) throw new EngineCannotApplyError(describeEngine(engine), beyond, { cgroupV1: engine.rootless && engine.cgroupVersion === "1" });
  for (const file of adapted.files) deps.writePrivateFile(file.path, file.content);
  // The Docker chain finished before the window's was awaited, so the client is there.
  const container = await session.docker!.runContainer(adapted.spec, {
    check: (inspected) => {
      const problems = compareHardening(adapted.spec, inspected, engine);
      if (problems.length) throw new EngineCannotApplyError(describeEngine(engine), problems);
    },
  });
  session.containerId = container.id;
  session.clip = plan.clipboard;
  recordState(session);
  return container;
}

/**
 * Step, after the start and off the path to the window: the clipboard is not needed to draw it.
 * Not awaited either: the window may be closed while the clipboard is still connecting, and the
 * session must end then. A bridge that comes up after the teardown stops at once.
 */
export function shareClipboard(plan: SessionPlan, session: SessionResources, display: number, deps: RunSessionDeps): void {
  const { clipboard: clipboardPolicy, clipboardMaxBytes } = plan.clipboard;
  // `off` carries nothing, and `explicit` watches nothing: only `clip push/pull` move it, reading
  // the policy from the state.
  if (!watchesClipboard(clipboardPolicy)) return;
  void deps
    .startClipboard({
      policy: clipboardPolicy,
      primary: plan.settings.primary ?? false,
      maxBytes: clipboardMaxBytes,
      display,
      cookie: plan.cookie,
      authFile: plan.authFiles.server,
    })
    .then(
      (bridge) => {
        if (session.tornDown) bridge.stop();
        else session.clipboard = bridge;
      },
      (error) => {
        if (!session.tornDown) deps.log.warn(`the clipboard is not shared: ${String(error)}`);
      },
    );
}
