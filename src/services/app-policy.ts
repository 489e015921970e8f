import { appPolicy, type Catalog, getApp, ignoredLabelsWarning, imageName } from "../core/catalog/catalog.ts";
import type { AppPolicy } from "../core/catalog/policy.ts";
import { DockercaskError, InvalidPolicyError } from "../core/errors.ts";
import type { ImageClient } from "../ports/image-client.ts";

/** The app's run policy, from its recipe (catalog.appPolicy), never from the image's labels: those may be inherited from any parent image. */
export function recipePolicy(catalog: Catalog, app: string): AppPolicy {
  const policy = appPolicy(catalog, getApp(catalog, app));
  if (!policy.ok) throw new InvalidPolicyError(app, policy.problems);
  return policy.policy;
}

/** The image must exist; what it carries beyond its recipe is named in a warning, and grants nothing. */
export async function checkImage(
  images: ImageClient,
  catalog: Catalog,
  app: string,
  log: { warn(message: string): void },
): Promise<void> {
  const image = await images.inspectImage(imageName(app));
  if (!image)
    throw new DockercaskError(`the image ${imageName(app)} is missing`, {
      code: "E_IMAGE",
      hint: `Build it: dockercask build ${app}`,
    });
  const ignored = ignoredLabelsWarning(catalog, getApp(catalog, app), image.labels);
  if (ignored) log.warn(ignored);
}
