import type Dockerode from "dockerode";
import { Readable } from "node:stream";
import type { BuildEvent } from "../core/build-progress.ts";
import { DockercaskError, DockerPermissionError, DockerUnreachableError } from "../core/errors.ts";
import type { ImageFacts } from "../core/image-state.ts";

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

export interface DockerClient extends ImageClient {
  /** The underlying dockerode instance, for the services that need more of the API. */
  api: Dockerode;
}

export function dockerSocketPath(env: Record<string, string | undefined>): string {
  const host = env.DOCKER_HOST;
  if (host?.startsWith("unix://")) return host.slice("unix://".length);
  return host || "/var/run/docker.sock";
}

/**
 * Connects lazily: dockerode (and its gRPC dependencies) is imported on first use, so
 * commands that never talk to Docker, like --help, stay fast.
 */
export async function createDockerClient(env: Record<string, string | undefined> = process.env): Promise<DockerClient> {
  const { default: Docker } = await import("dockerode");
  const socket = dockerSocketPath(env);
  const api = env.DOCKER_HOST && !env.DOCKER_HOST.startsWith("unix://") ? new Docker() : new Docker({ socketPath: socket });
  const wrap = <T>(call: () => Promise<T>) => call().catch((error: unknown) => Promise.reject(translateDockerError(error, socket)));
  await wrap(() => api.ping());

  return {
    api,
    async inspectImage(name) {
      try {
        const info = await api.getImage(name).inspect();
        return { id: info.Id, labels: info.Config?.Labels ?? {}, createdAt: new Date(info.Created) };
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw translateDockerError(error, socket);
      }
    },
    async buildImage(context, options, onEvent) {
      const stream = await wrap(() =>
        api.buildImage(Readable.from([Buffer.from(context)]), {
          t: options.tag,
          labels: options.labels,
          nocache: options.noCache ?? false,
          pull: options.pull ?? false,
          // Intermediate containers of a failed step are removed too, so nothing is left behind.
          rm: true,
          forcerm: true,
        }),
      );
      await readJsonLines(stream, onEvent);
    },
  };
}

async function readJsonLines(stream: NodeJS.ReadableStream, onEvent: (event: BuildEvent) => void): Promise<void> {
  let buffered = "";
  const emit = (line: string) => {
    if (!line.trim()) return;
    try {
      onEvent(JSON.parse(line) as BuildEvent);
    } catch {
      onEvent({ stream: `${line}\n` });
    }
  };
  for await (const chunk of stream) {
    buffered += chunk.toString();
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    lines.forEach(emit);
  }
  emit(buffered);
}

function statusOf(error: unknown): number | undefined {
  return typeof error === "object" && error && "statusCode" in error ? Number((error as { statusCode: unknown }).statusCode) : undefined;
}

/** Maps socket-level failures to errors with hints; anything else keeps Docker's own message. */
export function translateDockerError(error: unknown, socket: string): Error {
  if (error instanceof DockercaskError) return error;
  const code = typeof error === "object" && error && "code" in error ? String((error as { code: unknown }).code) : "";
  if (code === "EACCES" || code === "EPERM") return new DockerPermissionError(socket, error);
  if (code === "ECONNREFUSED" || code === "ENOENT" || code === "ECONNRESET" || code === "ENOTSOCK") {
    return new DockerUnreachableError(socket, error);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new DockercaskError(`Docker API error: ${message.replace(/^\(HTTP code \d+\)\s*/, "")}`, { code: "E_DOCKER", cause: error });
}
