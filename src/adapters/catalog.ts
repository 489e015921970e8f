import { builtinApps } from "../assets/apps.generated.ts";
import { type Catalog, createCatalog } from "../core/catalog/catalog.ts";
import type { DockercaskPaths } from "../core/config/paths.ts";
import { log } from "./log.ts";
import { readUserCatalog } from "./user-catalog.ts";

/** The embedded catalog merged with the user's own apps, which add to it or override it. */
export function loadCatalog(paths: DockercaskPaths): Catalog {
  const catalog = createCatalog(builtinApps, readUserCatalog(paths.userApps));
  for (const warning of catalog.warnings) log.warn(warning);
  return catalog;
}
