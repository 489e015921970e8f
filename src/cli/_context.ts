import { chownSync, existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readHostFile } from "../adapters/open-files.ts";
import { INBOX_DIR } from "../core/open-items.ts";
import type { OpenDeps } from "../services/open.ts";
import type { ClipDeps } from "../services/clip.ts";
import { SERVER_AUTH_FILE } from "../core/runtime.ts";
import { cpus, totalmem } from "node:os";
import { createClipboardSide } from "../adapters/clipboard.ts";
import { createPulseClient } from "../adapters/pulse.ts";
import { SIGNAL_CODES } from "../services/session-resources.ts";
import { startClipboardBridge } from "../services/clipboard-bridge.ts";
import genericIcon from "../../packaging/icons/dockercask.svg" with { type: "text" };
import { loadConfig, sharedFolderRules } from "../adapters/config-file.ts";
import { openSharedFolders } from "../adapters/shared-folders.ts";
import { createDesktopFiles, resolveProgram } from "../adapters/desktop-files.ts";
import { createDockerClient, type DockerClient } from "../adapters/docker.ts";
import { resolveEngineEndpoint } from "../adapters/engine.ts";
import { localCookieHex, queryHostScreen } from "../adapters/host-display.ts";
import { findExecutable, requireTools } from "../adapters/host-tools.ts";
import { createInstanceStore } from "../adapters/instance-store.ts";
import { loadCatalog } from "../adapters/catalog.ts";
import type { Catalog } from "../core/catalog.ts";
import { log } from "../adapters/log.ts";
import { isSameProcessAlive, processCommandLine, processStartTime } from "../adapters/process.ts";
import { createBuildReporter } from "../adapters/progress.ts";
import { createRuntimeDirs } from "../adapters/runtime-dir.ts";
import { raiseWindow } from "../adapters/window.ts";
import { writeAuthFiles } from "../adapters/xauth.ts";
import { startXephyr } from "../adapters/xephyr.ts";
import { clipboardSelections } from "../core/clipboard.ts";
import { DisplayUnsetError } from "../core/errors.ts";
import { recipeHash } from "../core/catalog.ts";
import { resolvePaths } from "../core/paths.ts";
import { isXephyrCommandLine } from "../core/xephyr.ts";
import { ensureImage, type BuildDeps } from "../services/build.ts";
import type { DesktopDeps } from "../services/desktop.ts";
import { reapContainerSide, reapHostSide, reapOrphans, unloadStraySoundSockets, type ReaperDeps } from "../services/reaper.ts";
import type { RunSessionDeps } from "../services/run-session.ts";
import type { SessionsDeps } from "../services/sessions.ts";
import { VERSION } from "../version.ts";
import { basename } from "node:path";
import { startBusEndpoint } from "../adapters/dbus-bridge.ts";
import { createHostNotifier } from "../adapters/host-notifier.ts";
import { createLinkOpeners } from "../adapters/link-openers.ts";
import { imageName } from "../core/catalog.ts";
import { parseInstanceName } from "../core/instance-name.ts";
import { parsePolicy } from "../core/policy.ts";
import { createDesktopBridge } from "../services/desktop-bridge.ts";
import { createLinkRouter } from "../services/link-router.ts";
import { createNotificationRelay } from "../services/notification-relay.ts";
import type { BridgeOptions } from "../services/run-session.ts";

/** What every command needs, wired to the real adapters. Docker is connected only on demand. */
/** Calls back on SIGINT, SIGTERM and SIGHUP (the signals SIGNAL_CODES knows); returns a function that unsubscribes. */
export function onTerminate(handler: (signal: string) => void): () => void {
  const listeners = Object.keys(SIGNAL_CODES).map((signal) => [signal, () => handler(signal)] as const);
  for (const [signal, listener] of listeners) process.on(signal, listener);
  return () => {
    for (const [signal, listener] of listeners) process.off(signal, listener);
  };
}

export function createContext(env: Record<string, string | undefined> = process.env, load = { catalog: loadCatalog }) {
  const paths = resolvePaths(env);
  // Read on first use: ps, stop, logs, shell and doctor never need it (nor its warnings).
  let loaded: Catalog | undefined;
  const catalog = () => (loaded ??= load.catalog(paths));
  const store = createInstanceStore(paths);
  const runtime = createRuntimeDirs(env);
  const pulse = createPulseClient(env);
  let docker: Promise<DockerClient> | undefined;
  // A config that cannot be read does not stop commands that need no settings (build, ps, stop):
  // they use the engine found. run, which needs the settings, reads the config itself and stops.
  const configuredEngine = () => {
    try {
      return loadConfig(paths, env).engine;
    } catch {
      return undefined;
    }
  };
  const endpoint = () => resolveEngineEndpoint(env, configuredEngine);
  const connect = () => (docker ??= Promise.resolve().then(() => createDockerClient(endpoint())));
  const buildDeps = async (): Promise<BuildDeps> => ({
    catalog: catalog(),
    images: await connect(),
    version: VERSION,
    reporter: (app) => createBuildReporter(app),
  });
  /** Menu entries: no Docker, a menu entry needs none. */
  const desktopDeps = (): DesktopDeps => ({ catalog: catalog(), files: createDesktopFiles(paths), program: resolveProgram(env), genericIcon });

  const reaperDeps = (containers: DockerClient | undefined): ReaperDeps => ({
    runtime,
    containers,
    isAlive: isSameProcessAlive,
    killProcess: (pid, start) => {
      // Only a process that is still the Xephyr we started: pids get reused.
      if (isSameProcessAlive(pid, start) && isOurProcess(processCommandLine(pid), runtime.root)) process.kill(pid, "SIGTERM");
    },
    pulseSockets: () => pulse.socketsUnder(runtime.root),
    unloadPulseModule: (index) => pulse.unload(index),
    exists: existsSync,
    log,
  });
  /** Cleans up after dead supervisors. Without Docker, only the host side is cleaned. */
  const reap = async () => reapOrphans(reaperDeps(await connect().catch(() => undefined)));
  const reported = new Set<string>();

  const sessionsDeps = async (): Promise<SessionsDeps> => ({
    runtime,
    containers: await connect(),
    isAlive: isSameProcessAlive,
    signal: (pid, signal) => process.kill(pid, signal),
    sleep: (ms) => Bun.sleep(ms),
    now: () => new Date(),
    expectedHash: (app) => (catalog().apps.has(app) ? recipeHash(catalog(), app) : undefined),
  });

  /** Runs argv (from the instance's app command) in its running container; false when it does not run. */
  const execIn = async (instance: string, argv: (command: string[]) => string[]): Promise<boolean> => {
    const state = runtime.readState(instance);
    if (!state?.container || !isSameProcessAlive(state.pid, state.pidStart)) return false;
    const docker = await connect();
    const image = await docker.inspectImage(imageName(parseInstanceName(instance).app));
    const policy = image ? parsePolicy(image.labels) : undefined;
    if (!policy?.ok) throw new Error(`the recipe of ${instance} cannot be read`);
    // The container's own user and environment; detached: the app keeps running as long as it likes.
    await docker.execDetached(state.container, argv(policy.policy.command));
    return true;
  };
  const startBridge = async (options: BridgeOptions) => {
    const from = options.instance.full;
    const notifier = createHostNotifier(env);
    const openers = createLinkOpeners({
      env,
      self: selfArgv(),
      execIn,
      knownApp: (instance) => catalog().apps.has(parseInstanceName(instance).app),
      from,
    });
    const now = () => Date.now();
    const bridge = createDesktopBridge({
      links: createLinkRouter({ from, links: options.links, mail: options.mail, instances: () => store.list().map((r) => r.name.full), openers, now, log }),
      notifications: createNotificationRelay({ instance: from, enabled: options.notifications, notifier, now, log }),
    });
    const endpoint = await startBusEndpoint({ runtimeDir: options.runtimeDir, handle: bridge.handle, log });
    return {
      ...endpoint,
      stop: () => {
        notifier.stop();
        endpoint.stop();
      },
    };
  };

  const sessionDeps = (): RunSessionDeps => ({
    catalog: catalog(),
    store,
    preflight: () => {
      if (!env.DISPLAY) throw new DisplayUnsetError();
      requireTools(["Xephyr", "xauth"], env);
    },
    docker: connect,
    reapHost: () => reapHostSide(reaperDeps(undefined), reported),
    reapContainers: async () => {
      const deps = reaperDeps(await connect());
      await Promise.all([reapContainerSide(deps, reported), unloadStraySoundSockets(deps)]);
    },
    openSharedFolders: (folders) => openSharedFolders(folders, sharedFolderRules(paths, env)),
    ensureImage: async (app, options) => {
      await ensureImage(app, await buildDeps(), { ...options, log });
    },
    acquireRuntime: (name, state) => runtime.acquire(name, state),
    claimHome: (home, owner) => chownSync(home, owner.uid, owner.gid),
    writePrivateFile: (path, content) => writeFileSync(path, content, { mode: 0o600 }),
    writeAuthFiles,
    startXephyr: (options) => startXephyr(options, env),
    queryHostScreen: () => queryHostScreen(env.DISPLAY ?? ""),
    raiseWindow: (title) => raiseWindow(title, env),
    pulse,
    startBridge: findExecutable("dbus-daemon", env.PATH) ? startBridge : undefined,
    startClipboard: async (options) => {
      const { xclip } = requireTools(["xclip"], env);
      const app = { DISPLAY: `:${options.display}`, XAUTHORITY: options.authFile };
      return startClipboardBridge({
        policy: options.policy,
        maxBytes: options.maxBytes,
        selections: clipboardSelections(options.primary),
        sides: {
          host: createClipboardSide({ display: env.DISPLAY ?? "", env, cookieHex: localCookieHex(env.DISPLAY ?? "", env) }, xclip),
          app: createClipboardSide({ display: app.DISPLAY, env: { ...env, ...app }, cookieHex: options.cookie }, xclip),
        },
        log,
      });
    },
    onTerminate,
    host: {
      uid: process.getuid!(),
      gid: process.getgid!(),
      supervisor: { pid: process.pid, start: processStartTime(process.pid) ?? "" },
      // What the default limits are a share of.
      resources: { memoryBytes: totalmem(), cpus: cpus().length },
    },
    log,
  });

  const openDeps = (): OpenDeps => ({
    session: sessionDeps(),
    docker: connect,
    runtime,
    isAlive: isSameProcessAlive,
    readFile: readHostFile,
    inboxNames: (name) => {
      // Names only, to pick new ones beside them; nothing is written here (the engine does that).
      try {
        return readdirSync(join(store.homePath(name), INBOX_DIR));
      } catch {
        return [];
      }
    },
  });

  /** `clip push/pull`: the desktop's clipboard and a running instance's, through xclip. */
  const clipDeps = (): ClipDeps => {
    if (!env.DISPLAY) throw new DisplayUnsetError();
    const { xclip } = requireTools(["xclip"], env);
    return {
      runtime,
      isAlive: isSameProcessAlive,
      sides: ({ display, runtimeDir }) => ({
        host: createClipboardSide({ display: env.DISPLAY ?? "", env, cookieHex: localCookieHex(env.DISPLAY ?? "", env) }, xclip),
        // The server's own auth file, as the bridge uses it: the cookie stays in the runtime dir.
        app: createClipboardSide({ display: `:${display}`, env: { ...env, DISPLAY: `:${display}`, XAUTHORITY: join(runtimeDir, SERVER_AUTH_FILE) } }, xclip),
      }),
      sleep: (ms, signal) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, ms);
          const cut = () => {
            clearTimeout(timer);
            resolve();
          };
          signal?.addEventListener("abort", cut, { once: true });
        }),
    };
  };

  return {
    env,
    paths,
    clipDeps,
    get catalog() {
      return catalog();
    },
    store,
    runtime,
    endpoint,
    connect,
    buildDeps,
    desktopDeps,
    reap,
    sessionsDeps,
    sessionDeps,
    openDeps,
    config: () => loadConfig(paths, env),
  };
}

/** A process the reaper may end: a Xephyr, or an instance's dbus-daemon (its config under our runtime dir). */
function isOurProcess(argv: string[], runtimeRoot: string): boolean {
  if (isXephyrCommandLine(argv)) return true;
  return basename(argv[0] ?? "") === "dbus-daemon" && argv.some((a) => a.startsWith(`--config-file=${runtimeRoot}/`));
}

/** How to start dockercask again: the compiled binary, or bun with the entry script. */
function selfArgv(): string[] {
  return /^bun(\.exe)?$/.test(basename(process.execPath)) && process.argv[1] ? [process.execPath, process.argv[1]] : [process.execPath];
}
