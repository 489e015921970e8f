import { describeEngine } from "../core/container/engine.ts";
import { engineFlags, listEngines, ROOTFUL_ENGINES, ROOTLESS_ENGINES } from "../core/container/engine-names.ts";
import { DockerPermissionError, DockerUnreachableError } from "../core/errors.ts";
import { HOST_TOOLS, type HostTool, type InstallCommands, installCommands } from "../core/host-tools.ts";
import type { DoctorProbe } from "../ports/doctor-probe.ts";

export interface DoctorCheck {
  name: string;
  ok: boolean;
  /** A failed required check means apps cannot run; a failed optional one switches a feature off. */
  required: boolean;
  detail: string;
  /** What to do about a failure. */
  fix?: string;
  /** Something to know even when the check passes. */
  note?: string;
}

export interface DoctorReport {
  /** True when every required check passes. */
  ok: boolean;
  checks: DoctorCheck[];
  /** Every missing tool, required or not, by command name. */
  missingTools: string[];
  /** Installs every missing tool; undefined when none is missing. */
  install?: InstallCommands;
}

/** Checks everything `dockercask run` needs from the host, without changing anything. */
export async function runDoctor(probe: DoctorProbe): Promise<DoctorReport> {
  const env = probe.display();
  const [docker, display, sound, mitShm] = await Promise.all([
    checkDocker(probe),
    checkDisplay(probe, env),
    checkSound(probe),
    checkMitShm(probe),
  ]);
  const missing: HostTool[] = [];
  const tools = HOST_TOOLS.map((tool): DoctorCheck => {
    const path = probe.findExecutable(tool.command);
    if (path) return { name: tool.command, ok: true, required: tool.required, detail: path };
    missing.push(tool);
    return {
      name: tool.command,
      ok: false,
      required: tool.required,
      detail: `not found on PATH: ${tool.purpose}`,
      fix: describePackages(tool),
    };
  });
  const checks = [docker, display, ...tools, sound, mitShm];
  return {
    ok: checks.every((c) => c.ok || !c.required),
    checks,
    missingTools: missing.map((t) => t.command),
    install: missing.length ? installCommands(missing) : undefined,
  };
}

function describePackages(tool: HostTool): string {
  const { debian, arch, fedora } = tool.packages;
  if (debian === arch && arch === fedora) return `install the ${debian} package`;
  return `install ${debian} (Debian/Ubuntu), ${arch} (Arch) or ${fedora} (Fedora)`;
}

async function checkDocker(probe: DoctorProbe): Promise<DoctorCheck> {
  const status = await probe.dockerStatus();
  const name = "engine";
  if (status.ok) {
    const { engine } = status;
    const detail = `${describeEngine(engine)} at ${status.socket}`;
    if (engine.rootless && engine.cgroupVersion === "1") {
      return {
        name,
        ok: false,
        required: true,
        detail: `${detail}: this host runs cgroup v1, where a rootless engine cannot enforce the memory, CPU and pids limits, so dockercask refuses to run apps on it`,
        fix: `Boot with cgroup v2 (systemd.unified_cgroup_hierarchy=1), or use a rootful engine: ${engineFlags(ROOTFUL_ENGINES)}.`,
      };
    }
    const note = engine.rootless
      ? "rootless: the engine and its containers run as you, so an escape from a container gets no more than your own account"
      : engine.kind === "docker" && !status.root
        ? `rootful: whoever can use this socket (the docker group) is root on the host, with no password asked. A rootless engine (${listEngines(ROOTLESS_ENGINES)}) avoids that`
        : "rootful: the engine runs as root; apps still run unprivileged inside their containers";
    return { name, ok: true, required: true, detail, note };
  }
  // The same advice the other commands give when they meet the problem, so it stays in one place.
  const error =
    status.problem === "permission"
      ? new DockerPermissionError(status.socket)
      : new DockerUnreachableError(status.socket);
  const why = status.message && status.message !== error.message ? ` (${status.message})` : "";
  return { name, ok: false, required: true, detail: `${error.message}${why}`, fix: error.hint };
}

async function checkDisplay(
  probe: DoctorProbe,
  env: { DISPLAY?: string; WAYLAND_DISPLAY?: string },
): Promise<DoctorCheck> {
  const name = "display";
  const display = env.DISPLAY;
  if (!display) {
    return {
      name,
      ok: false,
      required: true,
      detail: "DISPLAY is not set: there is no desktop for the windows to appear on",
      fix: env.WAYLAND_DISPLAY
        ? "This is a Wayland session without XWayland: enable XWayland in your compositor, then log in again."
        : "Run dockercask from a terminal inside your graphical desktop session.",
    };
  }
  const kind = desktopKind(env);
  if (await probe.canConnectDisplay(display))
    return { name, ok: true, required: true, detail: `connected to DISPLAY=${display}: ${kind}` };
  return {
    name,
    ok: false,
    required: true,
    detail: `cannot connect to the X server at DISPLAY=${display}: ${kind}`,
    fix: env.WAYLAND_DISPLAY
      ? "Check that XWayland is enabled in your compositor. XWayland lets in only the session's own user: run dockercask as that user, not through sudo."
      : "Check that the desktop is running and that XAUTHORITY points at its cookie file (xdpyinfo shows the same error).",
  };
}

/** What kind of desktop the windows open on: an X11 session, or XWayland inside a Wayland one. */
function desktopKind(env: { DISPLAY?: string; WAYLAND_DISPLAY?: string }): string {
  return env.WAYLAND_DISPLAY
    ? `XWayland, in a Wayland session (WAYLAND_DISPLAY=${env.WAYLAND_DISPLAY})`
    : "an X11 desktop";
}

/** Whether `mit-shm = "fd"` can be had here; off by default either way. */
async function checkMitShm(probe: DoctorProbe): Promise<DoctorCheck> {
  const refused = await probe.shmGuardRefusal();
  const note =
    'off by default: `mit-shm = "fd"` turns it on for an app or instance (docs/security.md says what it costs)';
  if (!refused)
    return {
      name: "mit-shm",
      ok: true,
      required: false,
      detail: "Xephyr's guard installs on this host: an instance with mit-shm = \"fd\" draws at the host's speed",
      note,
    };
  return {
    name: "mit-shm",
    ok: false,
    required: false,
    detail: `Xephyr's guard cannot be installed (${refused}): instances run without MIT-SHM, even with mit-shm = "fd"`,
    fix: "The guard needs glibc, x86_64 or arm64, and a kernel with seccomp filters.",
  };
}

async function checkSound(probe: DoctorProbe): Promise<DoctorCheck> {
  const name = "sound";
  const status = await probe.pulseStatus();
  const { discovery } = status;
  // What an instance would use is what dockercask finds, the way libpulse finds it; pactl
  // answering says the server is up.
  if (!discovery.found)
    return {
      name,
      ok: false,
      required: false,
      detail: `dockercask finds no sound server: apps will run silent (tried: ${discovery.tried.join("; ")})`,
      fix: "Start PulseAudio, or PipeWire with pipewire-pulse, in your desktop session; or name its socket in PULSE_SERVER.",
    };
  if (status.ok)
    return {
      name,
      ok: true,
      required: false,
      detail: `PulseAudio server ${status.server ?? "answering"}, found through ${discovery.via} (${discovery.socket})`,
    };
  return {
    name,
    ok: false,
    required: false,
    detail: `no PulseAudio server answered${status.message ? ` (${status.message})` : ""}: apps will run silent`,
    fix: "Start PulseAudio, or PipeWire with pipewire-pulse, in your desktop session.",
  };
}
