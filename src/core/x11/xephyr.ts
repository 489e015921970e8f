import type { LeftoverProcess } from "../instance/leftovers.ts";
import { SHM_OFF_ARGS } from "./shm-guard.ts";
/** Xephyr's command line, built as data (the adapter only runs it). */
export interface XephyrOptions {
  /** The server-side cookie file. */
  authFile: string;
  /** The window title: the instance name, so the user (and wmctrl/xdotool) can tell windows apart. */
  title: string;
  /** WM_CLASS's instance part (res_name): what a menu entry's StartupWMClass names (core/catalog/desktop-entry.ts). */
  windowClass?: string;
  width: number;
  height: number;
  dpi: number;
  /** The fd Xephyr writes its display number to once it accepts clients. */
  displayFd: number;
  /** MIT-SHM by descriptor, under the guard (core/x11/shm-guard.ts); otherwise no MIT-SHM at all. */
  mitShm: boolean;
}

const MIB = 1024 * 1024;
/**
 * The least an instance's X server may hold for its clients. Xephyr's own data is about 8 MiB
 * (its screen is shared memory with the host's server, not counted); a 4K window's
 * double buffer is 32 MiB. 256 MiB leaves a toolkit several screens of pixmaps.
 */
export const MIN_X_MEMORY_BYTES = 256 * MIB;

/**
 * What an instance's X server may allocate: a quarter of the instance's memory limit, at least
 * MIN_X_MEMORY_BYTES. Xephyr runs on the host, outside the container's cgroup, and every
 * pixmap an app creates is Xephyr's memory: without this bound a dozen large pixmaps cost the
 * host gigabytes while the container is charged nothing. Past it the app's requests fail with
 * BadAlloc, and its X server and the desktop run on.
 */
export function xServerMemoryBytes(instanceMemoryBytes: number): number {
  return Math.max(MIN_X_MEMORY_BYTES, Math.floor(instanceMemoryBytes / 4 / MIB) * MIB);
}

/**
 * The whole command: Xephyr under RLIMIT_DATA. That limit counts the heap and private mappings,
 * which is where pixmaps live, and works for every user on every host (a cgroup would need a
 * user slice the host may not delegate). The shell's ulimit sets it (in KiB) and execs Xephyr,
 * so the pid is Xephyr's; the argv stays positional parameters, never parsed by the shell.
 *
 * With MIT-SHM on, adapters/xephyr.ts spawns it from a thread under the MIT-SHM guard
 * (core/x11/shm-guard.ts), whose filter the shell and Xephyr inherit.
 */
export function xephyrCommand(options: XephyrOptions & { memoryBytes: number }): string[] {
  const kib = Math.floor(options.memoryBytes / 1024);
  return [
    "/bin/sh",
    "-c",
    'ulimit -d "$1" && shift && exec "$@"',
    "dockercask-xephyr",
    String(kib),
    "Xephyr",
    ...buildXephyrArgs(options),
  ];
}

export function buildXephyrArgs(options: XephyrOptions): string[] {
  return [
    // The server picks a free display itself and reports it: no guessing, no races, no polling.
    "-displayfd",
    String(options.displayFd),
    // Clients must present this instance's cookie.
    "-auth",
    options.authFile,
    // Only the unix socket: nothing reachable over the network.
    "-nolisten",
    "tcp",
    // The window can be resized, and the app (through the container's window manager) follows.
    "-resizeable",
    // Do not grab the host keyboard and pointer on Ctrl+Shift: the host stays in charge.
    "-no-host-grab",
    "-title",
    options.title,
    // The class part stays "Xephyr"; the name part tells the taskbar which menu entry this window is.
    ...(options.windowClass ? ["-name", options.windowClass] : []),
    "-screen",
    `${options.width}x${options.height}`,
    "-dpi",
    String(options.dpi),
    // Without the guard, MIT-SHM stays off: the container has its own IPC namespace, so a System
    // V id an app names means something else here, in the host's; some apps crash with
    // BadAccess instead of falling back. Without the extension they use plain requests.
    ...(options.mitShm ? [] : SHM_OFF_ARGS),
    // Keep the server (and the cookie it loaded) when the window manager or app reconnects.
    "-noreset",
  ];
}

/** Xephyr writes "<n>\n" to the display fd once it is ready. */
export function parseDisplayNumber(output: string): number | undefined {
  const match = /^\s*(\d+)\s*$/m.exec(output);
  return match ? Number(match[1]) : undefined;
}

/** Fits a window into the host screen: at most 90% of each side, keeping at least 640x480. */
export function defaultWindowSize(host: { width: number; height: number } | undefined): {
  width: number;
  height: number;
} {
  if (!host) return { width: 1280, height: 800 };
  const fit = (side: number, min: number) => Math.max(min, Math.floor((side * 0.9) / 8) * 8);
  return { width: Math.min(fit(host.width, 640), host.width), height: Math.min(fit(host.height, 480), host.height) };
}

/** The host's DPI from its size in pixels and millimetres; 96 when the server does not know. */
export function hostDpi(host: { width: number; widthMm: number } | undefined): number {
  if (!host || host.widthMm <= 0) return 96;
  const dpi = Math.round(host.width / (host.widthMm / 25.4));
  return dpi >= 48 && dpi <= 480 ? dpi : 96;
}

/**
 * Whether a process's command line (from /proc/<pid>/cmdline) is a Xephyr server: the reaper
 * signals a dead session's Xephyr only while its pid still runs Xephyr, since pids get reused.
 */
export function isXephyrCommandLine(argv: readonly string[]): boolean {
  return argv[0]?.endsWith("Xephyr") ?? false;
}

/** An instance's Xephyr, as the reaper finds it after its supervisor died. */
export const XEPHYR_LEFTOVER: LeftoverProcess = {
  what: "Xephyr",
  recorded: (state) => (state.xephyrPid ? { pid: state.xephyrPid, start: state.xephyrStart } : undefined),
  isOurs: (argv) => isXephyrCommandLine(argv),
};
