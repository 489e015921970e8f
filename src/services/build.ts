import { createBuildContext } from "../core/catalog/build-context.ts";
import { createBuildProgress } from "../core/catalog/build-progress.ts";
import {
  type AppRecipe,
  appPolicy,
  type Catalog,
  contextFiles,
  ignoredLabelsWarning,
  imageName,
  recipeHash,
  resolveBuildOrder,
} from "../core/catalog/catalog.ts";
import { imageState } from "../core/catalog/image-state.ts";
import { BUILD_LABEL } from "../core/catalog/policy.ts";
import { DockercaskError, ImageBuildError, InvalidPolicyError } from "../core/errors.ts";
import type { BuildReporter } from "../ports/build-reporter.ts";
import type { ImageClient } from "../ports/image-client.ts";

export interface BuildDeps {
  catalog: Catalog;
  images: ImageClient;
  version: string;
  reporter: (app: string) => BuildReporter;
}

export interface BuildOptions {
  /** Rebuild the named apps even when their images are up to date (Docker's cache still applies). */
  force?: boolean;
  /** Rebuild the named apps and their parents from scratch, ignoring Docker's cache. */
  noCache?: boolean;
  /** Pull a newer upstream base (the FROM of images not built FROM another catalog app). */
  pull?: boolean;
  /**
   * Build every app that can be built: a build that fails is reported in the results (and what
   * is built FROM it is skipped) instead of stopping the rest.
   */
  keepGoing?: boolean;
}

export type BuildResult =
  /** `ignoredLabels`: the warning about policy labels the image carries and its recipe does not set. */
  | { app: string; image: string; action: "built" | "up-to-date"; ignoredLabels?: string }
  | { app: string; image: string; action: "failed"; error: ImageBuildError }
  /** Not built because the image it is built FROM failed (keepGoing only). */
  | { app: string; image: string; action: "skipped"; parent: string };

/**
 * Builds `names` and whatever they are built FROM, parents first, like make: an image that is
 * up to date with its recipe is kept unless the options say otherwise. Named apps obey
 * force/noCache/pull; parents are rebuilt when missing or stale, or with noCache/pull.
 */
export async function buildApps(names: string[], deps: BuildDeps, options: BuildOptions = {}): Promise<BuildResult[]> {
  const order = resolveBuildOrder(deps.catalog, names);
  for (const recipe of order) assertValidPolicy(deps.catalog, recipe);
  const named = new Set(names);
  const notBuilt = new Set<string>();
  const results: BuildResult[] = [];
  for (const recipe of order) {
    const image = imageName(recipe.name);
    if (recipe.parent && notBuilt.has(recipe.parent)) {
      notBuilt.add(recipe.name);
      results.push({ app: recipe.name, image, action: "skipped", parent: recipe.parent });
      continue;
    }
    const hash = recipeHash(deps.catalog, recipe.name);
    const before = await deps.images.inspectImage(image);
    const state = imageState(before, hash);
    const rebuildParent = options.noCache || options.pull;
    const wanted = state.state !== "built" || (named.has(recipe.name) ? options.force || rebuildParent : rebuildParent);
    if (!wanted) {
      results.push({ app: recipe.name, image, action: "up-to-date", ...ignoredIn(deps.catalog, recipe, before) });
      continue;
    }
    try {
      await buildOne(recipe, hash, deps, options);
    } catch (error) {
      if (!options.keepGoing || !(error instanceof ImageBuildError)) throw error;
      notBuilt.add(recipe.name);
      results.push({ app: recipe.name, image, action: "failed", error });
      continue;
    }
    results.push({
      app: recipe.name,
      image,
      action: "built",
      ...ignoredIn(deps.catalog, recipe, await deps.images.inspectImage(image)),
    });
  }
  return results;
}

function ignoredIn(
  catalog: Catalog,
  recipe: AppRecipe,
  image: { labels: Record<string, string> } | undefined,
): { ignoredLabels?: string } {
  const warning = image && ignoredLabelsWarning(catalog, recipe, image.labels);
  return warning ? { ignoredLabels: warning } : {};
}

export interface EnsureImageOptions {
  /** Run what is there: a stale image is used as it is (with a warning), a missing one is an error. */
  noBuild?: boolean;
  log: { info(message: string): void; warn(message: string): void };
}

/**
 * Makes `app`'s image and the chain under it up to date before it runs, like `build`: what is
 * missing or stale is (re)built, each with a line that says why, so a recipe's fix (a package,
 * a policy label) reaches the next run. An up-to-date chain costs one inspect per image.
 */
export async function ensureImage(app: string, deps: BuildDeps, options: EnsureImageOptions): Promise<BuildResult[]> {
  const outdated: { app: string; why: string; missing: boolean }[] = [];
  for (const recipe of resolveBuildOrder(deps.catalog, [app])) {
    const state = imageState(
      await deps.images.inspectImage(imageName(recipe.name)),
      recipeHash(deps.catalog, recipe.name),
    );
    if (state.state === "missing") outdated.push({ app: recipe.name, why: "it is missing", missing: true });
    if (state.state === "stale") outdated.push({ app: recipe.name, why: state.reason, missing: false });
  }
  if (outdated.length === 0) return [];
  if (options.noBuild) {
    const missing = outdated.find((o) => o.missing);
    if (missing) {
      throw new DockercaskError(`the image ${imageName(missing.app)} is missing, and --no-build was given`, {
        code: "E_IMAGE",
        hint: `Run without --no-build, or build it first: dockercask build ${app}`,
      });
    }
    for (const o of outdated)
      options.log.warn(
        `running the stale image ${imageName(o.app)} (${o.why}) because of --no-build; its policy comes from the current recipe`,
      );
    return [];
  }
  for (const o of outdated) options.log.info(`building ${imageName(o.app)}: ${o.why}`);
  return (await buildApps([app], deps)).filter((r) => r.action === "built");
}

function assertValidPolicy(catalog: Catalog, recipe: AppRecipe): void {
  const policy = appPolicy(catalog, recipe);
  if (!policy.ok) throw new InvalidPolicyError(recipe.name, policy.problems);
}

async function buildOne(recipe: AppRecipe, hash: string, deps: BuildDeps, options: BuildOptions): Promise<void> {
  const context = await createBuildContext(contextFiles(recipe));
  const progress = createBuildProgress();
  const reporter = deps.reporter(recipe.name);
  await deps.images
    .buildImage(
      context,
      {
        tag: imageName(recipe.name),
        labels: { [BUILD_LABEL.version]: deps.version, [BUILD_LABEL.app]: recipe.name, [BUILD_LABEL.hash]: hash },
        noCache: options.noCache,
        // Pulling a catalog parent (dockercask/base) would ask a registry for an image that only exists here.
        pull: options.pull && !recipe.parent,
      },
      (event) => {
        for (const update of progress.feed(event)) reporter.update(update);
      },
    )
    .catch((error: unknown) => {
      reporter.fail();
      throw error;
    });
  const outcome = progress.result();
  if (!outcome.ok) {
    reporter.fail();
    throw new ImageBuildError(recipe.name, outcome.error ?? "unknown error", outcome.failedStep, outcome.lastLines);
  }
  reporter.done(`built ${imageName(recipe.name)}`);
}
