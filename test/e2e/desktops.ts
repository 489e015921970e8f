/**
 * Private desktops for the suites that need more than the bare test display: an Xvfb of their
 * own (never :0, which other suites share bare), with a window manager or RandR monitors on it,
 * or a Wayland compositor. Each is started by the suite's beforeAll and stopped by pid in its
 * afterAll, so no display outlives the file that made it.
 */
import { type CliResult, escapeRegex, sh } from "./helpers.ts";
import { waitFor } from "./session.ts";

export interface PrivateDisplay {
  display: string;
  env: { DISPLAY: string };
  stop(): Promise<void>;
}

type Proc = ReturnType<typeof Bun.spawn>;

/** Stops what we started, by pid: SIGTERM, then SIGKILL if it lingers. */
export async function stopProcess(proc: Proc | undefined): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill("SIGTERM");
  const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
  await proc.exited;
  clearTimeout(timer);
}

/** The number an X server writes to its -displayfd once it accepts clients. */
async function readDisplayNumber(proc: Proc, what: string): Promise<string> {
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`${what} exited before reporting its display`);
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return text.trim();
}

/**
 * An Xvfb of the given size on a display it picks itself (-displayfd: no clash with other
 * suites' servers), -noreset as a desktop's server is, optionally with openbox on it.
 */
export async function startPrivateDisplay(options: {
  screen: string;
  windowManager?: "openbox";
  xvfbArgs?: string[];
}): Promise<PrivateDisplay> {
  const xvfb = Bun.spawn(
    [
      "Xvfb",
      "-displayfd",
      "1",
      "-screen",
      "0",
      `${options.screen}x24`,
      "-nolisten",
      "tcp",
      "-noreset",
      ...(options.xvfbArgs ?? []),
    ],
    { stdout: "pipe", stderr: "ignore" },
  );
  const display = `:${await readDisplayNumber(xvfb, "Xvfb")}`;
  const env = { DISPLAY: display };
  let wm: Proc | undefined;
  const stop = async () => {
    await stopProcess(wm);
    await stopProcess(xvfb);
  };
  try {
    if (options.windowManager === "openbox") {
      // No user config: Debian's /etc/xdg/openbox/rc.xml, as a fresh account has.
      wm = Bun.spawn(["openbox", "--sm-disable"], {
        env: { ...process.env, ...env },
        stdout: "ignore",
        stderr: "ignore",
      });
      await waitFor("openbox to manage the display", async () =>
        /^Name: Openbox$/m.test((await sh(["wmctrl", "-m"], env)).stdout),
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { display, env, stop };
}

/** A property of a window (or of the root), as xprop prints it after the "=" or ":". */
export async function xprop(env: Record<string, string>, window: string | "root", property: string): Promise<string> {
  const result: CliResult = await sh(["xprop", ...(window === "root" ? ["-root"] : ["-id", window]), property], env);
  return result.stdout.replace(/^[^=:]*[=:]\s*/, "").trim();
}

/** The window id (decimal, as xdotool prints it) whose exact title is `title`, once it exists. */
export async function windowByTitle(env: Record<string, string>, title: string): Promise<string> {
  const pattern = `^${escapeRegex(title)}$`;
  return waitFor(
    `a window titled ${title} on ${env.DISPLAY}`,
    async () => (await sh(["xdotool", "search", "--name", pattern], env)).stdout.split("\n").filter(Boolean)[0],
  );
}

/** A window's size as xwininfo reports it. */
export async function windowSize(
  env: Record<string, string>,
  window: string,
): Promise<{ width: number; height: number }> {
  const out = (await sh(["xwininfo", "-id", window], env)).stdout;
  return { width: Number(/Width: (\d+)/.exec(out)?.[1]), height: Number(/Height: (\d+)/.exec(out)?.[1]) };
}

/** The DPI an app in the instance sees, from `xdpyinfo`'s resolution line. */
export async function displayDpi(env: Record<string, string>): Promise<string> {
  return /resolution:\s+(\S+) dots per inch/.exec((await sh(["xdpyinfo"], env)).stdout)?.[1] ?? "";
}

/** The unprivileged account scripts/testbed.sh makes for the Wayland compositor: sway refuses to run as root. */
export const WAYLAND_USER = "dockercask-wayland";

export interface WaylandSession {
  /** XWayland's X display, as sway gives it to its clients. */
  display: string;
  waylandDisplay: string;
  runtimeDir: string;
  /** Spawns a command as the session's user, in the session (WAYLAND_DISPLAY, DISPLAY). */
  spawnAsUser(command: string[]): Proc;
  asUser(command: string[]): Promise<CliResult>;
  stop(): Promise<void>;
}

/**
 * sway's headless backend as WAYLAND_USER, with XWayland on, in a runtime dir of its own.
 * sway starts XWayland on the first X client; the display it will use is in the environment
 * it gives the commands its config runs, which is where this reads it.
 */
export async function startSway(): Promise<WaylandSession> {
  const { mkdtempSync, chownSync, writeFileSync, readFileSync, rmSync } = await import("node:fs");
  const { join } = await import("node:path");
  const uid = Number((await sh(["id", "-u", WAYLAND_USER])).stdout.trim());
  const gid = Number((await sh(["id", "-g", WAYLAND_USER])).stdout.trim());
  if (!uid) throw new Error(`no user ${WAYLAND_USER}: scripts/testbed.sh makes it`);
  const runtimeDir = mkdtempSync("/tmp/dockercask-e2e-wayland-");
  chownSync(runtimeDir, uid, gid);
  const config = join(runtimeDir, "sway.config");
  const envFile = join(runtimeDir, "session.env");
  writeFileSync(config, `xwayland enable\nexec env > ${envFile}\n`, { mode: 0o644 });
  const base = [
    "setpriv",
    `--reuid=${uid}`,
    `--regid=${gid}`,
    "--init-groups",
    "env",
    "-i",
    "PATH=/usr/local/bin:/usr/bin:/bin",
    `HOME=${runtimeDir}`,
    `XDG_RUNTIME_DIR=${runtimeDir}`,
  ];
  // setpriv and env exec: the pid is sway's own.
  const sway = Bun.spawn(
    [...base, "WLR_BACKENDS=headless", "WLR_LIBINPUT_NO_DEVICES=1", "WLR_RENDERER=pixman", "sway", "-c", config],
    { stdout: "ignore", stderr: "pipe" },
  );
  let stderr = "";
  void new Response(sway.stderr as ReadableStream<Uint8Array>).text().then((t) => (stderr = t));
  const stop = async () => {
    await stopProcess(sway);
    rmSync(runtimeDir, { recursive: true, force: true });
  };
  try {
    const vars = await waitFor("sway to start its session", () => {
      if (sway.exitCode !== null) throw new Error(`sway exited with ${sway.exitCode}: ${stderr}`);
      try {
        const text = readFileSync(envFile, "utf8");
        const get = (key: string) => new RegExp(`^${key}=(.*)$`, "m").exec(text)?.[1];
        const display = get("DISPLAY");
        const waylandDisplay = get("WAYLAND_DISPLAY");
        return display && waylandDisplay ? { display, waylandDisplay } : undefined;
      } catch {
        return undefined;
      }
    });
    const userCommand = (command: string[]) => [
      ...base,
      `WAYLAND_DISPLAY=${vars.waylandDisplay}`,
      `DISPLAY=${vars.display}`,
      ...command,
    ];
    return {
      ...vars,
      runtimeDir,
      spawnAsUser: (command) => Bun.spawn(userCommand(command), { stdout: "ignore", stderr: "ignore" }),
      asUser: (command) => sh(userCommand(command)),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
