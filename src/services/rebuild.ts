import { type Catalog, imageName, runnableApps } from "../core/catalog/catalog.ts";
import { DockercaskError } from "../core/errors.ts";
import { parseAppName } from "../core/instance/name.ts";
import type { ImageClient } from "../ports/image-client.ts";
import { type BuildDeps, type BuildOptions, type BuildResult, buildApps } from "./build.ts";

/** The apps `update` rebuilds: the one named, or else every app of the catalog that has an image. */
export async function appsToUpdate(
  only: string | undefined,
  deps: { catalog: Catalog; images: ImageClient },
): Promise<string[]> {
  if (only) return [parseAppName(only)];
  const apps: string[] = [];
  for (const app of runnableApps(deps.catalog))
    if (await deps.images.inspectImage(imageName(app.name))) apps.push(app.name);
  return apps;
}

/** `build-all`: every app of the catalog. One that cannot build (a vendor's server out of reach) does not stop the others. */
export function buildAll(deps: BuildDeps, options: BuildOptions = {}): Promise<BuildResult[]> {
  return buildApps(
    runnableApps(deps.catalog).map((a) => a.name),
    deps,
    { ...options, keepGoing: true },
  );
}

/** What `build-all` says of the apps that did not build (one line each), and the error it then exits with. */
export function buildAllFailures(results: BuildResult[]): { messages: string[]; error?: DockercaskError } {
  const messages: string[] = [];
  const failed: string[] = [];
  for (const r of results) {
    if (r.action === "failed") messages.push(r.error.message);
    else if (r.action === "skipped")
      messages.push(`${r.app} was not built: the image it is built FROM (${r.parent}) failed`);
    else continue;
    failed.push(r.app);
  }
  if (failed.length === 0) return { messages };
  const error = new DockercaskError(
    `${failed.length} app${failed.length === 1 ? "" : "s"} did not build: ${failed.join(", ")}`,
    {
      code: "E_BUILD",
      hint: "Their errors are above. Vendor apps (chrome, spotify, slack) need their vendor's server at build time.",
    },
  );
  return { messages, error };
}
