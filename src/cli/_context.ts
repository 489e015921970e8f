import { createDockerClient, type DockerClient } from "../adapters/docker.ts";
import { createInstanceStore } from "../adapters/instance-store.ts";
import { loadCatalog } from "../adapters/catalog.ts";
import { log } from "../adapters/log.ts";
import { createBuildReporter } from "../adapters/progress.ts";
import { resolvePaths } from "../core/paths.ts";
import type { BuildDeps } from "../services/build.ts";
import { VERSION } from "../version.ts";

/** What every command needs, wired to the real adapters. Docker is connected only on demand. */
export function createContext(env: Record<string, string | undefined> = process.env) {
  const paths = resolvePaths(env);
  const catalog = loadCatalog(paths);
  const store = createInstanceStore(paths);
  let docker: Promise<DockerClient> | undefined;
  const connect = () => (docker ??= createDockerClient(env));
  const buildDeps = async (): Promise<BuildDeps> => ({
    catalog,
    images: await connect(),
    version: VERSION,
    reporter: (app) => createBuildReporter(app),
  });
  const warnStale = (app: string) => log.warn(`the image of ${app} is stale; "dockercask build ${app}" rebuilds it`);
  return { env, paths, catalog, store, connect, buildDeps, warnStale };
}
