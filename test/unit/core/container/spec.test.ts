import { describe, expect, test } from "bun:test";
import { type AppPolicy, DEFAULT_POLICY } from "../../../../src/core/catalog/policy.ts";
import { seccompProfile } from "../../../../src/core/container/seccomp.ts";
import {
  buildContainerSpec,
  busSocket,
  CONTAINER_LABEL,
  CONTAINER_PATHS,
  type ContainerSpecInput,
  containerUser,
  soundSocket,
} from "../../../../src/core/container/spec.ts";
import { parseInstanceName } from "../../../../src/core/instance/name.ts";

const policy: AppPolicy = { ...DEFAULT_POLICY, command: ["xeyes"], devices: [] };

const base: ContainerSpecInput = {
  instance: parseInstanceName("xeyes"),
  policy,
  display: 3,
  clientAuthFile: "/run/user/1000/dockercask/xeyes/xauth.client",
  home: "/home/me/.local/share/dockercask/homes/xeyes",
  user: { uid: 1000, gid: 1000 },
  supervisor: { pid: 4242, start: "987654" },
  limits: { memoryBytes: 4 * 1024 ** 3, tmpBytes: 512 * 1024 ** 2, cpuShares: 512 },
};

interface Row {
  name: string;
  input: ContainerSpecInput;
  network: string;
  ipc: string;
  shmSize: number;
  devices: string[];
  /** Binds beyond the X socket, the cookie file and the home. */
  extraBinds: string[];
  /** Shared folders: [descriptor the engine mounts, target, local volume's mount options]. */
  sharedMounts?: [string, string, string][];
  cmd: string[];
  containerName: string;
}

const rows: Row[] = [
  {
    name: "defaults: offline, private IPC",
    input: base,
    network: "none",
    ipc: "private",
    shmSize: 64 * 1024 * 1024,
    devices: [],
    extraBinds: [],
    cmd: ["xeyes"],
    containerName: "dockercask-xeyes",
  },
  {
    name: "policy asks for bridge",
    input: { ...base, policy: { ...policy, network: "bridge" } },
    network: "bridge",
    ipc: "private",
    shmSize: 64 * 1024 * 1024,
    devices: [],
    extraBinds: [],
    cmd: ["xeyes"],
    containerName: "dockercask-xeyes",
  },
  {
    name: "override turns a bridge app offline",
    input: { ...base, policy: { ...policy, network: "bridge" }, network: "none" },
    network: "none",
    ipc: "private",
    shmSize: 64 * 1024 * 1024,
    devices: [],
    extraBinds: [],
    cmd: ["xeyes"],
    containerName: "dockercask-xeyes",
  },
  {
    name: "override gives an offline app a network",
    input: { ...base, network: "bridge" },
    network: "bridge",
    ipc: "private",
    shmSize: 64 * 1024 * 1024,
    devices: [],
    extraBinds: [],
    cmd: ["xeyes"],
    containerName: "dockercask-xeyes",
  },
  {
    name: "shareable IPC, 2g shm, a GPU",
    input: { ...base, policy: { ...policy, ipc: "shareable", shmSizeBytes: 2 * 1024 ** 3, devices: ["/dev/dri"] } },
    network: "none",
    ipc: "shareable",
    shmSize: 2 * 1024 ** 3,
    devices: ["/dev/dri"],
    extraBinds: [],
    cmd: ["xeyes"],
    containerName: "dockercask-xeyes",
  },
  {
    name: "no IPC, two devices",
    input: { ...base, policy: { ...policy, ipc: "none", devices: ["/dev/dri", "/dev/snd"] } },
    network: "none",
    ipc: "none",
    shmSize: 64 * 1024 * 1024,
    devices: ["/dev/dri", "/dev/snd"],
    extraBinds: [],
    cmd: ["xeyes"],
    containerName: "dockercask-xeyes",
  },
  {
    name: "audio on: the pulse socket",
    input: { ...base, sockets: [soundSocket("/run/user/1000/dockercask/xeyes/pulse.sock")] },
    network: "none",
    ipc: "private",
    shmSize: 64 * 1024 * 1024,
    devices: [],
    extraBinds: [`/run/user/1000/dockercask/xeyes/pulse.sock:${CONTAINER_PATHS.pulseSocket}`],
    cmd: ["xeyes"],
    containerName: "dockercask-xeyes",
  },
  {
    name: "shared folders, read-only and read-write",
    input: {
      ...base,
      shared: [
        { source: "/proc/4242/fd/20", target: "/home/app/Downloads", readOnly: false },
        { source: "/proc/4242/fd/21", target: "/media/music", readOnly: true },
      ],
    },
    network: "none",
    ipc: "private",
    shmSize: 64 * 1024 * 1024,
    devices: [],
    extraBinds: [],
    sharedMounts: [
      ["/proc/4242/fd/20", "/home/app/Downloads", "bind"],
      ["/proc/4242/fd/21", "/media/music", "bind,ro"],
    ],
    cmd: ["xeyes"],
    containerName: "dockercask-xeyes",
  },
  {
    name: "app args follow the command",
    input: {
      ...base,
      policy: { ...policy, command: ["firefox", "--no-remote"] },
      appArgs: ["https://example.org", "--private-window"],
    },
    network: "none",
    ipc: "private",
    shmSize: 64 * 1024 * 1024,
    devices: [],
    extraBinds: [],
    cmd: ["firefox", "--no-remote", "https://example.org", "--private-window"],
    containerName: "dockercask-xeyes",
  },
  {
    name: "an instance with an id, on display 12, running as 1000 for a root host",
    input: { ...base, instance: parseInstanceName("xeyes#work"), display: 12, user: containerUser({ uid: 0, gid: 0 }) },
    network: "none",
    ipc: "private",
    shmSize: 64 * 1024 * 1024,
    devices: [],
    extraBinds: [],
    cmd: ["xeyes"],
    containerName: "dockercask-xeyes.work",
  },
  {
    name: "everything at once",
    input: {
      ...base,
      instance: parseInstanceName("gimp#2"),
      policy: { ...policy, command: ["gimp"], network: "bridge", devices: ["/dev/dri"] },
      network: "none",
      sockets: [soundSocket("/run/p.sock"), busSocket("/run/b.sock")],
      shared: [{ source: "/proc/4242/fd/9", target: "/home/app/Pictures", readOnly: true }],
      appArgs: ["a.png"],
      user: { uid: 1234, gid: 100 },
    },
    network: "none",
    ipc: "private",
    shmSize: 64 * 1024 * 1024,
    devices: ["/dev/dri"],
    extraBinds: [`/run/p.sock:${CONTAINER_PATHS.pulseSocket}`, `/run/b.sock:${CONTAINER_PATHS.busSocket}`],
    sharedMounts: [["/proc/4242/fd/9", "/home/app/Pictures", "bind,ro"]],
    cmd: ["gimp", "a.png"],
    containerName: "dockercask-gimp.2",
  },
];

describe("buildContainerSpec", () => {
  describe.each(rows)("$name", (row) => {
    const { input } = row;
    const spec = buildContainerSpec(input);
    const host = spec.HostConfig!;
    const binds = host.Binds ?? [];
    const xSocket = `/tmp/.X11-unix/X${input.display}`;

    test("drops every capability and privilege", () => {
      expect(host.CapDrop).toEqual(["ALL"]);
      expect(host.CapAdd ?? []).toEqual([]);
      expect(host.SecurityOpt).toContain("no-new-privileges");
      expect(host.Privileged).not.toBe(true);
      expect(host.Init).toBe(true);
      expect(host.PidsLimit).toBeGreaterThan(0);
      expect(host.ReadonlyRootfs).toBe(true);
      // The session removes it, after asking the engine whether the OOM killer ended it.
      expect(host.AutoRemove).toBe(false);
    });

    test("shares no host namespace", () => {
      expect(host.NetworkMode).toBe(row.network);
      expect(host.NetworkMode).not.toBe("host");
      expect(host.IpcMode).toBe(row.ipc);
      expect(host.IpcMode).not.toBe("host");
      expect(host.PidMode ?? "").not.toBe("host");
      expect(host.UsernsMode ?? "").not.toBe("host");
      expect(host.ShmSize).toBe(row.shmSize);
      // Each device at the same path inside, and nothing more.
      expect(host.Devices).toEqual(
        row.devices.map((d) => ({ PathOnHost: d, PathInContainer: d, CgroupPermissions: "rw" })),
      );
    });

    test("binds exactly its X socket, its cookie file and its home, plus what was asked for", () => {
      expect(binds).toEqual([
        `${xSocket}:${xSocket}:ro`,
        `${input.clientAuthFile}:${CONTAINER_PATHS.xauthority}:ro`,
        `${input.home}:${CONTAINER_PATHS.home}`,
        ...row.extraBinds,
      ]);
      const sources = binds.map((b) => b.split(":")[0]);
      expect(sources).not.toContain("/tmp/.X11-unix");
      expect(sources).not.toContain("/tmp/.X11-unix/");
      expect(sources).not.toContain("/tmp");
      expect(binds.join("\n")).not.toContain("docker.sock");
      expect(binds.join("\n")).not.toContain("/proc/");
    });

    test("mounts each shared folder from its held descriptor, through dockerd, never copying into it", () => {
      expect(host.Mounts ?? []).toEqual(
        (row.sharedMounts ?? []).map(([device, target, o]) => ({
          Type: "volume",
          Source: "",
          Target: target,
          VolumeOptions: {
            NoCopy: true,
            Labels: {},
            DriverConfig: { Name: "local", Options: { type: "none", o, device } },
          },
        })),
      );
    });

    test("points DISPLAY at its display and carries no cookie", () => {
      expect(spec.Env).toContain(`DISPLAY=:${input.display}`);
      expect(spec.Env?.filter((e) => e.startsWith("DISPLAY="))).toHaveLength(1);
      expect(spec.Env?.some((e) => e.startsWith("XAUTHORITY=") && !e.endsWith(CONTAINER_PATHS.xauthority))).toBe(false);
      expect(JSON.stringify(spec)).not.toMatch(/[0-9a-f]{32}/);
      expect(spec.Env?.includes(`PULSE_SERVER=unix:${CONTAINER_PATHS.pulseSocket}`)).toBe(
        input.sockets?.some((s) => s.container === CONTAINER_PATHS.pulseSocket) ?? false,
      );
      expect(spec.Env?.includes(`DBUS_SESSION_BUS_ADDRESS=unix:path=${CONTAINER_PATHS.busSocket}`)).toBe(
        input.sockets?.some((s) => s.container === CONTAINER_PATHS.busSocket) ?? false,
      );
      // The base image's dockercask-shm acts only when the instance has MIT-SHM by descriptor.
      expect(spec.Env?.includes("DOCKERCASK_MIT_SHM=fd")).toBe(input.mitShm === true);
      expect(buildContainerSpec({ ...input, mitShm: true }).Env).toContain("DOCKERCASK_MIT_SHM=fd");
    });

    test("labels the instance, its supervisor and its display", () => {
      expect(spec.Labels).toEqual({
        [CONTAINER_LABEL.instance]: input.instance.full,
        [CONTAINER_LABEL.supervisorPid]: "4242",
        [CONTAINER_LABEL.supervisorStart]: "987654",
        [CONTAINER_LABEL.display]: String(input.display),
      });
    });

    test("runs the command with the app args as the app's user", () => {
      expect(spec.Cmd).toEqual(row.cmd);
      expect(spec.User).toBe(`${input.user.uid}:${input.user.gid}`);
      expect(spec.User).not.toMatch(/^0:|^root/);
      expect(spec.name).toBe(row.containerName);
      expect(spec.Image).toBe(`dockercask/${input.instance.app}`);
    });
  });
});

describe("resource limits", () => {
  const MIB = 1024 ** 2;
  test.each([
    [
      "no cap",
      { memoryBytes: 4096 * MIB, tmpBytes: 512 * MIB, cpuShares: 512 },
      { Memory: 4096 * MIB, MemorySwap: 4096 * MIB, CpuShares: 512, NanoCpus: undefined },
      512 * MIB,
    ],
    [
      "a cap of 1.5 CPUs",
      { memoryBytes: 64 * MIB, tmpBytes: 16 * MIB, cpuShares: 100, cpus: 1.5 },
      { Memory: 64 * MIB, MemorySwap: 64 * MIB, CpuShares: 100, NanoCpus: 1_500_000_000 },
      16 * MIB,
    ],
  ])("%s", (_name, limits, expected, tmp) => {
    const host = buildContainerSpec({ ...base, limits }).HostConfig!;
    expect({
      Memory: host.Memory,
      MemorySwap: host.MemorySwap,
      CpuShares: host.CpuShares,
      NanoCpus: host.NanoCpus,
    }).toEqual(expected);
    // Swap equal to memory: no swap on top of the limit.
    expect(host.MemorySwap).toBe(host.Memory!);
    const options = `rw,nosuid,nodev,mode=1777,size=${tmp}`;
    expect(host.Tmpfs).toEqual({ "/tmp": options, "/var/tmp": options });
  });
});

describe("the seccomp profile", () => {
  const seccompOf = (spec: ReturnType<typeof buildContainerSpec>) =>
    (spec.HostConfig!.SecurityOpt ?? []).filter((o: string) => o.startsWith("seccomp"));
  test("the engine's default when the app names none: nothing is sent, never unconfined", () => {
    const spec = buildContainerSpec(base);
    expect(spec.HostConfig!.SecurityOpt).toEqual(["no-new-privileges"]);
    expect(seccompOf(spec)).toEqual([]);
  });
  test("an embedded profile goes as its JSON, next to no-new-privileges", () => {
    const spec = buildContainerSpec({ ...base, policy: { ...policy, seccomp: "browser" } });
    const opts = spec.HostConfig!.SecurityOpt ?? [];
    expect(opts[0]).toBe("no-new-privileges");
    expect(seccompOf(spec)).toHaveLength(1);
    expect(JSON.parse(seccompOf(spec)[0]!.slice("seccomp=".length))).toEqual(seccompProfile("browser"));
    // Still no capabilities: the profile widens which calls may be tried, not what the process may do.
    expect(spec.HostConfig!.CapDrop).toEqual(["ALL"]);
    expect(spec.HostConfig!.CapAdd ?? []).toEqual([]);
  });
});

describe("containerUser", () => {
  test.each([
    ["root runs the app as the image's app user", { uid: 0, gid: 0 }, { uid: 1000, gid: 1000 }],
    ["root with another group too", { uid: 0, gid: 27 }, { uid: 1000, gid: 1000 }],
    ["a normal user runs it as themselves", { uid: 1234, gid: 1234 }, { uid: 1234, gid: 1234 }],
    ["uid and gid may differ", { uid: 1001, gid: 100 }, { uid: 1001, gid: 100 }],
    ["uid 1000 stays 1000", { uid: 1000, gid: 1000 }, { uid: 1000, gid: 1000 }],
  ])("%s", (_, host, expected) => {
    expect(containerUser(host)).toEqual(expected);
  });
});

describe("a disposable instance's home", () => {
  const spec = buildContainerSpec({
    ...base,
    instance: parseInstanceName("xeyes#tmp-1"),
    home: { tmpfsBytes: 64 * 1024 ** 2 },
    user: { uid: 1234, gid: 5678 },
  });

  test("is no bind of a host folder", () => {
    expect(spec.HostConfig?.Binds?.some((b) => b.endsWith(`:${CONTAINER_PATHS.home}`))).toBe(false);
  });

  test("is a sized tmpfs volume private to the app's user, removed with the container", () => {
    expect(spec.HostConfig?.Mounts).toEqual([
      {
        Type: "volume",
        Source: "",
        Target: CONTAINER_PATHS.home,
        VolumeOptions: {
          NoCopy: true,
          Labels: {},
          DriverConfig: {
            Name: "local",
            Options: {
              type: "tmpfs",
              device: "tmpfs",
              o: `size=${64 * 1024 ** 2},uid=1234,gid=5678,mode=0700,nosuid,nodev`,
            },
          },
        },
      },
    ]);
  });
});

describe("a start gate", () => {
  test.each<[string, string | undefined, string[]]>([
    ["none: the app's argv as it is", undefined, ["xeyes", "/home/app/Inbox/a b.pdf"]],
    [
      "the app waits for the marker; its argv stays positional, never parsed by the shell",
      "/home/app/Inbox/.dockercask-ready-ab",
      [
        "/bin/sh",
        "-c",
        'm=$1; shift; while [ ! -e "$m" ]; do sleep 0.05; done; rm -f -- "$m"; exec "$@"',
        "dockercask-gate",
        "/home/app/Inbox/.dockercask-ready-ab",
        "xeyes",
        "/home/app/Inbox/a b.pdf",
      ],
    ],
  ])("%s", (_, startGate, cmd) => {
    expect(buildContainerSpec({ ...base, startGate, appArgs: ["/home/app/Inbox/a b.pdf"] }).Cmd).toEqual(cmd);
  });
});
