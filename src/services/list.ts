import type { ImageClient } from "../adapters/docker.ts";
import type { InstanceStore } from "../adapters/instance-store.ts";
import { ignoredLabelsWarning, imageName, recipeHash, recipeLabels, runnableApps, type AppSource, type Catalog } from "../core/catalog.ts";
import { imageState, type ImageState } from "../core/image-state.ts";
import { ignoredLabels, parsePolicy, type IgnoredLabel } from "../core/policy.ts";

export interface AppListing {
  name: string;
  source: AppSource;
  description: string;
  image: string;
  /** Undefined when Docker could not be asked. */
  state: ImageState | undefined;
  /** Policy labels the image carries that its recipe does not set: ignored, and named in `warning`. */
  ignoredLabels: IgnoredLabel[];
  warning?: string;
}

export interface InstanceListing {
  name: string;
  app: string;
  home: string;
  createdAt: string;
}

export interface Listing {
  apps: AppListing[];
  instances: InstanceListing[];
  dockerError?: string;
}

/** Everything `list` shows. Works without Docker: image states are then unknown, not an error. */
export async function listEverything(deps: {
  catalog: Catalog;
  store: InstanceStore;
  images: () => Promise<ImageClient>;
}): Promise<Listing> {
  let images: ImageClient | undefined;
  let dockerError: string | undefined;
  try {
    images = await deps.images();
  } catch (error) {
    dockerError = error instanceof Error ? error.message : String(error);
  }
  const apps: AppListing[] = [];
  for (const recipe of runnableApps(deps.catalog)) {
    const policy = parsePolicy(recipe.dockerfile.labels, { requireCommand: false });
    const info = images ? await images.inspectImage(imageName(recipe.name)) : undefined;
    const warning = info && ignoredLabelsWarning(deps.catalog, recipe, info.labels);
    apps.push({
      name: recipe.name,
      source: recipe.source,
      description: policy.ok ? policy.policy.description : "(invalid run policy)",
      image: imageName(recipe.name),
      state: images ? imageState(info, recipeHash(deps.catalog, recipe.name)) : undefined,
      ignoredLabels: info ? ignoredLabels(info.labels, recipeLabels(deps.catalog, recipe)) : [],
      ...(warning ? { warning } : {}),
    });
  }
  const instances = deps.store.list().map((r) => ({
    name: r.name.full,
    app: r.name.app,
    home: r.home,
    createdAt: r.createdAt.toISOString(),
  }));
  return { apps, instances, dockerError };
}
