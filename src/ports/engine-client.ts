import type { EngineIdentity } from "../core/container/engine.ts";

// Port: what services ask of the engine itself. adapters/docker.ts implements it.

export interface EngineClient {
  /** What the engine is (Docker or Podman, rootless or not), asked once. */
  engine(): Promise<EngineIdentity>;
}
