import { statSync } from "node:fs";
import type Dockerode from "dockerode";
import type { BuildEvent } from "../core/catalog/build-progress.ts";
import { type EngineEndpoint, type EngineIdentity, identifyEngine } from "../core/container/engine.ts";
import type { InspectedContainer } from "../core/container/hardening-check.ts";
import type { ContainerClient } from "../ports/container-client.ts";
import type { ContainerFiles } from "../ports/container-files.ts";
import type { EngineClient } from "../ports/engine-client.ts";
import type { ImageClient } from "../ports/image-client.ts";
import { statusOf, stoppedWhileKilled, translateDockerError } from "./docker-errors.ts";
import { createEngineOps, type EngineOps } from "./engine-http.ts";

/** How long a removal someone else started may take before we stop waiting for it. */
const REMOVAL_WAIT_MS = 15_000;
/** An engine that holds a wait's headers until the exit (not Docker's) gets this long before the start. */
const WAIT_ACCEPTED_MS = 250;

export interface DockerClient extends ImageClient, ContainerClient, EngineClient, ContainerFiles {
  /** dockerode, loaded on first use, for what the narrow interfaces do not cover. */
  api(): Promise<Dockerode>;
  /** The socket it talks to. */
  socket: string;
}

/**
 * A session's calls go over Bun's fetch on the engine's unix socket (adapters/engine-http.ts);
 * dockerode, and the node:http and stream layers under it, is loaded only for builds, logs,
 * exec and copying files in, or for an engine that is not a unix socket (tcp://, ssh://).
 */
export async function createDockerClient(endpoint: EngineEndpoint): Promise<DockerClient> {
  const socket = endpoint.socket;
  // A DOCKER_HOST that is not a unix socket (tcp://, ssh://): dockerode reads it from the environment.
  const remote = endpoint.from === "DOCKER_HOST" && socket.includes("://");
  let loaded: Promise<Dockerode> | undefined;
  const api = () =>
    (loaded ??= import("dockerode").then(({ default: Docker }) =>
      remote ? new Docker() : new Docker({ socketPath: socket }),
    ));
  const ops: EngineOps = remote ? dockerodeOps(await api()) : createEngineOps(socket);
  const wrap = <T>(call: () => Promise<T>) =>
    call().catch((error: unknown) => Promise.reject(translateDockerError(error, socket)));
  await wrap(() => ops.ping());
  let identity: Promise<EngineIdentity> | undefined;

  return {
    api,
    socket,
    engine: () =>
      (identity ??= (async () => {
        // Podman answers /version and /info in about a second each (it asks conmon and the
        // runtime for their versions), which every run would wait for. Its /_ping headers name
        // it at once; a rootful Podman needs nothing more, a rootless one its cgroup version.
        const ping = remote ? {} : await ops.pingHeaders().catch(() => ({}) as Record<string, string>);
        const libpod = ping["libpod-api-version"];
        if (libpod) {
          const rootless = ownerOf(socket) !== 0;
          const info = rootless ? await wrap(() => ops.info()) : {};
          return identifyEngine({
            version: { Components: [{ Name: "Podman Engine", Version: libpod }] },
            info,
            podmanRootless: rootless,
          });
        }
        const [version, info] = await Promise.all([wrap(() => ops.version()), wrap(() => ops.info())]);
        return identifyEngine({ version, info } as Parameters<typeof identifyEngine>[0]);
      })()),
    async inspectImage(name) {
      try {
        const info = await ops.inspectImage(name);
        return { id: info.Id, labels: info.Config?.Labels ?? {}, createdAt: new Date(info.Created) };
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw translateDockerError(error, socket);
      }
    },
    async buildImage(context, options, onEvent) {
      const { Readable } = await import("node:stream");
      const docker = await api();
      const stream = await wrap(() =>
        docker.buildImage(Readable.from([Buffer.from(context)]), {
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
    async runContainer(spec, options = {}) {
      const id = await wrap(() => ops.createContainer(spec as Parameters<EngineOps["createContainer"]>[0]));
      const discard = () => ops.removeContainer(id).catch(() => {});
      if (options.check) {
        try {
          options.check((await wrap(() => ops.inspectContainer(id))) as InspectedContainer);
        } catch (error) {
          await discard();
          throw error;
        }
      }
      const waiting = ops.waitContainer(id);
      // The wait must be registered with the engine before the start, or a quick exit is missed.
      await Promise.race([waiting.accepted.catch(() => {}), Bun.sleep(WAIT_ACCEPTED_MS)]);
      try {
        await wrap(() => ops.startContainer(id));
      } catch (error) {
        await discard();
        throw error;
      }
      const exited = waiting.exited.then(
        (result) => result.StatusCode ?? 0,
        // The wait ends with an error when the container is removed from under it: it has exited.
        () => 137,
      );
      const oomKilled = () =>
        ops.inspectContainer(id).then(
          (info) => info.State?.OOMKilled === true,
          () => false,
        );
      return { id, exited, oomKilled };
    },
    async removeContainer(id) {
      try {
        // v: with its anonymous volumes, the shared folders' mounts (core/container/spec.ts).
        await ops.removeContainer(id);
        return;
      } catch (error) {
        const status = statusOf(error);
        // 404: already gone (AutoRemove won); 409: removal already in progress. Podman answers
        // 500 "could not be stopped: ... container state improper" when the container stops by
        // itself during the kill (its window closed, so the app lost its display): it has
        // stopped by the time we ask again.
        if (status === 404) return;
        if (status !== 409 && !stoppedWhileKilled(error)) throw translateDockerError(error, socket);
      }
      // Someone else is removing it (Podman answers 409 while its own cleanup of an exited
      // container runs): wait until it is really gone, so "ended" means nothing is left.
      const deadline = Date.now() + REMOVAL_WAIT_MS;
      while (Date.now() < deadline) {
        const gone = await ops.inspectContainer(id).then(
          () => false,
          (error: unknown) => statusOf(error) === 404,
        );
        if (gone) return;
        await Bun.sleep(50);
        await ops.removeContainer(id).catch(() => {});
      }
    },
    async listContainers(label) {
      const list = await wrap(() => ops.listContainers(label));
      return list.map((c) => ({
        id: c.Id,
        name: (c.Names[0] ?? "").replace(/^\//, ""),
        labels: c.Labels ?? {},
        state: c.State,
        createdAt: new Date(c.Created * 1000),
      }));
    },
    async putFiles(id, dir, files, owner) {
      const { pack } = await import("tar-stream");
      const archive = pack();
      const ids = { uid: owner.uid, gid: owner.gid };
      // The engine unpacks this inside the container's root (symbolic links resolved there), as
      // root but with the owners the headers name: the app's user.
      archive.entry({ name: dir.name, type: "directory", mode: 0o700, ...ids });
      for (const file of files)
        archive.entry({ name: `${dir.name}/${file.name}`, type: "file", mode: 0o600, ...ids }, Buffer.from(file.data));
      archive.finalize();
      const chunks: Buffer[] = [];
      for await (const chunk of archive) chunks.push(chunk as Buffer);
      // noOverwriteDirNonDir: a file where ~/Inbox should be is an error, not replaced.
      const docker = await api();
      await wrap(() =>
        docker.getContainer(id).putArchive(Buffer.concat(chunks), { path: dir.home, noOverwriteDirNonDir: true }),
      );
    },
    async listDir(id, path) {
      // Not a HEAD of the archive endpoint: under Bun its response never ends and holds the
      // process open. find, run as the app's user, names entries NUL-separated (any byte but
      // NUL and '/' may be in a name); a missing folder lists nothing.
      const { Writable } = await import("node:stream");
      const docker = await api();
      const exec = await wrap(() =>
        docker.getContainer(id).exec({
          Cmd: ["find", path, "-mindepth", "1", "-maxdepth", "1", "-printf", "%f\\0"],
          AttachStdout: true,
          AttachStderr: true,
        }),
      );
      const stream = await wrap(() => exec.start({ hijack: false }));
      const out: Buffer[] = [];
      const stdout = new Writable({
        write: (chunk, _encoding, done) => {
          out.push(chunk as Buffer);
          done();
        },
      });
      const stderr = new Writable({ write: (_chunk, _encoding, done) => done() });
      docker.modem.demuxStream(stream, stdout, stderr);
      await new Promise<void>((resolve) => {
        stream.on("end", resolve);
        stream.on("close", resolve);
        stream.on("error", () => resolve());
      });
      return Buffer.concat(out).toString("utf8").split("\0").filter(Boolean);
    },
    async execDetached(id, argv) {
      // Not attached: the app's output is its own, as for the first process; its user, working
      // folder and environment (DISPLAY, HOME) are the container's.
      const docker = await api();
      const exec = await wrap(() =>
        docker.getContainer(id).exec({ Cmd: argv, AttachStdin: false, AttachStdout: false, AttachStderr: false }),
      );
      const stream = (await wrap(() => exec.start({ Detach: true }))) as NodeJS.ReadableStream | undefined;
      // Detached, the engine answers at once, but the response stays open until read: drop it,
      // or its socket keeps this process alive (minutes, until the connection times out).
      (stream as unknown as { destroy?: () => void } | undefined)?.destroy?.();
    },
    async streamLogs(id, options) {
      const docker = await api();
      const container = docker.getContainer(id);
      const info = await wrap(() => container.inspect());
      const common = { stdout: true, stderr: true, timestamps: false };
      if (!options.follow) {
        const buffer = (await wrap(() => container.logs({ ...common, follow: false }))) as unknown as Buffer;
        demux(buffer, info.Config.Tty, options);
        return;
      }
      const stream = await wrap(() => container.logs({ ...common, follow: true }));
      if (info.Config.Tty) stream.pipe(options.stdout);
      else docker.modem.demuxStream(stream, options.stdout, options.stderr);
      await new Promise<void>((resolve) => {
        stream.on("end", resolve);
        stream.on("close", resolve);
        stream.on("error", () => resolve());
      });
    },
  };
}

/** The same calls through dockerode, for an engine it reaches and fetch does not (tcp://, ssh://). */
function dockerodeOps(api: Dockerode): EngineOps {
  return {
    ping: async () => void (await api.ping()),
    pingHeaders: async () => ({}),
    version: () => api.version(),
    info: () => api.info(),
    inspectImage: (name) => api.getImage(name).inspect(),
    createContainer: async (spec) => (await api.createContainer(spec)).id,
    inspectContainer: (id) => api.getContainer(id).inspect(),
    startContainer: async (id) => void (await api.getContainer(id).start()),
    waitContainer: (id) => ({ accepted: Bun.sleep(0), exited: api.getContainer(id).wait({ condition: "next-exit" }) }),
    removeContainer: async (id) => void (await api.getContainer(id).remove({ force: true, v: true })),
    listContainers: (label) => api.listContainers({ all: true, filters: { label: [label] } }),
  };
}

/** A rootless engine's socket is its user's; a rootful one's is root's. */
function ownerOf(path: string): number | undefined {
  try {
    return statSync(path).uid;
  } catch {
    return undefined;
  }
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

/** Docker multiplexes stdout and stderr in 8-byte-headed frames when the container has no TTY. */
function demux(
  buffer: Buffer,
  tty: boolean,
  out: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): void {
  if (tty) {
    out.stdout.write(buffer);
    return;
  }
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const kind = buffer[offset];
    const size = buffer.readUInt32BE(offset + 4);
    const frame = buffer.subarray(offset + 8, offset + 8 + size);
    (kind === 2 ? out.stderr : out.stdout).write(frame);
    offset += 8 + size;
  }
}
