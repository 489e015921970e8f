import type { ImageClient } from "../ports/image-client.ts";
import type { InstanceStore } from "../ports/instance-store.ts";
import { imageName, recipeHash, runnableApps, type AppSource, type Catalog } from "../core/catalog.ts";
import { imageState, type ImageState } from "../core/image-state.ts";
import { parsePolicy } from "../core/policy.ts";

export interface AppListing {
  name: string;
  source: AppSource;
  description: string;
  image: string;
  /** Undefined when Docker could not be asked. */
  state: ImageState | undefined;
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
    apps.push({
      name: recipe.name,
      source: recipe.source,
      description: policy.ok ? policy.policy.description : "(invalid run policy)",
      image: imageName(recipe.name),
      state: images ? imageState(info, recipeHash(deps.catalog, recipe.name)) : undefined,
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
