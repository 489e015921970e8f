/**
 * Helpers for suites that run instances: start `dockercask run` in the background, find its
 * display and windows, and check that nothing is left once it is over.
 */
import { cpSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, createSandbox, escapeRegex, type Sandbox, sh } from "./helpers.ts";

export const HOST_DISPLAY = process.env.DISPLAY ?? ":0";

/** Waits until `check` returns a value (not undefined/false). A bound for a hang, not a timing assertion. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await Bun.sleep(50);
  }
}

export interface RunningSession {
  instance: string;
  proc: ReturnType<typeof Bun.spawn>;
  output: () => string;
  exited: Promise<number>;
  display: number;
  runtimeDir: string;
  /** Env for X clients on the instance's Xephyr display, with its cookie. */
  xenv: Record<string, string>;
}

/** Starts `dockercask run <instance> [args]` and resolves once its container runs. */
export function startRun(
  box: Sandbox,
  instance: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<RunningSession> {
  return startSession(box, ["run", instance, ...args], env);
}

/** Starts a dockercask command that runs an instance (`run`, `open`) and resolves once its container runs. */
export async function startSession(
  box: Sandbox,
  command: string[],
  env: Record<string, string> = {},
): Promise<RunningSession> {
  const instance = command[1]!;
  const proc = Bun.spawn([BIN, ...command], {
    env: { ...box.env, ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let text = "";
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) text += decoder.decode(chunk);
  };
  void drain(proc.stdout as ReadableStream<Uint8Array>);
  void drain(proc.stderr as ReadableStream<Uint8Array>);
  let done = false;
  const exited = proc.exited.then((code) => {
    done = true;
    return code;
  });
  // The instance as dockercask names it: `run deb:galculator` runs `galculator`.
  const started = await waitFor(
    `${instance} to start`,
    () => {
      if (done) throw new Error(`dockercask ${command.join(" ")} exited early:\n${text}`);
      const match = /(\S+) is running on display :(\d+)/.exec(text);
      return match ? { name: match[1]!, display: Number(match[2]) } : undefined;
    },
    300_000,
  );
  const { name, display } = started;
  const runtimeDir = join(box.env.XDG_RUNTIME_DIR!, "dockercask", name);
  const xenv = { DISPLAY: `:${display}`, XAUTHORITY: join(runtimeDir, "xauth.client") };
  return { instance: name, proc, output: () => text, exited, display, runtimeDir, xenv };
}

/** Windows of the given class that are viewable on a display. */
export async function visibleWindows(env: Record<string, string>, className: string): Promise<string[]> {
  const result = await sh(["xdotool", "search", "--onlyvisible", "--class", className], env);
  return result.stdout.split("\n").filter(Boolean);
}

export async function windowGeometry(
  env: Record<string, string>,
  id: string,
): Promise<{ x: number; y: number; width: number; height: number }> {
  const result = await sh(["xdotool", "getwindowgeometry", "--shell", id], env);
  const value = (key: string) => Number(new RegExp(`^${key}=(\\d+)`, "m").exec(result.stdout)?.[1] ?? NaN);
  return { x: value("X"), y: value("Y"), width: value("WIDTH"), height: value("HEIGHT") };
}

/** The host-side Xephyr window of an instance (found by its exact title). */
export async function xephyrWindow(instance: string): Promise<string> {
  const pattern = `^${escapeRegex(instance)}$`;
  return waitFor(`the Xephyr window of ${instance}`, async () => {
    const ids = (await sh(["xdotool", "search", "--name", pattern], { DISPLAY: HOST_DISPLAY })).stdout
      .split("\n")
      .filter(Boolean);
    return ids[0];
  });
}

/** The id of the instance's running container, found by its label. */
export async function containerId(instance: string): Promise<string> {
  const id = (await sh(["docker", "ps", "-q", "--filter", `label=io.dockercask.instance=${instance}`])).stdout.trim();
  if (!id) throw new Error(`no container for ${instance}`);
  return id;
}

/** Runs a command inside the instance's container, as the app's user, like a process of the app would. */
export async function execIn(
  instance: string,
  command: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return sh(["docker", "exec", await containerId(instance), ...command]);
}

/** The instance's cookie (hex), as xauth reads it from the client file the app gets. */
export async function cookieOf(session: RunningSession): Promise<string> {
  return (await sh(["xauth", "-f", session.xenv.XAUTHORITY!, "nlist"])).stdout.trim().split(/\s+/).pop()!;
}

/** What a finished instance must not leave: a container, an Xephyr, a runtime dir. Empty when clean. */
export async function leftovers(box: Sandbox, instance: string): Promise<string[]> {
  const found: string[] = [];
  const containers = (
    await sh(["docker", "ps", "-a", "-q", "--filter", `label=io.dockercask.instance=${instance}`])
  ).stdout.trim();
  if (containers) found.push(`container ${containers}`);
  const xephyrs = (await sh(["pgrep", "-f", `Xephyr .*-title ${instance} `])).stdout.trim();
  if (xephyrs) found.push(`Xephyr pid ${xephyrs}`);
  const dir = join(box.env.XDG_RUNTIME_DIR!, "dockercask", instance);
  if (existsSync(dir)) found.push(`runtime dir ${dir}`);
  return found;
}

/** Waits until nothing of the instance is left; returns what is left if that never happens. */
export async function waitUntilClean(box: Sandbox, instance: string, timeoutMs = 30_000): Promise<string[]> {
  try {
    await waitFor(`${instance} to be cleaned up`, async () => (await leftovers(box, instance)).length === 0, timeoutMs);
    return [];
  } catch {
    return leftovers(box, instance);
  }
}

/** Installs the e2e fixture apps (test/e2e/fixtures/apps) as the sandbox's user catalog. */
function installFixtureApps(box: Sandbox): void {
  const target = join(box.env.XDG_CONFIG_HOME!, "dockercask/apps");
  mkdirSync(target, { recursive: true });
  cpSync(join(import.meta.dir, "fixtures/apps"), target, { recursive: true });
}

/** A sandbox with the fixture apps installed and `apps` built (once per machine: builds are cached). */
export async function createAppSandbox(name: string, apps: string[] = ["attacker"]): Promise<Sandbox> {
  const box = createSandbox(name);
  installFixtureApps(box);
  const build = await box.run(["build", ...apps]);
  if (build.code !== 0) throw new Error(`building ${apps.join(", ")} failed:\n${build.stderr}`);
  return box;
}

/** Mean and standard deviation of a screenshot's pixels (0..1): a blank image has deviation 0. */
export async function imageStats(file: string, crop?: string): Promise<{ mean: number; stddev: number }> {
  // /usr/bin/convert: the real ImageMagick (a stand-in may shadow it earlier on PATH).
  const args = [
    "/usr/bin/convert",
    file,
    ...(crop ? ["-crop", crop, "+repage"] : []),
    "-colorspace",
    "Gray",
    "-format",
    "%[fx:mean] %[fx:standard_deviation]",
    "info:",
  ];
  const [mean, stddev] = (await sh(args)).stdout.trim().split(" ").map(Number);
  return { mean: mean ?? NaN, stddev: stddev ?? NaN };
}

export function readState(session: RunningSession): Record<string, unknown> {
  return JSON.parse(readFileSync(join(session.runtimeDir, "state.json"), "utf8"));
}

/**
 * A desktop of a suite's own: an Xvfb on a free display, so the dialogs it reads are its own
 * and no other suite's window covers them. `stop` ends it.
 */
export async function startPrivateDesktop(size = "1280x800"): Promise<{ env: Record<string, string>; stop(): void }> {
  const xvfb = Bun.spawn(["Xvfb", "-displayfd", "1", "-nolisten", "tcp", "-screen", "0", `${size}x24`], {
    stdout: "pipe",
    stderr: "ignore",
  });
  const reader = (xvfb.stdout as ReadableStream<Uint8Array>).getReader();
  const display = new TextDecoder().decode((await reader.read()).value).trim();
  reader.releaseLock();
  return { env: { DISPLAY: `:${display}` }, stop: () => xvfb.kill() };
}
