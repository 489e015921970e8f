import type { BuildEvent } from "../core/catalog/build-progress.ts";
import type { ImageFacts } from "../core/catalog/image-state.ts";

// Port: what services ask of the image side of the engine. adapters/docker.ts implements it.

/** The narrow slice of the Engine API that image services need. Tests pass plain objects. */
export interface ImageClient {
  inspectImage(name: string): Promise<(ImageFacts & { id: string }) | undefined>;
  /** Streams the build's JSON events to `onEvent`; resolves when the stream ends, whatever it reported. */
  buildImage(context: Uint8Array, options: BuildImageOptions, onEvent: (event: BuildEvent) => void): Promise<void>;
}

export interface BuildImageOptions {
  tag: string;
  labels: Record<string, string>;
  noCache?: boolean;
  pull?: boolean;
}
