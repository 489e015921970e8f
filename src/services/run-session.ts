import type { ContainerClient, ImageClient } from "../adapters/docker.ts";
import type { InstanceStore } from "../adapters/instance-store.ts";
import type { AcquireResult } from "../adapters/runtime-dir.ts";
import type { XephyrHandle } from "../adapters/xephyr.ts";
import { imageName, type Catalog } from "../core/catalog.ts";
import { buildContainerSpec, containerUser } from "../core/container-spec.ts";
import { AlreadyRunningError, DockercaskError, InvalidPolicyError } from "../core/errors.ts";
import type { InstanceName } from "../core/instance-name.ts";
import { parsePolicy, type Network } from "../core/policy.ts";
import { CLIENT_AUTH_FILE, SERVER_AUTH_FILE, type SessionState } from "../core/runtime.ts";
import { generateCookie } from "../core/xauth.ts";
import { defaultWindowSize, hostDpi, type XephyrOptions } from "../core/xephyr.ts";
import { checkNewInstance } from "./instances.ts";

export interface SessionSettings {
  size?: { width: number; height: number };
  dpi?: number;
  network?: Network;
  shared?: { host: string; target: string; readOnly: boolean }[];
}

/** Everything a session touches, passed in so tests can drive the lifecycle with fakes. */
export interface RunSessionDeps {
  catalog: Catalog;
  store: InstanceStore;
  /** Checks the host before anything starts: DISPLAY, Xephyr, xauth. Throws with a hint. */
  preflight: () => void;
  /** Connects to Docker; builds the image when it is missing. */
  docker: () => Promise<ImageClient & ContainerClient>;
  ensureImage: (app: string) => Promise<void>;
  acquireRuntime: (name: InstanceName, state: SessionState) => AcquireResult;
  /** Gives the instance's home to the user the app runs as (differs from ours only when we are root). */
  claimHome: (home: string, owner: { uid: number; gid: number }) => void;
  writeAuthFiles: (files: { server: string; client: string }, cookie: string, owner?: { uid: number; gid: number }) => Promise<void>;
  startXephyr: (options: Omit<XephyrOptions, "displayFd">) => Promise<XephyrHandle>;
  queryHostScreen: () => Promise<{ width: number; height: number; widthMm: number; heightMm: number } | undefined>;
  raiseWindow: (title: string) => Promise<boolean>;
  /** Calls back on SIGINT, SIGTERM and SIGHUP; returns a function that unsubscribes. */
  onTerminate: (handler: (signal: string) => void) => () => void;
  host: { uid: number; gid: number; supervisor: { pid: number; start: string } };
  log: { info(message: string): void; warn(message: string): void; debug(message: string): void };
}

export interface RunOptions extends SessionSettings {
  appArgs?: string[];
  /** Settings from the config file for this instance; flags above win over them. */
  configured?: SessionSettings;
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
 * Runs one instance from start to teardown (DESIGN.md, "The run lifecycle"). Whatever ends
 * the session (the app, the window, a signal, or a failure while starting) the same
 * teardown runs once, in order: container, Xephyr, runtime dir (which is the lock).
 */
export async function runSession(input: string, deps: RunSessionDeps, options: RunOptions = {}): Promise<RunResult> {
  const name = checkNewInstance(input, deps.catalog);
  deps.preflight();
  const docker = await deps.docker();
  if (!deps.store.get(name)) deps.log.info(`adding instance ${name.full}`);
  await deps.ensureImage(name.app);
  deps.store.register(name);

  const policy = await readPolicy(docker, name.app);
  const state: SessionState = {
    instance: name.full,
    pid: deps.host.supervisor.pid,
    pidStart: deps.host.supervisor.start,
    startedAt: new Date().toISOString(),
  };
  const acquired = deps.acquireRuntime(name, state);
  if (!acquired.ok) {
    const raised = await deps.raiseWindow(name.full).catch(() => false);
    throw new AlreadyRunningError(name.full, acquired.owner, raised);
  }
  const runtime = acquired.dir;

  let xephyr: XephyrHandle | undefined;
  let containerId: string | undefined;
  let signalled: string | undefined;
  let wake: (() => void) | undefined;
  const unsubscribe = deps.onTerminate((signal) => {
    signalled ??= signal;
    wake?.();
  });
  const teardown = once(async () => {
    unsubscribe();
    if (containerId) await docker.removeContainer(containerId).catch((e) => deps.log.warn(`removing the container: ${String(e)}`));
    if (xephyr) await xephyr.stop();
    runtime.remove();
  });

  try {
    const cookie = generateCookie();
    const authFiles = { server: `${runtime.path}/${SERVER_AUTH_FILE}`, client: `${runtime.path}/${CLIENT_AUTH_FILE}` };
    const user = containerUser(deps.host);
    if (user.uid !== deps.host.uid) deps.claimHome(deps.store.homePath(name), user);
    const [screen] = await Promise.all([
      options.size && options.dpi ? undefined : deps.queryHostScreen(),
      deps.writeAuthFiles(authFiles, cookie, user.uid !== deps.host.uid ? user : undefined),
    ]);
    const size = options.size ?? options.configured?.size ?? defaultWindowSize(screen);
    const dpi = options.dpi ?? options.configured?.dpi ?? hostDpi(screen);
    throwIfSignalled(signalled);

    xephyr = await deps.startXephyr({ authFile: authFiles.server, title: name.full, width: size.width, height: size.height, dpi });
    runtime.writeState({ ...state, display: xephyr.display, xephyrPid: xephyr.pid, xephyrStart: xephyr.pidStart });
    deps.log.debug(`Xephyr is display :${xephyr.display} (pid ${xephyr.pid})`);
    throwIfSignalled(signalled);

    const spec = buildContainerSpec({
      instance: name,
      policy,
      display: xephyr.display,
      clientAuthFile: authFiles.client,
      home: deps.store.homePath(name),
      user,
      supervisor: deps.host.supervisor,
      network: options.network ?? options.configured?.network,
      shared: options.shared ?? options.configured?.shared,
      appArgs: options.appArgs,
    });
    const container = await docker.runContainer(spec);
    containerId = container.id;
    runtime.writeState({ ...state, display: xephyr.display, xephyrPid: xephyr.pid, xephyrStart: xephyr.pidStart, container: container.id });
    deps.log.info(`${name.full} is running on display :${xephyr.display}`);

    const signalled$ = new Promise<void>((resolve) => {
      wake = resolve;
      if (signalled) resolve();
    });
    const end = await Promise.race([
      container.exited.then((code) => ({ reason: "app-exited" as const, code })),
      xephyr.exited.then(() => ({ reason: "window-closed" as const, code: 0 })),
      signalled$.then(() => ({ reason: "signal" as const, code: SIGNAL_CODES[signalled ?? ""] ?? 1 })),
    ]);
    // The app is gone with its exit code; the container is removed anyway (AutoRemove may lag).
    if (end.reason === "app-exited") deps.log.debug(`the app exited with code ${end.code}`);
    await teardown();
    return { instance: name.full, reason: end.reason, exitCode: end.code };
  } catch (error) {
    await teardown();
    if (error instanceof Interrupted) return { instance: name.full, reason: "signal", exitCode: SIGNAL_CODES[error.signal] ?? 1 };
    throw error;
  }
}

async function readPolicy(images: ImageClient, app: string) {
  const image = await images.inspectImage(imageName(app));
  if (!image) throw new DockercaskError(`the image ${imageName(app)} is missing`, { code: "E_IMAGE", hint: `Build it: dockercask build ${app}` });
  const policy = parsePolicy(image.labels);
  if (!policy.ok) throw new InvalidPolicyError(app, policy.problems);
  return policy.policy;
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
