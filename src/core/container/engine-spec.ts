/**
 * The container spec adapted to the engine that will run it. core/container/spec.ts builds
 * it as rootful Docker takes it; the other engines need the same promises said differently.
 */
import type { ContainerCreateOptions } from "dockerode";
import type { EngineIdentity } from "./engine.ts";

export interface EngineSpecOptions {
  /** The host user dockercask runs as. */
  host: { uid: number; gid: number };
  /** Where the session writes the seccomp profile for Podman, which takes a path, not the JSON. */
  seccompFile: string;
}

export interface EngineSpec {
  spec: ContainerCreateOptions;
  /** Files the session writes before creating the container (the seccomp profile for Podman). */
  files: { path: string; content: string }[];
}

export function adaptSpecToEngine(
  spec: ContainerCreateOptions,
  engine: EngineIdentity,
  options: EngineSpecOptions,
): EngineSpec {
  const hostConfig = { ...spec.HostConfig };
  const adapted: ContainerCreateOptions = { ...spec, HostConfig: hostConfig };
  const files: EngineSpec["files"] = [];

  if (engine.kind === "podman") {
    // Podman's compat API reads `seccomp=` as a file path ("opening seccomp profile failed: open
    // {...}"), where Docker takes the profile's text. Same profile, handed over as a file.
    hostConfig.SecurityOpt = (hostConfig.SecurityOpt ?? []).map((opt: string) => {
      if (!opt.startsWith("seccomp=") || opt === "seccomp=unconfined") return opt;
      files.push({ path: options.seccompFile, content: opt.slice("seccomp=".length) });
      return `seccomp=${options.seccompFile}`;
    });
  }

  if (engine.rootless && engine.kind === "podman") {
    // keep-id: the host user is the same uid inside, so the app writes the home as the user;
    // without it, uid 1000 inside is a subordinate uid outside, whose files the user cannot delete.
    hostConfig.UsernsMode = "keep-id";
    adapted.User = `${options.host.uid}:${options.host.gid}`;
  } else if (engine.rootless) {
    // Rootless Docker maps only container uid 0 to the host user (every other uid is a subordinate
    // one), and cannot map per container. So the app runs as uid 0 of its user namespace: on the
    // host, that is the user and nothing more. Inside, it owns the image's files, but the root
    // filesystem is read-only, it holds no capability (CapDrop ALL, an empty bounding set), and
    // no-new-privileges stands; it is root over nothing but what the user already owns.
    adapted.User = "0:0";
  }
  return { spec: adapted, files };
}
