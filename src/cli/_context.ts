import { chownSync } from "node:fs";
import { loadConfig } from "../adapters/config-file.ts";
import { createDockerClient, type DockerClient } from "../adapters/docker.ts";
import { queryHostScreen } from "../adapters/host-display.ts";
import { requireTools } from "../adapters/host-tools.ts";
import { createInstanceStore } from "../adapters/instance-store.ts";
import { loadCatalog } from "../adapters/catalog.ts";
import { log } from "../adapters/log.ts";
import { isSameProcessAlive, processCommandLine, processStartTime } from "../adapters/process.ts";
import { createBuildReporter } from "../adapters/progress.ts";
import { createRuntimeDirs } from "../adapters/runtime-dir.ts";
import { raiseWindow } from "../adapters/window.ts";
import { writeAuthFiles } from "../adapters/xauth.ts";
import { startXephyr } from "../adapters/xephyr.ts";
import { DisplayUnsetError } from "../core/errors.ts";
import { resolvePaths } from "../core/paths.ts";
import { ensureImage, type BuildDeps } from "../services/build.ts";
import { reapOrphans } from "../services/reaper.ts";
import type { RunSessionDeps } from "../services/run-session.ts";
import type { SessionsDeps } from "../services/sessions.ts";
import { VERSION } from "../version.ts";

/** What every command needs, wired to the real adapters. Docker is connected only on demand. */
export function createContext(env: Record<string, string | undefined> = process.env) {
  const paths = resolvePaths(env);
  const catalog = loadCatalog(paths);
  const store = createInstanceStore(paths);
  const runtime = createRuntimeDirs(env);
  let docker: Promise<DockerClient> | undefined;
  const connect = () => (docker ??= createDockerClient(env));
  const buildDeps = async (): Promise<BuildDeps> => ({
    catalog,
    images: await connect(),
    version: VERSION,
    reporter: (app) => createBuildReporter(app),
  });
  const warnStale = (app: string) => log.warn(`the image of ${app} is stale; "dockercask build ${app}" rebuilds it`);

  /** Cleans up after dead supervisors. Without Docker, only the host side is cleaned. */
  const reap = async () =>
    reapOrphans({
      runtime,
      containers: await connect().catch(() => undefined),
      isAlive: isSameProcessAlive,
      killProcess: (pid, start) => {
        // Only a process that is still the Xephyr we started: pids get reused.
        if (isSameProcessAlive(pid, start) && processCommandLine(pid)[0]?.endsWith("Xephyr")) process.kill(pid, "SIGTERM");
      },
      log,
    });

  const sessionsDeps = async (): Promise<SessionsDeps> => ({
    runtime,
    containers: await connect(),
    isAlive: isSameProcessAlive,
    signal: (pid, signal) => process.kill(pid, signal),
    sleep: (ms) => Bun.sleep(ms),
    now: () => new Date(),
  });

  const sessionDeps = (): RunSessionDeps => ({
    catalog,
    store,
    preflight: () => {
      if (!env.DISPLAY) throw new DisplayUnsetError();
      requireTools(["Xephyr", "xauth"], env);
    },
    docker: connect,
    ensureImage: async (app) => {
      await ensureImage(app, await buildDeps(), warnStale);
    },
    acquireRuntime: (name, state) => runtime.acquire(name, state),
    claimHome: (home, owner) => chownSync(home, owner.uid, owner.gid),
    writeAuthFiles,
    startXephyr: (options) => startXephyr(options, env),
    queryHostScreen: () => queryHostScreen(env.DISPLAY ?? ""),
    raiseWindow: (title) => raiseWindow(title, env),
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
    },
    log,
  });

  return { env, paths, catalog, store, runtime, connect, buildDeps, warnStale, reap, sessionsDeps, sessionDeps, config: () => loadConfig(paths, env) };
}
