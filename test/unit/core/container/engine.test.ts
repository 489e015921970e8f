import { describe, expect, test } from "bun:test";
import {
  chooseEngine,
  describeEngine,
  type EngineChoice,
  type EngineIdentity,
  engineNameOf,
  exitsMustNotOverlap,
  identifyEngine,
} from "../../../../src/core/container/engine.ts";
import { UsageError } from "../../../../src/core/errors.ts";

const RUN = "/run/user/1000";
const sockets = {
  "docker-rootless": `${RUN}/docker.sock`,
  "podman-rootless": `${RUN}/podman/podman.sock`,
  docker: "/var/run/docker.sock",
  podman: "/run/podman/podman.sock",
};

function choice(over: Partial<EngineChoice> & { present?: string[] } = {}): EngineChoice {
  const present = new Set(over.present ?? []);
  return {
    env: { XDG_RUNTIME_DIR: RUN, ...over.env },
    uid: over.uid ?? 1000,
    flag: over.flag,
    configured: over.configured,
    exists: (p) => present.has(p),
  };
}

describe("chooseEngine", () => {
  test.each<[string, Partial<EngineChoice> & { present?: string[] }, { name?: string; socket: string; from: string }]>([
    [
      "nothing listens: rootful Docker's socket, for the connect error to explain",
      {},
      { name: "docker", socket: sockets.docker, from: "default" },
    ],
    [
      "only rootful Docker",
      { present: [sockets.docker] },
      { name: "docker", socket: sockets.docker, from: "detected" },
    ],
    [
      "only rootful Podman",
      { present: [sockets.podman] },
      { name: "podman", socket: sockets.podman, from: "detected" },
    ],
    [
      "rootful Docker and rootless Podman: the user's own engine first",
      { present: [sockets.docker, sockets["podman-rootless"]] },
      { name: "podman-rootless", socket: sockets["podman-rootless"], from: "detected" },
    ],
    [
      "both rootless: Docker first",
      { present: Object.values(sockets) },
      { name: "docker-rootless", socket: sockets["docker-rootless"], from: "detected" },
    ],
    [
      "root skips rootless sockets",
      { uid: 0, present: [sockets["podman-rootless"], sockets.podman] },
      { name: "podman", socket: sockets.podman, from: "detected" },
    ],
    [
      "DOCKER_HOST beats detection",
      { env: { DOCKER_HOST: "unix:///tmp/x.sock" }, present: [sockets.docker] },
      { socket: "/tmp/x.sock", from: "DOCKER_HOST" },
    ],
    [
      "DOCKER_HOST beats the config",
      { env: { DOCKER_HOST: "unix:///tmp/x.sock" }, configured: "podman" },
      { socket: "/tmp/x.sock", from: "DOCKER_HOST" },
    ],
    [
      "a tcp DOCKER_HOST is kept whole",
      { env: { DOCKER_HOST: "tcp://10.0.0.1:2375" } },
      { socket: "tcp://10.0.0.1:2375", from: "DOCKER_HOST" },
    ],
    [
      "the flag beats DOCKER_HOST",
      { flag: "podman", env: { DOCKER_HOST: "unix:///tmp/x.sock" } },
      { name: "podman", socket: sockets.podman, from: "flag" },
    ],
    [
      "the config beats detection",
      { configured: "podman-rootless", present: [sockets.docker] },
      { name: "podman-rootless", socket: sockets["podman-rootless"], from: "config" },
    ],
    ["a socket as the flag", { flag: "unix:///srv/engine.sock" }, { socket: "/srv/engine.sock", from: "flag" }],
  ])("%s", (_, input, expected) => {
    expect(chooseEngine(choice(input))).toEqual(expected as ReturnType<typeof chooseEngine>);
  });

  test.each<[string, Partial<EngineChoice>, string]>([
    ["an unknown name", { flag: "dokcer" }, 'unknown engine "dokcer"'],
    ["an unknown name in the config", { configured: "lxc" }, "engine in config.toml"],
    [
      "a rootless engine without XDG_RUNTIME_DIR",
      { flag: "podman-rootless", env: { XDG_RUNTIME_DIR: "" } },
      "XDG_RUNTIME_DIR",
    ],
  ])("%s is a usage error with a hint", (_, input, message) => {
    const run = () => chooseEngine({ ...choice(input), env: { ...choice(input).env, ...input.env } });
    expect(run).toThrow(UsageError);
    expect(run).toThrow(message);
  });
});

describe("identifyEngine", () => {
  const podmanVersion = {
    Version: "4.3.1",
    Components: [
      { Name: "Podman Engine", Version: "4.3.1" },
      { Name: "Conmon", Version: "2.1.6" },
    ],
  };
  test.each([
    [
      "rootful Docker",
      {
        version: { Version: "20.10.24", Components: [{ Name: "Engine", Version: "20.10.24" }] },
        info: { SecurityOptions: ["name=seccomp,profile=default"], CgroupVersion: "1" },
      },
      "rootful Docker 20.10.24",
      "docker",
      "1",
    ],
    [
      "rootless Docker",
      {
        version: { Version: "27.1.0" },
        info: {
          SecurityOptions: ["name=seccomp,profile=builtin", "name=rootless", "name=cgroupns"],
          CgroupVersion: "2",
        },
      },
      "rootless Docker 27.1.0",
      "docker-rootless",
      "2",
    ],
    [
      "rootful Podman",
      {
        version: podmanVersion,
        info: { SecurityOptions: ["name=seccomp,profile=default"], CgroupVersion: "1" },
        podmanRootless: false,
      },
      "rootful Podman 4.3.1",
      "podman",
      "1",
    ],
    [
      "rootless Podman (its compat /info does not say; its own API does)",
      {
        version: podmanVersion,
        info: { SecurityOptions: ["name=seccomp,profile=default"], CgroupVersion: "1" },
        podmanRootless: true,
      },
      "rootless Podman 4.3.1",
      "podman-rootless",
      "1",
    ],
  ] as const)("%s", (_, facts, description, name, cgroup) => {
    const identity = identifyEngine(facts as unknown as Parameters<typeof identifyEngine>[0]);
    expect(describeEngine(identity)).toBe(description);
    expect(engineNameOf(identity)).toBe(name);
    expect(identity.cgroupVersion).toBe(cgroup);
  });
});

describe("exitsMustNotOverlap", () => {
  test.each<[string, EngineIdentity, boolean]>([
    ["Debian 12's Docker", { kind: "docker", version: "20.10.24+dfsg1", rootless: false }, true],
    ["Docker 20.10.26", { kind: "docker", version: "20.10.26", rootless: false }, true],
    ["Docker 20.10.27, with the libnetwork fix", { kind: "docker", version: "20.10.27", rootless: false }, false],
    ["Docker 24", { kind: "docker", version: "24.0.7", rootless: false }, false],
    ["Docker 19.03", { kind: "docker", version: "19.03.15", rootless: false }, true],
    ["rootless Docker 20.10.24", { kind: "docker", version: "20.10.24", rootless: true }, true],
    ["Podman", { kind: "podman", version: "4.3.1", rootless: false }, false],
  ])("%s: %s", (_, engine, expected) => {
    expect(exitsMustNotOverlap(engine)).toBe(expected);
  });
});
