import { describe, expect, test } from "bun:test";
import type { ContainerCreateOptions } from "dockerode";
import type { EngineIdentity } from "../../../../src/core/container/engine.ts";
import {
  compareHardening,
  type InspectedContainer,
  settingsBeyondEngine,
} from "../../../../src/core/container/hardening-check.ts";

const DOCKER: EngineIdentity = { kind: "docker", version: "20.10.24", rootless: false, cgroupVersion: "1" };
const PODMAN: EngineIdentity = { kind: "podman", version: "4.3.1", rootless: false, cgroupVersion: "1" };
const PODMAN_ROOTLESS: EngineIdentity = { ...PODMAN, rootless: true };

const tmpfs = "rw,nosuid,nodev,mode=1777,size=536870912";
const SPEC: ContainerCreateOptions = {
  User: "1000:1000",
  HostConfig: {
    CapDrop: ["ALL"],
    SecurityOpt: ["no-new-privileges"],
    Init: true,
    PidsLimit: 1024,
    ReadonlyRootfs: true,
    Memory: 1 << 30,
    MemorySwap: 1 << 30,
    CpuShares: 512,
    Tmpfs: { "/tmp": tmpfs, "/var/tmp": tmpfs },
    ShmSize: 64 << 20,
    IpcMode: "private",
    NetworkMode: "none",
  },
};

/** What rootful Docker 20.10 answers for SPEC (read from a real inspect). */
const dockerInspect = (): InspectedContainer => ({
  Config: { User: "1000:1000" },
  HostConfig: { ...(SPEC.HostConfig as InspectedContainer["HostConfig"]), CapAdd: null, Privileged: false },
});
/** What Podman 4.3.1's compat API answers for SPEC (read from a real inspect). */
const podmanInspect = (): InspectedContainer => ({
  Config: { User: "1000:1000" },
  HostConfig: {
    ...(SPEC.HostConfig as InspectedContainer["HostConfig"]),
    CapAdd: [],
    CapDrop: [
      "AUDIT_WRITE",
      "CHOWN",
      "DAC_OVERRIDE",
      "FOWNER",
      "FSETID",
      "KILL",
      "MKNOD",
      "NET_BIND_SERVICE",
      "NET_RAW",
      "SETFCAP",
      "SETGID",
      "SETPCAP",
      "SETUID",
      "SYS_CHROOT",
    ],
    IpcMode: "shareable",
    Tmpfs: {
      "/run": "rw,rprivate,nosuid,nodev,tmpcopyup",
      "/tmp": `${tmpfs},rprivate,tmpcopyup`,
      "/var/tmp": `${tmpfs},rprivate,tmpcopyup`,
    },
  },
});

const weaken = (base: () => InspectedContainer, change: (i: InspectedContainer) => void) => () => {
  const inspected = structuredClone(base());
  change(inspected);
  return inspected;
};

describe("compareHardening", () => {
  test.each<[string, EngineIdentity, () => InspectedContainer]>([
    ["rootful Docker as asked", DOCKER, dockerInspect],
    [
      "Podman as asked: CapDrop as its default list, IPC shareable, tmpfs with its extra options",
      PODMAN,
      podmanInspect,
    ],
  ])("%s: no problem", (_, engine, inspected) => {
    expect(compareHardening(SPEC, inspected(), engine)).toEqual([]);
  });

  test.each<[string, EngineIdentity, () => InspectedContainer, string]>([
    ["capabilities kept", DOCKER, weaken(dockerInspect, (i) => (i.HostConfig!.CapDrop = [])), "CapDrop"],
    [
      "Podman dropped only some of its defaults",
      PODMAN,
      weaken(podmanInspect, (i) => (i.HostConfig!.CapDrop = ["CHOWN"])),
      "CapDrop",
    ],
    ["a capability added", PODMAN, weaken(podmanInspect, (i) => (i.HostConfig!.CapAdd = ["SYS_ADMIN"])), "CapAdd"],
    ["privileged", DOCKER, weaken(dockerInspect, (i) => (i.HostConfig!.Privileged = true)), "Privileged"],
    [
      "no-new-privileges lost",
      DOCKER,
      weaken(dockerInspect, (i) => (i.HostConfig!.SecurityOpt = [])),
      "SecurityOpt no-new-privileges",
    ],
    [
      "seccomp unconfined",
      DOCKER,
      weaken(dockerInspect, (i) => i.HostConfig!.SecurityOpt!.push("seccomp=unconfined")),
      "SecurityOpt seccomp",
    ],
    ["no init", DOCKER, weaken(dockerInspect, (i) => (i.HostConfig!.Init = null)), "Init"],
    ["pids limit ignored", PODMAN_ROOTLESS, weaken(podmanInspect, (i) => (i.HostConfig!.PidsLimit = 0)), "PidsLimit"],
    ["memory ignored", PODMAN_ROOTLESS, weaken(podmanInspect, (i) => (i.HostConfig!.Memory = 0)), "Memory"],
    ["swap allowed", DOCKER, weaken(dockerInspect, (i) => (i.HostConfig!.MemorySwap = -1)), "MemorySwap"],
    ["CPU weight ignored", DOCKER, weaken(dockerInspect, (i) => (i.HostConfig!.CpuShares = 0)), "CpuShares"],
    ["writable root", DOCKER, weaken(dockerInspect, (i) => (i.HostConfig!.ReadonlyRootfs = false)), "ReadonlyRootfs"],
    ["no /tmp tmpfs", DOCKER, weaken(dockerInspect, (i) => delete i.HostConfig!.Tmpfs!["/tmp"]), "Tmpfs /tmp"],
    [
      "/tmp without its size",
      PODMAN,
      weaken(podmanInspect, (i) => (i.HostConfig!.Tmpfs!["/tmp"] = "rw,nosuid")),
      "Tmpfs /tmp",
    ],
    ["host IPC", DOCKER, weaken(dockerInspect, (i) => (i.HostConfig!.IpcMode = "host")), "IpcMode"],
    [
      "a network where none was asked",
      PODMAN,
      weaken(podmanInspect, (i) => (i.HostConfig!.NetworkMode = "bridge")),
      "NetworkMode",
    ],
    ["another user", DOCKER, weaken(dockerInspect, (i) => (i.Config!.User = "0:0")), "User"],
  ])("%s: names %s", (_, engine, inspected, setting) => {
    const problems = compareHardening(SPEC, inspected(), engine);
    expect(problems.map((p) => p.setting)).toEqual([setting]);
  });

  test("a custom seccomp profile: Docker must echo one, Podman keeps its path", () => {
    const spec = { ...SPEC, HostConfig: { ...SPEC.HostConfig, SecurityOpt: ["no-new-privileges", "seccomp={}"] } };
    expect(compareHardening(spec, dockerInspect(), DOCKER).map((p) => p.setting)).toEqual(["SecurityOpt seccomp"]);
    expect(
      compareHardening(spec, weaken(dockerInspect, (i) => i.HostConfig!.SecurityOpt!.push("seccomp={}"))(), DOCKER),
    ).toEqual([]);
    expect(compareHardening(spec, podmanInspect(), PODMAN)).toEqual([]);
  });

  test("keep-id is checked when asked", () => {
    const spec = { ...SPEC, HostConfig: { ...SPEC.HostConfig, UsernsMode: "keep-id" } };
    expect(compareHardening(spec, podmanInspect(), PODMAN_ROOTLESS).map((p) => p.setting)).toEqual(["UsernsMode"]);
    expect(
      compareHardening(spec, weaken(podmanInspect, (i) => (i.HostConfig!.UsernsMode = "keep-id"))(), PODMAN_ROOTLESS),
    ).toEqual([]);
  });
});

describe("settingsBeyondEngine", () => {
  test.each<[string, EngineIdentity, string[]]>([
    ["rootful on cgroup v1 enforces everything", DOCKER, []],
    ["rootless on cgroup v2 enforces everything", { ...PODMAN_ROOTLESS, cgroupVersion: "2" }, []],
    ["rootless on cgroup v1 cannot limit", PODMAN_ROOTLESS, ["Memory", "MemorySwap", "CpuShares", "PidsLimit"]],
    [
      "rootless Docker on cgroup v1 neither",
      { ...DOCKER, rootless: true },
      ["Memory", "MemorySwap", "CpuShares", "PidsLimit"],
    ],
  ])("%s", (_, engine, settings) => {
    expect(settingsBeyondEngine(SPEC, engine).map((p) => p.setting)).toEqual(settings);
  });
});

describe("settingsBeyondEngine: shared folders", () => {
  const shared = {
    ...SPEC,
    HostConfig: {
      ...SPEC.HostConfig,
      Mounts: [
        {
          Type: "volume" as const,
          Source: "",
          Target: "/home/app/docs",
          VolumeOptions: {
            NoCopy: true,
            Labels: {},
            DriverConfig: { Name: "local", Options: { type: "none", o: "bind,ro", device: "/proc/1/fd/9" } },
          },
        },
      ],
    },
  };
  test.each<[string, EngineIdentity, string[]]>([
    ["Docker mounts them", DOCKER, []],
    ["Podman would mount an empty volume instead", PODMAN, ["Mounts (shared folders)"]],
  ])("%s", (_, engine, settings) => {
    expect(settingsBeyondEngine(shared, engine).map((p) => p.setting)).toEqual(settings);
  });
});
