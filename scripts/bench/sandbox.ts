/**
 * The private XDG sandbox every part runs in, with a private copy of the binary under test, and
 * the registry of what is running: Ctrl+C tears down whatever is live, then removes the sandbox.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { queryHostScreen } from "../../src/adapters/host-display.ts";
import { defaultWindowSize, hostDpi } from "../../src/core/x11/xephyr.ts";
import { fail } from "./errors.ts";

export interface Sandbox {
  /** The sandbox folder (private, removed at the end): parts put their scratch files here. */
  dir: string;
  /** A private copy of the binary under test: a rebuild of dist/ during the run cannot mix versions. */
  bin: string;
  env: Record<string, string>;
  runtimeRoot: string;
  configHome: string;
  /** The size and dpi dockercask gives an instance's Xephyr on this desktop; the floor's and the baseline's get the same. */
  screen: { width: number; height: number; dpi: number };
  /** How to tear down each thing running now; a part adds what it starts and deletes it once stopped. */
  live: Set<() => Promise<void>>;
  /** Show each run's milestones and what dockercask logged. */
  verbose: boolean;
  /** How long any one thing may take to start. */
  timeoutMs: number;
}

export async function createSandbox(
  binUnderTest: string,
  options: { live: Set<() => Promise<void>>; verbose: boolean; timeoutMs: number },
): Promise<Sandbox> {
  if (!process.env.DISPLAY) fail("DISPLAY is not set: the benchmark needs an X display (e.g. Xvfb :0)");
  if (!existsSync(binUnderTest)) fail(`${binUnderTest} does not exist; build it with: npx bun scripts/build.ts`);
  const dir = mkdtempSync(join(tmpdir(), "dockercask-bench-"));
  const xdg = {
    XDG_CONFIG_HOME: join(dir, "config"),
    XDG_DATA_HOME: join(dir, "data"),
    XDG_RUNTIME_DIR: join(dir, "run"),
  };
  for (const d of Object.values(xdg)) mkdirSync(d, { mode: 0o700 });
  const env = { ...(process.env as Record<string, string>), ...xdg, NO_COLOR: "1" };
  const bin = join(dir, "dockercask");
  copyFileSync(binUnderTest, bin);
  chmodSync(bin, 0o755);
  const hostScreen = await queryHostScreen(process.env.DISPLAY!);
  const screen = { ...defaultWindowSize(hostScreen), dpi: hostDpi(hostScreen) };
  return {
    dir,
    bin,
    env,
    runtimeRoot: join(xdg.XDG_RUNTIME_DIR, "dockercask"),
    configHome: xdg.XDG_CONFIG_HOME,
    screen,
    ...options,
  };
}

export function removeSandbox(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * On SIGINT, SIGTERM or SIGHUP: every live teardown, then the sandbox (if `sandboxDir()` names
 * one) removed, and exit 128+n. `stopping` says whether that has begun.
 */
export function tearDownOnSignals(
  live: Set<() => Promise<void>>,
  sandboxDir: () => string | undefined,
): { readonly stopping: boolean } {
  const state = { stopping: false };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      if (state.stopping) return;
      state.stopping = true;
      process.stderr.write(`\n${signal}: tearing down\n`);
      void Promise.allSettled([...live].map((teardown) => teardown())).finally(() => {
        const dir = sandboxDir();
        if (dir) removeSandbox(dir);
        process.exit({ SIGHUP: 129, SIGINT: 130, SIGTERM: 143 }[signal]);
      });
    });
  }
  return state;
}

/**
 * A part that runs alone, in a sandbox of its own with the binary of dist/: what it started is
 * torn down and the sandbox removed when `work` ends, fails, or the run is interrupted.
 */
export async function inOwnSandbox<T>(binUnderTest: string, work: (box: Sandbox) => Promise<T>): Promise<T> {
  const live = new Set<() => Promise<void>>();
  let dir: string | undefined;
  tearDownOnSignals(live, () => dir);
  const box = await createSandbox(binUnderTest, { live, verbose: false, timeoutMs: 60_000 });
  dir = box.dir;
  try {
    return await work(box);
  } finally {
    await Promise.allSettled([...live].map((teardown) => teardown()));
    removeSandbox(box.dir);
  }
}
