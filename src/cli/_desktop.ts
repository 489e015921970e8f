import genericIcon from "../../packaging/icons/dockercask.svg" with { type: "text" };
import { loadCatalog } from "../adapters/catalog.ts";
import { createDesktopFiles, resolveProgram } from "../adapters/desktop-files.ts";
import { resolvePaths } from "../core/paths.ts";
import type { DesktopDeps } from "../services/desktop.ts";

/** The menu-entry service wired to the real files. No Docker: a menu entry needs none. */
export function createDesktopDeps(env: Record<string, string | undefined> = process.env): DesktopDeps {
  const paths = resolvePaths(env);
  return { catalog: loadCatalog(paths), files: createDesktopFiles(paths), program: resolveProgram(env), genericIcon };
}
