import type { EngineEndpoint } from "../core/container/engine.ts";
import { DockercaskError, DockerPermissionError } from "../core/errors.ts";
import { withTimeout } from "../core/with-timeout.ts";
import type { DockerStatus, DoctorProbe, PulseStatus } from "../ports/doctor-probe.ts";
import { createDockerClient } from "./docker.ts";
import { translateDockerError } from "./docker-errors.ts";
import { queryHostScreen } from "./host-display.ts";
import { findExecutable } from "./host-tools.ts";
import { runProgram } from "./process.ts";
import { spawnGuarded } from "./shm-guard.ts";
import { discoverSoundServer } from "./sound-server.ts";

/** Long enough for a loaded machine, short enough that a hung server does not hang `doctor`. */
const PULSE_TIMEOUT_MS = 2_000;
const DOCKER_TIMEOUT_MS = 5_000;

/** The real host, as `doctor` sees it. Reads only; starts nothing that outlives the check. */
export function createDoctorProbe(
  env: Record<string, string | undefined>,
  endpoint: () => EngineEndpoint,
): DoctorProbe {
  return {
    findExecutable: (name) => findExecutable(name, env.PATH),
    dockerStatus: () => dockerStatus(endpoint),
    display: () => ({ DISPLAY: env.DISPLAY || undefined, WAYLAND_DISPLAY: env.WAYLAND_DISPLAY || undefined }),
    canConnectDisplay,
    pulseStatus: () => pulseStatus(env),
    shmGuardRefusal,
  };
}

async function dockerStatus(endpoint: () => EngineEndpoint): Promise<DockerStatus> {
  let socket = "the engine's socket";
  try {
    socket = endpoint().socket;
    const noAnswer = () => Object.assign(new Error(`no answer from ${socket}`), { code: "ETIMEDOUT" });
    const client = await withTimeout(createDockerClient(endpoint()), DOCKER_TIMEOUT_MS, noAnswer);
    const engine = await withTimeout(client.engine(), DOCKER_TIMEOUT_MS, noAnswer);
    return { ok: true, engine, socket, root: process.getuid?.() === 0 };
  } catch (raw) {
    const error = raw instanceof DockercaskError ? raw : translateDockerError(raw, socket);
    const problem = error instanceof DockerPermissionError ? "permission" : "unreachable";
    // The cause says why (ECONNREFUSED, ENOENT...): the part of the story our message leaves out.
    const cause = error.cause instanceof Error ? error.cause.message : error.message;
    return { ok: false, problem, socket, message: cause };
  }
}

/** Runs `true` the way Xephyr runs under `mit-shm = "fd"`: from the guard's thread, which installs the filter first. */
async function shmGuardRefusal(): Promise<string | undefined> {
  try {
    const child = await spawnGuarded(["/bin/true"], {});
    await child.exited;
    return child.refused;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Opens an X connection (with the user's XAUTHORITY cookie, like any client) and closes it again. */
async function canConnectDisplay(display: string): Promise<boolean> {
  return (await queryHostScreen(display)) !== undefined;
}

async function pulseStatus(env: Record<string, string | undefined>): Promise<PulseStatus> {
  const [discovery, answer] = await Promise.all([discoverSoundServer(env), askServer(env)]);
  return { ...answer, discovery };
}

async function askServer(env: Record<string, string | undefined>): Promise<Omit<PulseStatus, "discovery">> {
  const pactl = findExecutable("pactl", env.PATH);
  if (!pactl) return { ok: false, message: "pactl is not installed, so the server cannot be asked" };
  // LC_ALL=C: pactl translates its labels, and we parse "Server String:".
  const { code, stdout, stderr, timedOut } = await runProgram([pactl, "info"], {
    env: { ...env, LC_ALL: "C" },
    timeoutMs: PULSE_TIMEOUT_MS,
  });
  if (timedOut) return { ok: false, message: `pactl info gave no answer within ${PULSE_TIMEOUT_MS / 1000} s` };
  // pactl's first line says why ("Connection failure: Connection refused"); the rest repeats it.
  if (code !== 0) return { ok: false, message: stderr.trim().split("\n")[0] || `pactl info exited with ${code}` };
  const server = /^Server String:\s*(.+)$/m.exec(stdout)?.[1]?.trim();
  return { ok: true, server };
}
