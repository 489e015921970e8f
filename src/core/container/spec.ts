import type { ContainerCreateOptions } from "dockerode";
import type { AppPolicy, Network } from "../catalog/policy.ts";
import { containerName, type InstanceName, imageName } from "../instance/name.ts";
import { limitsHostConfig, type ResourceLimits } from "./limits.ts";
import { seccompProfileJson } from "./seccomp.ts";

/** Labels that identify a running instance's container. None of them carries a secret. */
export const CONTAINER_LABEL = {
  instance: "io.dockercask.instance",
  supervisorPid: "io.dockercask.supervisor.pid",
  /** The supervisor's start time (clock ticks since boot): tells a live supervisor from a reused pid. */
  supervisorStart: "io.dockercask.supervisor.start",
  display: "io.dockercask.display",
} as const;

/** Where things appear inside the container; the base image's ENV points at the same paths. */
export const CONTAINER_PATHS = {
  home: "/home/app",
  xauthority: "/run/dockercask/Xauthority",
  pulseSocket: "/run/dockercask/pulse.sock",
  /**
   * The instance's own session bus: links and notifications, nothing of the host's buses. The
   * base image's xdg-open, $BROWSER and notify-send speak to it.
   */
  busSocket: "/run/dockercask/bus.sock",
  /**
   * The instance's network proxy under `internet` (adapters/net-proxy.ts). The base image's
   * session script offers it at NET_PROXY, on the container's own loopback.
   */
  netSocket: "/run/dockercask/net.sock",
  /**
   * The instance's files folder under `files = "ask"`: what the host's dialog picked is copied in
   * here, and what the app saves through it is written here and copied out (services/file-chooser.ts).
   */
  files: "/run/dockercask/files",
} as const;

/** Where apps inside find the proxy: HTTP (CONNECT and plain) and SOCKS 4, 4a and 5, on one port. */
const NET_PROXY = "127.0.0.1:3128";

/** Used when the host user is root: the app must never run as root, so it runs as the base image's `app` user. */
const UNPRIVILEGED_ID = 1000;
/** Enough for a browser's process tree, far too few for a fork bomb to hurt the host. */
const PIDS_LIMIT = 1024;

/**
 * A socket a session capability serves for the instance (adapters/sound-relay.ts, the desktop
 * bus), bound at a fixed place in the container, and the variable that tells the app where.
 */
export interface ContainerSocket {
  /** Host path, in the instance's runtime dir. */
  host: string;
  /** Where the app finds it: one of CONTAINER_PATHS. */
  container: string;
  /** NAME=value lines that point the app at it. */
  env: string[];
}

/** The sound relay's socket: libpulse reads PULSE_SERVER. */
export function soundSocket(host: string): ContainerSocket {
  return {
    host,
    container: CONTAINER_PATHS.pulseSocket,
    env: [`PULSE_SERVER=unix:${CONTAINER_PATHS.pulseSocket}`],
  };
}

/** The instance's own bus (served by its dbus-daemon, never the host's). */
export function busSocket(host: string): ContainerSocket {
  return {
    host,
    container: CONTAINER_PATHS.busSocket,
    env: [`DBUS_SESSION_BUS_ADDRESS=unix:path=${CONTAINER_PATHS.busSocket}`],
  };
}

/**
 * The files folder (a folder of the instance's own on the host, not a socket), and what points
 * the app's toolkit at the portal: GTK's native dialogs and Gecko (its autoconfig reads
 * DOCKERCASK_FILES) then ask the instance's bus, and so the host's dialog.
 */
export function filesFolder(host: string): ContainerSocket {
  return { host, container: CONTAINER_PATHS.files, env: ["GTK_USE_PORTAL=1", "DOCKERCASK_FILES=ask"] };
}

/**
 * The network proxy's socket, and the variables every proxy-aware program reads (curl, wget,
 * Python, Go, Electron, Chromium without a desktop's settings), in both cases. `socks5h` has the
 * proxy resolve names: the container has no resolver of its own.
 */
export function netSocket(host: string): ContainerSocket {
  const http = `http://${NET_PROXY}`;
  const socks = `socks5h://${NET_PROXY}`;
  const noProxy = "localhost,127.0.0.1,::1";
  const pairs = { http_proxy: http, https_proxy: http, ftp_proxy: http, all_proxy: socks, no_proxy: noProxy };
  return {
    host,
    container: CONTAINER_PATHS.netSocket,
    env: [
      ...Object.entries(pairs).flatMap(([name, value]) => [`${name}=${value}`, `${name.toUpperCase()}=${value}`]),
      // For the recipes' own settings: Gecko's autoconfig, Chromium's and Electron's flags.
      `DOCKERCASK_PROXY=${NET_PROXY}`,
    ],
  };
}

/** The engine's network mode for a policy: under `internet` the container has none of its own. */
function networkMode(network: Network): "none" | "bridge" {
  return network === "bridge" ? "bridge" : "none";
}

export interface ContainerSpecInput {
  instance: InstanceName;
  policy: AppPolicy;
  /** Resolved from the config, the app's labels and the host (limits.ts). */
  limits: ResourceLimits;
  display: number;
  /** Host path of the family-wild client cookie file. */
  clientAuthFile: string;
  /**
   * The host folder bound as the home, or, for a disposable instance, the size of a tmpfs that
   * is its home instead (a local volume of type tmpfs: see below).
   */
  home: string | { tmpfsBytes: number };
  /**
   * A file in the container the app waits for before it starts: files given with the start are
   * put into ~/Inbox once the container runs (a tmpfs home exists only then), this one last.
   */
  startGate?: string;
  user: { uid: number; gid: number };
  supervisor: { pid: number; start: string };
  /** Overrides the app's label (from config or flags). */
  network?: Network;
  /** MIT-SHM by descriptor with its X server (plan.mitShm). */
  mitShm?: boolean;
  /** Shared folders; `source` names the folder the supervisor checked and holds open (adapters/shared-folders.ts). */
  shared?: { source: string; target: string; readOnly: boolean }[];
  /** The sockets of ours the session's capabilities hand the app (sound, the desktop bus), in their order. */
  sockets?: ContainerSocket[];
  appArgs?: string[];
}

export function buildContainerSpec(input: ContainerSpecInput): ContainerCreateOptions {
  const { instance, policy, display } = input;
  const seccomp = seccompProfileJson(policy.seccomp);
  const xSocket = `/tmp/.X11-unix/X${display}`;
  const binds = [
    // Only this instance's X socket, not the whole /tmp/.X11-unix with the host display in it.
    `${xSocket}:${xSocket}:ro`,
    // The cookie for that display, read-only; it never appears in the environment.
    `${input.clientAuthFile}:${CONTAINER_PATHS.xauthority}:ro`,
    // The persistent home, owned by the user the app runs as.
    ...(typeof input.home === "string" ? [`${input.home}:${CONTAINER_PATHS.home}`] : []),
    // Each capability's own socket, served by this instance's supervisor: never a host socket.
    ...(input.sockets ?? []).map((s) => `${s.host}:${s.container}`),
  ];
  // Shared folders are not binds by path: runc makes binds in a mount namespace of its own, where
  // our /proc/<pid>/fd/<n> cannot be a bind source (EINVAL), and a path could be swapped for a
  // symbolic link after we checked it. A local volume of type none is mounted by dockerd itself,
  // in the host's namespace, from the descriptor: the very folder that was checked, whatever was
  // renamed since. Anonymous, so it goes with the container; `ro` in its options since Docker
  // refuses ReadOnly on anonymous volumes (dockerd remounts the bind read-only). NoCopy: the
  // engine must never copy the image's files at the target into the user's folder.
  const shared = (input.shared ?? []).map((s) => ({
    Type: "volume" as const,
    Source: "",
    Target: s.target,
    VolumeOptions: {
      NoCopy: true,
      Labels: {},
      DriverConfig: { Name: "local", Options: { type: "none", o: s.readOnly ? "bind,ro" : "bind", device: s.source } },
    },
  }));
  const mounts = [
    ...(typeof input.home === "string" ? [] : [disposableHome(input.home.tmpfsBytes, input.user)]),
    ...shared,
  ];
  return {
    name: containerName(instance),
    Image: imageName(instance.app),
    Cmd: [...(input.startGate ? gatedStart(input.startGate) : []), ...policy.command, ...(input.appArgs ?? [])],
    // Its own hostname: nothing about the host leaks through it.
    Hostname: instance.app,
    User: `${input.user.uid}:${input.user.gid}`,
    WorkingDir: CONTAINER_PATHS.home,
    Env: [
      `DISPLAY=:${display}`,
      `HOME=${CONTAINER_PATHS.home}`,
      // The base image's dockercask-shm.so makes apps' segments shareable by descriptor.
      ...(input.mitShm ? ["DOCKERCASK_MIT_SHM=fd"] : []),
      ...(input.sockets ?? []).flatMap((s) => s.env),
    ],
    Labels: {
      [CONTAINER_LABEL.instance]: instance.full,
      [CONTAINER_LABEL.supervisorPid]: String(input.supervisor.pid),
      [CONTAINER_LABEL.supervisorStart]: input.supervisor.start,
      [CONTAINER_LABEL.display]: String(display),
    },
    HostConfig: {
      Binds: binds,
      ...(mounts.length ? { Mounts: mounts } : {}),
      // No capabilities at all: an app needs none, and root inside gains nothing from them.
      CapDrop: ["ALL"],
      // setuid binaries cannot raise privileges (the base image also has none).
      // The engine's default seccomp profile, or an embedded one the app's label names (the
      // profile's text itself: the API takes the JSON, not a path). Never unconfined.
      SecurityOpt: ["no-new-privileges", ...(seccomp ? [`seccomp=${seccomp}`] : [])],
      // A real PID 1 that reaps zombies and forwards signals, so the app shuts down cleanly.
      Init: true,
      PidsLimit: PIDS_LIMIT,
      // The app writes only to its home and to a private /tmp.
      ReadonlyRootfs: true,
      // Memory (no swap on top), CPU weight and cap, and a sized tmpfs for /tmp and /var/tmp.
      ...limitsHostConfig(input.limits),
      ShmSize: policy.shmSizeBytes,
      // A private IPC namespace unless the app's label asks otherwise (host is never allowed).
      IpcMode: policy.ipc,
      // From the app's label or the config; host networking is never used (it exposes the host's
      // abstract X socket). Under `internet` the container has no network, only the proxy's socket.
      NetworkMode: networkMode(input.network ?? policy.network),
      Devices: policy.devices.map((d) => ({ PathOnHost: d, PathInContainer: d, CgroupPermissions: "rw" })),
      // Not AutoRemove: the session removes the container itself, after asking the engine whether
      // the OOM killer ended it (an auto-removed container is gone before it can be asked).
      // A supervisor killed before that leaves it for the reaper. Its state lives in the home.
      AutoRemove: false,
    },
  };
}

/**
 * A disposable instance's home: a tmpfs, private to the app's user, gone with the container.
 * Not HostConfig.Tmpfs (which runc mounts inside the container, where the engine's archive
 * upload cannot reach it): an anonymous local volume of type tmpfs, which dockerd mounts and
 * `dockercask open` can put files into. Its pages count against the container's memory
 * limit like /tmp's; `size` keeps it from taking all of it. Removed with the container (v).
 */
function disposableHome(bytes: number, user: { uid: number; gid: number }) {
  return {
    Type: "volume" as const,
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
          o: `size=${bytes},uid=${user.uid},gid=${user.gid},mode=0700,nosuid,nodev`,
        },
      },
    },
  };
}

/**
 * The app's argv behind a wait for `marker`: the files named in its arguments are complete
 * once the marker, written after them, exists. A short poll, for the moment the upload takes.
 * The app's argv stays positional parameters ("$@"): nothing of it is parsed by the shell.
 */
function gatedStart(marker: string): string[] {
  return [
    "/bin/sh",
    "-c",
    'm=$1; shift; while [ ! -e "$m" ]; do sleep 0.05; done; rm -f -- "$m"; exec "$@"',
    "dockercask-gate",
    marker,
  ];
}

/** The uid:gid the app runs as: the host user's, so files in the home are theirs; never root. */
export function containerUser(host: { uid: number; gid: number }): { uid: number; gid: number } {
  return host.uid === 0 ? { uid: UNPRIVILEGED_ID, gid: UNPRIVILEGED_ID } : host;
}
