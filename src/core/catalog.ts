import { createHash } from "node:crypto";
import { parseDockerfile, type DockerfileSummary } from "./dockerfile.ts";
import { DockercaskError, UnknownAppError } from "./errors.ts";
import { imageName, isValidAppName } from "./instance-name.ts";
import { parsePolicy, type PolicyResult } from "./policy.ts";
import { suggestNearest } from "./suggest.ts";

/** app name -> (path inside the app's folder -> file text). */
export type AppFileTree = Record<string, Record<string, string>>;

export type AppSource = "builtin" | "user" | "user-override";

export interface AppRecipe {
  name: string;
  source: AppSource;
  files: Record<string, string>;
  dockerfile: DockerfileSummary;
  /** The catalog app this one is built FROM (`base` for `FROM dockercask/base`), if any. */
  parent: string | undefined;
}

export interface Catalog {
  apps: Map<string, AppRecipe>;
  /** Problems found while loading user apps; they are skipped, not fatal for the others. */
  warnings: string[];
}

export const BASE_APP = "base";

export function createCatalog(builtin: AppFileTree, user: AppFileTree = {}): Catalog {
  const apps = new Map<string, AppRecipe>();
  const warnings: string[] = [];
  const add = (name: string, files: Record<string, string>, source: AppSource) => {
    if (!isValidAppName(name)) {
      warnings.push(`ignoring app folder "${name}": not a valid app name`);
      return;
    }
    const text = files["Dockerfile"];
    if (text === undefined) {
      warnings.push(`ignoring app "${name}": its folder has no Dockerfile`);
      return;
    }
    const dockerfile = parseDockerfile(text);
    apps.set(name, { name, source, files, dockerfile, parent: undefined });
  };
  for (const [name, files] of Object.entries(builtin)) add(name, files, "builtin");
  for (const [name, files] of Object.entries(user)) add(name, files, apps.has(name) ? "user-override" : "user");
  for (const recipe of apps.values()) recipe.parent = parentOf(recipe.dockerfile.from, apps);
  return { apps, warnings };
}

function parentOf(from: string | undefined, apps: Map<string, AppRecipe>): string | undefined {
  const match = from ? /^dockercask\/([a-z0-9-]+)(?::latest)?$/.exec(from) : null;
  return match && apps.has(match[1]!) ? match[1] : undefined;
}

export function getApp(catalog: Catalog, name: string): AppRecipe {
  const recipe = catalog.apps.get(name);
  if (!recipe) throw new UnknownAppError(name, suggestNearest(name, [...runnableApps(catalog)].map((a) => a.name)));
  return recipe;
}

/** Apps a user runs: everything but the base layer(s), which have no command. */
export function runnableApps(catalog: Catalog): AppRecipe[] {
  return [...catalog.apps.values()].filter((a) => a.name !== BASE_APP).sort((a, b) => a.name.localeCompare(b.name));
}

export function appPolicy(recipe: AppRecipe): PolicyResult {
  return parsePolicy(recipe.dockerfile.labels, { requireCommand: recipe.name !== BASE_APP });
}

/** The apps to build for `names`, parents before children, each once. */
export function resolveBuildOrder(catalog: Catalog, names: string[]): AppRecipe[] {
  const order: AppRecipe[] = [];
  const done = new Set<string>();
  const visiting = new Set<string>();
  const visit = (name: string, chain: string[]) => {
    if (done.has(name)) return;
    if (visiting.has(name)) {
      throw new DockercaskError(`apps are built FROM each other in a cycle: ${[...chain, name].join(" -> ")}`, {
        code: "E_CYCLE",
        hint: "Change one of their FROM lines.",
      });
    }
    const recipe = getApp(catalog, name);
    visiting.add(name);
    if (recipe.parent) visit(recipe.parent, [...chain, name]);
    visiting.delete(name);
    done.add(name);
    order.push(recipe);
  };
  for (const name of names) visit(name, []);
  return order;
}

/** Files of an app's folder that are for the desktop, not the image: kept out of builds and hashes. */
const DESKTOP_ONLY = new Set(["icon.svg"]);

/** The files that go into the app's build context. */
export function contextFiles(recipe: AppRecipe): Record<string, string> {
  return Object.fromEntries(Object.entries(recipe.files).filter(([path]) => !DESKTOP_ONLY.has(path)));
}

/**
 * What an image was built from: every file of the app's folder, plus its parent's hash,
 * so an edit to the base makes every app built on it stale too.
 */
export function recipeHash(catalog: Catalog, name: string): string {
  const recipe = getApp(catalog, name);
  const files = contextFiles(recipe);
  const hash = createHash("sha256");
  for (const path of Object.keys(files).sort()) {
    hash.update(`${path}\0${files[path]}\0`);
  }
  if (recipe.parent) hash.update(`parent\0${recipeHash(catalog, recipe.parent)}`);
  return hash.digest("hex").slice(0, 16);
}

export { imageName };
