import { DockercaskError, DockerPermissionError } from "../core/errors.ts";
import type { DoctorProbe, DockerStatus, PulseStatus } from "../ports/doctor-probe.ts";
import type { EngineEndpoint } from "../core/engine.ts";
import { createDockerClient, translateDockerError } from "./docker.ts";
import { queryHostScreen } from "./host-display.ts";
import { findExecutable } from "./host-tools.ts";

/** Long enough for a loaded machine, short enough that a hung server does not hang `doctor`. */
const PULSE_TIMEOUT_MS = 2_000;
const DOCKER_TIMEOUT_MS = 5_000;

/** The real host, as `doctor` sees it. Reads only; starts nothing that outlives the check. */
export function createDoctorProbe(env: Record<string, string | undefined>, endpoint: () => EngineEndpoint): DoctorProbe {
  return {
    findExecutable: (name) => findExecutable(name, env.PATH),
    dockerStatus: () => dockerStatus(endpoint),
    display: () => ({ DISPLAY: env.DISPLAY || undefined, WAYLAND_DISPLAY: env.WAYLAND_DISPLAY || undefined }),
    canConnectDisplay,
    pulseStatus: () => pulseStatus(env),
  };
}

async function dockerStatus(endpoint: () => EngineEndpoint): Promise<DockerStatus> {
  let socket = "the engine's socket";
  try {
    socket = endpoint().socket;
    const client = await withTimeout(createDockerClient(endpoint()), DOCKER_TIMEOUT_MS, `no answer from ${socket}`);
    const engine = await withTimeout(client.engine(), DOCKER_TIMEOUT_MS, `no answer from ${socket}`);
    return { ok: true, engine, socket, root: process.getuid?.() === 0 };
  } catch (raw) {
    const error = raw instanceof DockercaskError ? raw : translateDockerError(raw, socket);
    const problem = error instanceof DockerPermissionError ? "permission" : "unreachable";
    // The cause says why (ECONNREFUSED, ENOENT...): the part of the story our message leaves out.
    const cause = error.cause instanceof Error ? error.cause.message : error.message;
    return { ok: false, problem, socket, message: cause };
  }
}

/** Opens an X connection (with the user's XAUTHORITY cookie, like any client) and closes it again. */
async function canConnectDisplay(display: string): Promise<boolean> {
  return (await queryHostScreen(display)) !== undefined;
}

async function pulseStatus(env: Record<string, string | undefined>): Promise<PulseStatus> {
  const pactl = findExecutable("pactl", env.PATH);
  if (!pactl) return { ok: false, message: "pactl is not installed, so the server cannot be asked" };
  // LC_ALL=C: pactl translates its labels, and we parse "Server String:".
  const proc = Bun.spawn([pactl, "info"], { env: { ...env, LC_ALL: "C" }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, PULSE_TIMEOUT_MS);
  const [code, stdout, stderr] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  clearTimeout(timer);
  if (timedOut) return { ok: false, message: `pactl info gave no answer within ${PULSE_TIMEOUT_MS / 1000} s` };
  // pactl's first line says why ("Connection failure: Connection refused"); the rest repeats it.
  if (code !== 0) return { ok: false, message: stderr.trim().split("\n")[0] || `pactl info exited with ${code}` };
  const server = /^Server String:\s*(.+)$/m.exec(stdout)?.[1]?.trim();
  return { ok: true, server };
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(message), { code: "ETIMEDOUT" })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
