import { imageName } from "../core/catalog/catalog.ts";
import { parsePolicy } from "../core/catalog/policy.ts";
import { parseInstanceName } from "../core/instance/name.ts";
import type { SessionState } from "../core/instance/runtime.ts";
import type { ContainerClient } from "../ports/container-client.ts";
import type { ContainerFiles } from "../ports/container-files.ts";
import type { ImageClient } from "../ports/image-client.ts";

export interface ExecInDeps {
  runtime: { readState(name: string): SessionState | undefined };
  isAlive: (pid: number, start: string | undefined) => boolean;
  docker: () => Promise<ImageClient & ContainerClient & Pick<ContainerFiles, "execDetached">>;
}

/**
 * Runs argv, made from the instance's app command, in its running container (a link handed to
 * a browser instance): as the container's own user and environment, detached, so the app keeps
 * running as long as it likes. False when the instance does not run.
 */
export async function execInRunning(
  instance: string,
  argv: (command: string[]) => string[],
  deps: ExecInDeps,
): Promise<boolean> {
  const state = deps.runtime.readState(instance);
  if (!state?.container || !deps.isAlive(state.pid, state.pidStart)) return false;
  const docker = await deps.docker();
  const image = await docker.inspectImage(imageName(parseInstanceName(instance).app));
  const policy = image ? parsePolicy(image.labels) : undefined;
  if (!policy?.ok) throw new Error(`the recipe of ${instance} cannot be read`);
  await docker.execDetached(state.container, argv(policy.policy.command));
  return true;
}
