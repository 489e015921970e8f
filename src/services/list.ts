import {
  type AppSource,
  type Catalog,
  ignoredLabelsWarning,
  imageName,
  recipeHash,
  recipeLabels,
  runnableApps,
} from "../core/catalog/catalog.ts";
import { type ImageState, imageState } from "../core/catalog/image-state.ts";
import { type IgnoredLabel, ignoredLabels, parsePolicy } from "../core/catalog/policy.ts";
import { messageOf } from "../core/errors.ts";
import type { ImageClient } from "../ports/image-client.ts";
import type { InstanceStore } from "../ports/instance-store.ts";

export interface AppListing {
  name: string;
  source: AppSource;
  /** What dockercask made the recipe from (`deb:inkscape`), for a generated one. */
  madeFrom?: string;
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
  running: boolean;
  /** For a running instance: whether its container runs an image older than its recipe (see ps). */
  staleImage?: boolean;
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
  /** The running instances (sessions.listRunning); without it, or when it fails, none is shown as running. */
  running?: () => Promise<{ instance: string; staleImage: boolean | undefined }[]>;
}): Promise<Listing> {
  let images: ImageClient | undefined;
  let dockerError: string | undefined;
  try {
    images = await deps.images();
  } catch (error) {
    dockerError = messageOf(error);
  }
  const apps: AppListing[] = [];
  for (const recipe of runnableApps(deps.catalog)) {
    const policy = parsePolicy(recipe.dockerfile.labels, { requireCommand: false });
    const info = images ? await images.inspectImage(imageName(recipe.name)) : undefined;
    const warning = info && ignoredLabelsWarning(deps.catalog, recipe, info.labels);
    apps.push({
      name: recipe.name,
      source: recipe.source,
      ...(policy.ok && policy.policy.source ? { madeFrom: policy.policy.source } : {}),
      description: policy.ok ? policy.policy.description : "(invalid run policy)",
      image: imageName(recipe.name),
      state: images ? imageState(info, recipeHash(deps.catalog, recipe.name)) : undefined,
      ignoredLabels: info ? ignoredLabels(info.labels, recipeLabels(deps.catalog, recipe)) : [],
      ...(warning ? { warning } : {}),
    });
  }
  const running = new Map(
    (await (images && deps.running ? deps.running().catch(() => []) : [])).map((r) => [r.instance, r]),
  );
  const instances = deps.store.list().map((r): InstanceListing => {
    const session = running.get(r.name.full);
    return {
      name: r.name.full,
      app: r.name.app,
      home: r.home,
      createdAt: r.createdAt.toISOString(),
      running: session !== undefined,
      ...(session?.staleImage !== undefined ? { staleImage: session.staleImage } : {}),
    };
  });
  return { apps, instances, dockerError };
}
