import type { Env } from "../core/config/paths.ts";
import { chooseEngine, type EngineEndpoint } from "../core/container/engine.ts";
import { isSocket } from "./files.ts";

/**
 * The engine endpoint for this invocation: `--engine` (main.ts passes it on as
 * DOCKERCASK_ENGINE), DOCKER_HOST, config.toml's `engine`, or the first engine found listening.
 * `configured` is only asked when neither the flag nor DOCKER_HOST decides.
 */
export function resolveEngineEndpoint(env: Env, configured: () => string | undefined): EngineEndpoint {
  const decided = env.DOCKERCASK_ENGINE || env.DOCKER_HOST;
  return chooseEngine({
    flag: env.DOCKERCASK_ENGINE || undefined,
    configured: decided ? undefined : configured(),
    env,
    uid: process.getuid?.() ?? 0,
    exists: isSocket,
  });
}
