/**
 * Did the engine apply what we asked? An engine that cannot enforce a setting may drop it
 * with no more than a log line on its side (rootless Podman on cgroup v1: "Resource limits are
 * not supported and ignored"). So the session reads the created container back from the
 * engine, before starting it, and refuses to run when anything is weaker than the spec.
 */
import type { ContainerCreateOptions } from "dockerode";
import type { EngineIdentity } from "./engine.ts";

/** The parts of an engine's container inspect answer that carry the hardening. */
export interface InspectedContainer {
  Config?: { User?: string };
  HostConfig?: {
    CapAdd?: string[] | null;
    CapDrop?: string[] | null;
    Privileged?: boolean;
    SecurityOpt?: string[] | null;
    Init?: boolean | null;
    PidsLimit?: number | null;
    ReadonlyRootfs?: boolean;
    Tmpfs?: Record<string, string> | null;
    IpcMode?: string;
    NetworkMode?: string;
    Memory?: number;
    MemorySwap?: number;
    CpuShares?: number;
    NanoCpus?: number;
    ShmSize?: number;
    UsernsMode?: string;
  };
}

export interface HardeningProblem {
  /** The HostConfig (or Config) field, as the Engine API names it. */
  setting: string;
  wanted: string;
  got: string;
}

/**
 * Podman reports `CapDrop: ALL` as the list of its default capabilities it dropped
 * (containers.conf default_capabilities), not as ALL.
 */
const PODMAN_DEFAULT_CAPS = [
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
];

/** The resource settings a rootless engine enforces only through a delegated cgroup v2. */
const CGROUP_SETTINGS = ["Memory", "MemorySwap", "CpuShares", "NanoCpus", "PidsLimit"] as const;

/**
 * Settings the engine cannot apply, known before asking it: a rootless engine on cgroup v1 has
 * no cgroup of its own to put limits in, and both Podman and Docker then ignore them.
 */
export function settingsBeyondEngine(spec: ContainerCreateOptions, engine: EngineIdentity): HardeningProblem[] {
  const host = spec.HostConfig ?? {};
  // Shared folders are local volumes bound from the descriptor of the folder we checked
  // (core/container/spec.ts). Podman 4.3's compat API takes the volume and drops its driver
  // options: the app gets an empty volume where the folder should be, and no error says so.
  const shared = (host.Mounts ?? []).filter(
    (m) => m.Type === "volume" && m.VolumeOptions?.DriverConfig?.Options?.type === "none",
  );
  if (engine.kind === "podman" && shared.length) {
    return [
      {
        setting: "Mounts (shared folders)",
        wanted: shared.map((m) => m.Target).join(", "),
        got: "an empty volume: Podman drops the bind options of a local volume",
      },
    ];
  }
  if (!engine.rootless || engine.cgroupVersion !== "1") return [];
  return CGROUP_SETTINGS.filter((key) => Number(host[key] ?? 0) > 0).map((key) => ({
    setting: key,
    wanted: String(host[key]),
    got: "ignored (rootless on cgroup v1)",
  }));
}

/**
 * The same, before there is a spec: every session sets a memory limit, its swap, a CPU weight and
 * a pids limit (core/container/limits.ts, core/container/spec.ts), so an engine that can apply none of them
 * is refused right after connecting, before any image is built for it.
 */
export function limitsBeyondEngine(engine: EngineIdentity): HardeningProblem[] {
  return settingsBeyondEngine({ HostConfig: { Memory: 1, MemorySwap: 1, CpuShares: 1, PidsLimit: 1 } }, engine).map(
    (p) => ({ ...p, wanted: "a limit" }),
  );
}

/** Every setting the engine applied weaker than the spec asked; [] when the container is as asked. */
export function compareHardening(
  spec: ContainerCreateOptions,
  inspected: InspectedContainer,
  engine: EngineIdentity,
): HardeningProblem[] {
  const want = spec.HostConfig ?? {};
  const got = inspected.HostConfig ?? {};
  const problems: HardeningProblem[] = [];
  const check = (setting: string, wanted: unknown, actual: unknown, ok: boolean) => {
    if (!ok) problems.push({ setting, wanted: show(wanted), got: show(actual) });
  };

  const dropped = (got.CapDrop ?? []).map(capName);
  if ((want.CapDrop ?? []).map(capName).includes("ALL")) {
    const all =
      dropped.includes("ALL") || (engine.kind === "podman" && PODMAN_DEFAULT_CAPS.every((c) => dropped.includes(c)));
    check("CapDrop", ["ALL"], got.CapDrop, all);
  }
  check("CapAdd", [], got.CapAdd, (got.CapAdd ?? []).length <= (want.CapAdd ?? []).length);
  check("Privileged", false, got.Privileged, got.Privileged !== true);

  const opts = got.SecurityOpt ?? [];
  for (const opt of want.SecurityOpt ?? []) {
    if (opt.startsWith("seccomp=")) {
      // Docker echoes the profile; Podman keeps it as its own path. Either way, never unconfined.
      const seccomp = opts.filter((o) => /^seccomp[=:]/.test(o));
      const ok = !seccomp.some((o) => o.endsWith("unconfined")) && (engine.kind === "podman" || seccomp.length > 0);
      check("SecurityOpt seccomp", "the app's profile", seccomp.length ? seccomp.map(clip) : "none", ok);
    } else check(`SecurityOpt ${opt}`, opt, opts, opts.includes(opt));
  }
  if (!(want.SecurityOpt ?? []).some((o: string) => o.startsWith("seccomp="))) {
    check(
      "SecurityOpt seccomp",
      "the engine's default profile",
      opts,
      !opts.some((o) => /^seccomp[=:]unconfined$/.test(o)),
    );
  }

  if (want.Init) check("Init", true, got.Init, got.Init === true);
  if (want.ReadonlyRootfs) check("ReadonlyRootfs", true, got.ReadonlyRootfs, got.ReadonlyRootfs === true);
  for (const key of ["PidsLimit", "Memory", "MemorySwap", "CpuShares", "NanoCpus", "ShmSize"] as const) {
    const wanted = want[key];
    if (typeof wanted === "number" && wanted > 0) check(key, wanted, got[key], got[key] === wanted);
  }
  for (const [path, options] of Object.entries(want.Tmpfs ?? {})) {
    const actual = got.Tmpfs?.[path];
    const size = /(?:^|,)size=([^,]+)/.exec(options)?.[1];
    const ok = actual !== undefined && (!size || actual.split(",").includes(`size=${size}`));
    check(`Tmpfs ${path}`, options, actual ?? "not mounted", ok);
  }
  // Podman's default IPC mode is "shareable": a namespace of its own, which others may join only
  // through the engine's API. As private as "private" for the app.
  if (want.IpcMode)
    check(
      "IpcMode",
      want.IpcMode,
      got.IpcMode,
      got.IpcMode === want.IpcMode || (want.IpcMode === "private" && got.IpcMode === "shareable"),
    );
  if (want.NetworkMode) check("NetworkMode", want.NetworkMode, got.NetworkMode, got.NetworkMode === want.NetworkMode);
  if (want.UsernsMode) check("UsernsMode", want.UsernsMode, got.UsernsMode, got.UsernsMode === want.UsernsMode);
  if (spec.User) check("User", spec.User, inspected.Config?.User, inspected.Config?.User === spec.User);
  return problems;
}

function capName(cap: string): string {
  return cap.toUpperCase().replace(/^CAP_/, "");
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function show(value: unknown): string {
  if (value === undefined || value === null) return "unset";
  return typeof value === "string" ? value : JSON.stringify(value);
}
