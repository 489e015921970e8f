import { chownSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { readHostFile } from "../adapters/open-files.ts";
import { INBOX_DIR } from "../core/open-items.ts";
import type { OpenDeps } from "../services/open.ts";
import { cpus, totalmem } from "node:os";
import { createClipboardSide } from "../adapters/clipboard.ts";
import { createPulseClient } from "../adapters/pulse.ts";
import { startClipboardBridge } from "../services/clipboard-bridge.ts";
import genericIcon from "../../packaging/icons/dockercask.svg" with { type: "text" };
import { loadConfig, sharedFolderRules } from "../adapters/config-file.ts";
import { openSharedFolders } from "../adapters/shared-folders.ts";
import { createDesktopFiles, resolveProgram } from "../adapters/desktop-files.ts";
import { createDockerClient, type DockerClient } from "../adapters/docker.ts";
import { localCookieHex, queryHostScreen } from "../adapters/host-display.ts";
import { requireTools } from "../adapters/host-tools.ts";
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
import { resolvePaths } from "../core/paths.ts";
import { isXephyrCommandLine } from "../core/xephyr.ts";
import { ensureImage, type BuildDeps } from "../services/build.ts";
import type { DesktopDeps } from "../services/desktop.ts";
import { reapContainerSide, reapHostSide, reapOrphans, unloadStraySoundSockets, type ReaperDeps } from "../services/reaper.ts";
import type { RunSessionDeps } from "../services/run-session.ts";
import type { SessionsDeps } from "../services/sessions.ts";
import { VERSION } from "../version.ts";

/** What every command needs, wired to the real adapters. Docker is connected only on demand. */
export function createContext(env: Record<string, string | undefined> = process.env, load = { catalog: loadCatalog }) {
  const paths = resolvePaths(env);
  // Read on first use: ps, stop, logs, shell and doctor never need it (nor its warnings).
  let loaded: Catalog | undefined;
  const catalog = () => (loaded ??= load.catalog(paths));
  const store = createInstanceStore(paths);
  const runtime = createRuntimeDirs(env);
  const pulse = createPulseClient(env);
  let docker: Promise<DockerClient> | undefined;
  const connect = () => (docker ??= createDockerClient(env));
  const buildDeps = async (): Promise<BuildDeps> => ({
    catalog: catalog(),
    images: await connect(),
    version: VERSION,
    reporter: (app) => createBuildReporter(app),
  });
  /** Menu entries: no Docker, a menu entry needs none. */
  const desktopDeps = (): DesktopDeps => ({ catalog: catalog(), files: createDesktopFiles(paths), program: resolveProgram(env), genericIcon });
  const warnStale = (app: string) => log.warn(`the image of ${app} is stale; "dockercask build ${app}" rebuilds it`);

  const reaperDeps = (containers: DockerClient | undefined): ReaperDeps => ({
    runtime,
    containers,
    isAlive: isSameProcessAlive,
    killProcess: (pid, start) => {
      // Only a process that is still the Xephyr we started: pids get reused.
      if (isSameProcessAlive(pid, start) && isXephyrCommandLine(processCommandLine(pid))) process.kill(pid, "SIGTERM");
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
  });

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
    ensureImage: async (app) => {
      await ensureImage(app, await buildDeps(), warnStale);
    },
    acquireRuntime: (name, state) => runtime.acquire(name, state),
    claimHome: (home, owner) => chownSync(home, owner.uid, owner.gid),
    writeAuthFiles,
    startXephyr: (options) => startXephyr(options, env),
    queryHostScreen: () => queryHostScreen(env.DISPLAY ?? ""),
    raiseWindow: (title) => raiseWindow(title, env),
    pulse,
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
    onTerminate: (handler) => {
      const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
      const listeners = signals.map((signal) => [signal, () => handler(signal)] as const);
      for (const [signal, listener] of listeners) process.on(signal, listener);
      return () => listeners.forEach(([signal, listener]) => process.off(signal, listener));
    },
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

  return {
    env,
    paths,
    get catalog() {
      return catalog();
    },
    store,
    runtime,
    connect,
    buildDeps,
    desktopDeps,
    warnStale,
    reap,
    sessionsDeps,
    sessionDeps,
    openDeps,
    config: () => loadConfig(paths, env),
  };
}
