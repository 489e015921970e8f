import { createHash } from "node:crypto";
import { DockercaskError, UnknownAppError } from "../errors.ts";
import { imageName, isValidAppName } from "../instance/name.ts";
import { suggestNearest } from "../text/suggest.ts";
import { type DockerfileSummary, parseDockerfile } from "./dockerfile.ts";
import {
  BUILD_LABEL,
  formatIgnoredLabels,
  ignoredLabels,
  POLICY_PREFIX,
  type PolicyResult,
  parsePolicy,
} from "./policy.ts";

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
    const text = files.Dockerfile;
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
  if (!recipe)
    throw new UnknownAppError(
      name,
      suggestNearest(
        name,
        [...runnableApps(catalog)].map((a) => a.name),
      ),
    );
  return recipe;
}

/** Apps a user runs: everything but the base layer(s), which have no command. */
export function runnableApps(catalog: Catalog): AppRecipe[] {
  return [...catalog.apps.values()].filter((a) => a.name !== BASE_APP).sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The labels dockercask's recipes give an app's image: the base's, when the app is built on
 * it (through any chain of catalog apps), then the app's own. A label that any other parent
 * image carries, a third-party one or another catalog app, is not among them: a recipe states
 * its own policy, and what it does not write, it does not get.
 */
export function recipeLabels(catalog: Catalog, recipe: AppRecipe): Record<string, string> {
  return { ...baseLabels(catalog, recipe), ...recipe.dockerfile.labels };
}

/**
 * An app's policy, from the text of its recipes (see recipeLabels), never from its image: a
 * stale image, or one built FROM an image that grants itself devices or a network, supplies
 * nothing. The base's description describes the base, so it is not the app's.
 */
export function appPolicy(catalog: Catalog, recipe: AppRecipe): PolicyResult {
  const { [DESCRIPTION_LABEL]: _, ...fromBase } = baseLabels(catalog, recipe);
  const problems = [
    ...(isBuiltOnBase(catalog, recipe) ? (catalog.apps.get(BASE_APP)?.dockerfile.problems ?? []) : []),
    ...recipe.dockerfile.problems,
  ];
  const policy = parsePolicy(
    { ...fromBase, ...recipe.dockerfile.labels },
    { requireCommand: recipe.name !== BASE_APP },
  );
  if (problems.length === 0) return policy;
  return { ok: false, problems: [...problems, ...(policy.ok ? [] : policy.problems)] };
}

/**
 * What to tell the user when the image carries policy labels that its recipes do not set, or
 * undefined when it carries none. They set nothing either way; the warning says so, and names them.
 */
export function ignoredLabelsWarning(
  catalog: Catalog,
  recipe: AppRecipe,
  imageLabels: Record<string, string>,
): string | undefined {
  const ignored = ignoredLabels(imageLabels, recipeLabels(catalog, recipe));
  if (ignored.length === 0) return undefined;
  const parent = recipe.dockerfile.from ?? "its parent image";
  const source =
    imageLabels[BUILD_LABEL.hash] === recipeHash(catalog, recipe.name)
      ? `inherited from ${parent}`
      : `inherited from ${parent}, or left by the older recipe it was built from`;
  return (
    `${imageName(recipe.name)} carries policy labels that its recipe does not set (${source}); they are ignored: ${formatIgnoredLabels(ignored)}. ` +
    `Only the app's own Dockerfile and dockercask's base set its policy: write there what it needs.`
  );
}

const DESCRIPTION_LABEL = `${POLICY_PREFIX}description`;

function baseLabels(catalog: Catalog, recipe: AppRecipe): Record<string, string> {
  return isBuiltOnBase(catalog, recipe) ? (catalog.apps.get(BASE_APP)?.dockerfile.labels ?? {}) : {};
}

/** Whether the base is among the app's catalog parents. A cycle is reported by resolveBuildOrder; here it ends the walk. */
function isBuiltOnBase(catalog: Catalog, recipe: AppRecipe): boolean {
  const seen = new Set<string>([recipe.name]);
  for (let parent = recipe.parent; parent && !seen.has(parent); parent = catalog.apps.get(parent)?.parent) {
    if (parent === BASE_APP) return true;
    seen.add(parent);
  }
  return false;
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
