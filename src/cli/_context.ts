import { chownSync, existsSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import genericIcon from "../../packaging/icons/dockercask.svg" with { type: "text" };
import { loadCatalog } from "../adapters/catalog.ts";
import { createClipboardSide } from "../adapters/clipboard.ts";
import { loadConfig, sharedFolderRules } from "../adapters/config-file.ts";
import { createDebProbe } from "../adapters/deb-probe.ts";
import { createDesktopFiles, resolveProgram } from "../adapters/desktop-files.ts";
import { createDockerClient, type DockerClient } from "../adapters/docker.ts";
import { resolveEngineEndpoint } from "../adapters/engine.ts";
import { listNames, writePrivateFile } from "../adapters/files.ts";
import { localCookieHex, queryHostScreen } from "../adapters/host-display.ts";
import { requireTools } from "../adapters/host-tools.ts";
import { createInstanceStore } from "../adapters/instance-store.ts";
import { log } from "../adapters/log.ts";
import { readHostFile } from "../adapters/open-files.ts";
import { endProcess, isSameProcessAlive, processCommandLine, supervisorIdentity } from "../adapters/process.ts";
import { createBuildReporter } from "../adapters/progress.ts";
import { createRuntimeDirs } from "../adapters/runtime-dir.ts";
import { openSharedFolders } from "../adapters/shared-folders.ts";
import { onTerminate, sleepUnless } from "../adapters/signals.ts";
import { createSoundServer } from "../adapters/sound-server.ts";
import { writeUserApp } from "../adapters/user-catalog.ts";
import { raiseWindow } from "../adapters/window.ts";
import { writeAuthFiles } from "../adapters/xauth.ts";
import { startXephyr } from "../adapters/xephyr.ts";
import { BASE_APP, type Catalog, recipeHash } from "../core/catalog/catalog.ts";
import { resolvePaths } from "../core/config/paths.ts";
import { DisplayUnsetError } from "../core/errors.ts";
import { INBOX_DIR } from "../core/files/open-items.ts";
import { SERVER_AUTH_FILE } from "../core/instance/runtime.ts";
import { type BuildDeps, ensureImage } from "../services/build.ts";
import type { ClipDeps } from "../services/clip.ts";
import { resolveAppName } from "../services/deb-app.ts";
import type { DesktopDeps } from "../services/desktop.ts";
import { execInRunning } from "../services/exec-in.ts";
import type { OpenDeps } from "../services/open.ts";
import {
  type ReaperDeps,
  reapContainerSide,
  reapHostSide,
  reapOrphans,
  unloadStraySoundSockets,
} from "../services/reaper.ts";
import type { RunSessionDeps } from "../services/session/run.ts";
import { WINDOW_LEFTOVERS } from "../services/session/window.ts";
import type { SessionsDeps } from "../services/sessions.ts";
import { VERSION } from "../version.ts";
import { sessionCapabilities } from "./_capabilities.ts";

/** What every command needs, wired to the real adapters. Docker is connected only on demand. */
export function createContext(env: Record<string, string | undefined> = process.env, load = { catalog: loadCatalog }) {
  const paths = resolvePaths(env);
  // Read on first use: ps, stop, logs, shell and doctor never need it (nor its warnings).
  let loaded: Catalog | undefined;
  const catalog = () => (loaded ??= load.catalog(paths));
  const store = createInstanceStore(paths);
  const runtime = createRuntimeDirs(env);
  const sound = createSoundServer(env);
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
  const desktopDeps = (): DesktopDeps => ({
    catalog: catalog(),
    files: createDesktopFiles(paths),
    program: resolveProgram(env),
    genericIcon,
  });

  const reaperDeps = (containers: DockerClient | undefined): ReaperDeps => ({
    runtime,
    containers,
    isAlive: isSameProcessAlive,
    leftovers: { kinds: leftoverKinds(), runtimeRoot: runtime.root, commandLine: processCommandLine, end: endProcess },
    pulseSockets: () => sound.socketsUnder(runtime.root),
    unloadPulseModule: (index) => sound.unload(index),
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

  const execIn = (instance: string, argv: (command: string[]) => string[]) =>
    execInRunning(instance, argv, { runtime, isAlive: isSameProcessAlive, docker: connect });
  // One list for the session and the reaper, made on first use: the reaper ends what these start.
  let made: ReturnType<typeof sessionCapabilities> | undefined;
  const capabilities = () => (made ??= sessionCapabilities({ env, catalog, store, sound, execIn }));
  /** What a session may leave on the host when its supervisor is killed: its window's Xephyr and each capability's own. */
  const leftoverKinds = () => [
    ...WINDOW_LEFTOVERS,
    ...capabilities().flatMap((c) => (c.leftovers ? [c.leftovers] : [])),
  ];

  const sessionDeps = (): RunSessionDeps => ({
    catalog: catalog(),
    store,
    preflight: () => {
      if (!env.DISPLAY) throw new DisplayUnsetError();
      requireTools(["Xephyr", "xauth"], env);
    },
    reapHost: () => reapHostSide(reaperDeps(undefined), reported),
    openSharedFolders: (folders) => openSharedFolders(folders, sharedFolderRules(paths, env)),
    lock: {
      acquireRuntime: (name, state) => runtime.acquire(name, state),
      raiseWindow: (title) => raiseWindow(title, env),
    },
    window: {
      writeAuthFiles,
      startXephyr: (options) => startXephyr(options, env),
      queryHostScreen: () => queryHostScreen(env.DISPLAY ?? ""),
    },
    container: {
      docker: connect,
      reapContainers: async () => {
        const deps = reaperDeps(await connect());
        await Promise.all([reapContainerSide(deps, reported), unloadStraySoundSockets(deps)]);
      },
      ensureImage: async (app, options) => {
        await ensureImage(app, await buildDeps(), { ...options, log });
      },
      claimHome: (home, owner) => chownSync(home, owner.uid, owner.gid),
      writePrivateFile,
    },
    capabilities: capabilities(),
    onTerminate,
    host: {
      uid: process.getuid!(),
      gid: process.getgid!(),
      supervisor: supervisorIdentity(),
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
    // Names only, to pick new ones beside them; nothing is written here (the engine does that).
    inboxNames: (name) => listNames(join(store.homePath(name), INBOX_DIR)),
  });

  /** `clip push/pull`: the desktop's clipboard and a running instance's, through xclip. */
  const clipDeps = (): ClipDeps => {
    if (!env.DISPLAY) throw new DisplayUnsetError();
    const { xclip } = requireTools(["xclip"], env);
    return {
      runtime,
      isAlive: isSameProcessAlive,
      sides: ({ display, runtimeDir }) => ({
        host: createClipboardSide(
          { display: env.DISPLAY ?? "", env, cookieHex: localCookieHex(env.DISPLAY ?? "", env) },
          xclip,
        ),
        // The server's own auth file, as the bridge uses it: the cookie stays in the runtime dir.
        app: createClipboardSide(
          {
            display: `:${display}`,
            env: { ...env, DISPLAY: `:${display}`, XAUTHORITY: join(runtimeDir, SERVER_AUTH_FILE) },
          },
          xclip,
        ),
      }),
      sleep: sleepUnless,
    };
  };

  /** The instance name a command goes on with: `deb:<package>` made into the app it runs as (services/deb-app.ts). */
  const resolveApp = (input: string) =>
    resolveAppName(input, {
      catalog,
      reloadCatalog: () => {
        loaded = undefined;
      },
      ensureBase: async () => {
        await ensureImage(BASE_APP, await buildDeps(), { log });
      },
      probe: createDebProbe(connect),
      writeRecipe: (app, files) => writeUserApp(paths.userApps, app, files),
      log,
    });

  return {
    env,
    paths,
    resolveApp,
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
