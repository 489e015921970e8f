/**
 * Which container engine dockercask talks to, and what it is once asked. Pure: the caller
 * passes the environment, the choice and which sockets exist.
 *
 * Four engines speak the Docker Engine API on a unix socket: rootful Docker, rootless Docker
 * (dockerd-rootless under rootlesskit), and Podman's Docker-compatible service, rootful or
 * rootless. They differ in who owns the files a container writes and in what they can enforce,
 * so the session adapts its spec to the engine (core/container/engine-spec.ts) and checks what the
 * engine really applied (core/container/hardening-check.ts).
 */

import type { Env } from "../config/paths.ts";
import { UsageError } from "../errors.ts";
import { isOneOf } from "../one-of.ts";
import { ENGINE_FORMS, ENGINE_NAMES, type EngineName } from "./engine-names.ts";

export interface EngineEndpoint {
  /** The engine it is meant to be, when known from the choice; asked of the engine otherwise. */
  name?: EngineName;
  socket: string;
  /** Where the choice came from, for messages. */
  from: "flag" | "DOCKER_HOST" | "config" | "detected" | "default";
}

/** Where each engine listens by default. The rootless ones live in the user's runtime dir. */
function engineSocket(name: EngineName, env: Env): string | undefined {
  const runtime = env.XDG_RUNTIME_DIR;
  switch (name) {
    case "docker":
      return "/var/run/docker.sock";
    case "podman":
      return "/run/podman/podman.sock";
    case "docker-rootless":
      return runtime ? `${runtime}/docker.sock` : undefined;
    case "podman-rootless":
      return runtime ? `${runtime}/podman/podman.sock` : undefined;
  }
}

/**
 * The order detection tries: the user's own (rootless) engines first, since they do not make
 * the user root on the host; then the system-wide ones, Docker before Podman.
 */
const DETECTION_ORDER: readonly EngineName[] = ["docker-rootless", "podman-rootless", "docker", "podman"];

export interface EngineChoice {
  /** `--engine`: an engine name or a `unix://` socket. */
  flag?: string;
  /** `engine = "..."` in config.toml: the same values. */
  configured?: string;
  env: Env;
  uid: number;
  /** Whether a socket exists at a path (the caller stats it). */
  exists: (path: string) => boolean;
}

/**
 * Picks the endpoint: `--engine` > `DOCKER_HOST` > config `engine` > the first engine whose
 * socket exists > rootful Docker's socket (whose absence the connect error then explains).
 * An environment variable beats the file, as everywhere: it is the more specific, per-shell choice.
 */
export function chooseEngine(choice: EngineChoice): EngineEndpoint {
  if (choice.flag) return parseEngineValue(choice.flag, "flag", choice.env, "--engine");
  const host = choice.env.DOCKER_HOST;
  if (host) return { socket: host.startsWith("unix://") ? host.slice("unix://".length) : host, from: "DOCKER_HOST" };
  if (choice.configured) return parseEngineValue(choice.configured, "config", choice.env, "engine in config.toml");
  // root has no rootless engine of its own: its runtime dir would be someone else's, or none.
  const candidates = DETECTION_ORDER.filter((n) => choice.uid !== 0 || !n.endsWith("-rootless"));
  for (const name of candidates) {
    const socket = engineSocket(name, choice.env);
    if (socket && choice.exists(socket)) return { name, socket, from: "detected" };
  }
  return { name: "docker", socket: engineSocket("docker", choice.env)!, from: "default" };
}

function parseEngineValue(value: string, from: "flag" | "config", env: Env, where: string): EngineEndpoint {
  if (value.startsWith("unix://")) return { socket: value.slice("unix://".length), from };
  if (isOneOf(ENGINE_NAMES, value)) {
    const socket = engineSocket(value, env);
    if (!socket)
      throw new UsageError(
        `${where}: ${value} listens in $XDG_RUNTIME_DIR, which is not set`,
        "Log in to a desktop session, or name the socket: --engine unix:///path/to/socket",
      );
    return { name: value, socket, from };
  }
  throw new UsageError(`${where}: unknown engine "${value}"`, `Use one of ${ENGINE_FORMS}.`);
}

/** What the engine says it is, from its /version and /info answers. */
export interface EngineIdentity {
  kind: "docker" | "podman";
  version: string;
  rootless: boolean;
  /** "1", "2", or undefined when the engine does not say. */
  cgroupVersion?: string;
}

export interface EngineFacts {
  version: { Version?: string; Components?: { Name?: string; Version?: string }[] };
  info: { SecurityOptions?: string[]; CgroupVersion?: string };
  /** Podman's own info (libpod API), which says whether it is rootless; its compat /info does not. */
  podmanRootless?: boolean;
}

export function identifyEngine(facts: EngineFacts): EngineIdentity {
  const podman = facts.version.Components?.find((c) => /podman/i.test(c.Name ?? ""));
  const kind = podman ? "podman" : "docker";
  const rootless =
    kind === "podman"
      ? facts.podmanRootless === true
      : (facts.info.SecurityOptions ?? []).some((o) => o.split(",").includes("name=rootless"));
  return {
    kind,
    version: podman?.Version ?? facts.version.Version ?? "unknown",
    rootless,
    cgroupVersion: facts.info.CgroupVersion || undefined,
  };
}

export function engineNameOf(identity: EngineIdentity): EngineName {
  return identity.rootless ? `${identity.kind}-rootless` : identity.kind;
}

/** "rootless Podman 4.3.1", for messages. */
export function describeEngine(identity: EngineIdentity): string {
  return `${identity.rootless ? "rootless" : "rootful"} ${identity.kind === "podman" ? "Podman" : "Docker"} ${identity.version}`;
}

/**
 * Whether containers of this engine must not exit at the same moment. Docker before 20.10.27
 * (Debian 12 ships 20.10.24) has a libnetwork deadlock between two containers leaving a network
 * at once (moby/moby#46661, fixed by the libnetwork backport in 20.10.27): the engine then hangs
 * for good on both, and on every call that touches them. Stopping several instances one after
 * another keeps clear of it; newer Docker and Podman stop them all at once.
 */
export function exitsMustNotOverlap(engine: EngineIdentity): boolean {
  if (engine.kind !== "docker") return false;
  const [major = 0, minor = 0, patch = 0] = engine.version.split(/[.+-]/).map((part) => Number.parseInt(part, 10) || 0);
  return major < 20 || (major === 20 && (minor < 10 || (minor === 10 && patch < 27)));
}
