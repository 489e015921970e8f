import type { ImageClient } from "../ports/image-client.ts";
import { imageName } from "../core/catalog.ts";
import { DockercaskError, InvalidPolicyError } from "../core/errors.ts";
import { parsePolicy, type AppPolicy } from "../core/policy.ts";

/** The app's run policy, from its built image's labels. */
export async function readPolicy(images: ImageClient, app: string): Promise<AppPolicy> {
  const image = await images.inspectImage(imageName(app));
  if (!image) throw new DockercaskError(`the image ${imageName(app)} is missing`, { code: "E_IMAGE", hint: `Build it: dockercask build ${app}` });
  const policy = parsePolicy(image.labels);
  if (!policy.ok) throw new InvalidPolicyError(app, policy.problems);
  return policy.policy;
}
