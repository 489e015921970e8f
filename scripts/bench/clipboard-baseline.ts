/**
 * What the clipboard part measures dockercask against: a polling loop in the style of
 * x11docker's on a plain Xephyr, and an idle Bun process as the floor of any Bun program.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { processStartTime } from "../../src/adapters/process.ts";
import { buildXephyrArgs } from "../../src/core/x11/xephyr.ts";
import { childPids } from "./cpu.ts";
import { fail } from "./errors.ts";
import { collect, exitWithin, type Proc, readDisplayNumber, untilGone, withTimeout } from "./process.ts";
import type { Sandbox } from "./sandbox.ts";
import { xauthorityEntry } from "./x-watch.ts";
import type { ClipEnd } from "./xclip.ts";

export interface Baseline {
  app: ClipEnd;
  loopPid(): number;
  /** SIGSTOP / SIGCONT the loop, so it does not run while dockercask is measured. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

/**
 * The baseline: a plain Xephyr (no app: the clipboard does not need one) and a bash loop in
 * the style of x11docker's clipboard sharing: every second, read both clipboards with
 * `xclip -o`, and carry the one that changed with `xclip -i`.
 */
const POLLING_LOOP = `
h() { if [ -n "$H_XAUTHORITY" ]; then DISPLAY="$H_DISPLAY" XAUTHORITY="$H_XAUTHORITY" "$@"; else DISPLAY="$H_DISPLAY" "$@"; fi; }
a() { DISPLAY="$A_DISPLAY" XAUTHORITY="$A_XAUTHORITY" "$@"; }
last=""
while sleep 1; do
  hv=$(h xclip -selection clipboard -o -t UTF8_STRING 2>/dev/null)
  av=$(a xclip -selection clipboard -o -t UTF8_STRING 2>/dev/null)
  if [ -n "$hv" ] && [ "$hv" != "$last" ]; then
    printf %s "$hv" | a xclip -selection clipboard -i -t UTF8_STRING >/dev/null 2>&1; last=$hv
  elif [ -n "$av" ] && [ "$av" != "$last" ]; then
    printf %s "$av" | h xclip -selection clipboard -i -t UTF8_STRING >/dev/null 2>&1; last=$av
  fi
done
`;

export async function startBaseline(box: Sandbox, clipApp: string): Promise<Baseline> {
  const dir = join(box.dir, "baseline");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const authFile = join(dir, "xauth");
  writeFileSync(authFile, xauthorityEntry(crypto.getRandomValues(new Uint8Array(16))), { mode: 0o600 });
  const xephyr = Bun.spawn(
    [
      "Xephyr",
      ...buildXephyrArgs({
        authFile,
        title: `${clipApp}#bench-clip-baseline`,
        width: box.screen.width,
        height: box.screen.height,
        dpi: box.screen.dpi,
        displayFd: 1,
        mitShm: false,
      }),
    ],
    { env: box.env, stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  const xephyrErr = collect(xephyr.stderr);
  let loop: Proc | undefined;
  let paused = false;
  const teardown = async () => {
    if (loop) {
      if (paused) process.kill(loop.pid, "SIGCONT");
      // The loop's children (a sleep, an xclip) end by themselves, but not later than now.
      const children = childPids(loop.pid).map((pid) => [pid, processStartTime(pid)] as const);
      loop.kill("SIGTERM");
      await exitWithin(loop, 5_000);
      for (const [pid, start] of children) if (start && processStartTime(pid) === start) process.kill(pid, "SIGTERM");
      await untilGone("the polling loop's children", () =>
        children.every(([pid, start]) => processStartTime(pid) !== start),
      );
    }
    xephyr.kill("SIGTERM");
    await exitWithin(xephyr, 5_000);
  };
  box.live.add(teardown);
  const stop = async () => {
    await teardown();
    box.live.delete(teardown);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const display = await withTimeout(readDisplayNumber(xephyr), box.timeoutMs, "the baseline Xephyr's display number");
    if (display === undefined) fail(`the baseline Xephyr did not start:\n${xephyrErr.text()}`);
    const app = { label: "baseline's display", env: { ...box.env, DISPLAY: `:${display}`, XAUTHORITY: authFile } };
    const loopEnv = {
      ...box.env,
      H_DISPLAY: box.env.DISPLAY!,
      H_XAUTHORITY: box.env.XAUTHORITY ?? "",
      A_DISPLAY: `:${display}`,
      A_XAUTHORITY: authFile,
    };
    loop = Bun.spawn(["bash", "-c", POLLING_LOOP], {
      env: loopEnv,
      stdin: "ignore",
      stdout: "ignore",
      stderr: "ignore",
    });
    return {
      app,
      loopPid: () => loop!.pid,
      pause: () => {
        process.kill(loop!.pid, "SIGSTOP");
        paused = true;
      },
      resume: () => {
        process.kill(loop!.pid, "SIGCONT");
        paused = false;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** An idle Bun process, the floor of what any Bun program costs while it waits. */
export function startIdleBun(box: Sandbox): { pid: number; stop(): Promise<void> } {
  const proc = Bun.spawn([process.execPath, "-e", "setInterval(() => {}, 1 << 30)"], {
    stdin: "ignore",
    stdout: "ignore",
    stderr: "ignore",
  });
  const teardown = async () => {
    proc.kill("SIGTERM");
    await exitWithin(proc, 5_000);
  };
  box.live.add(teardown);
  return {
    pid: proc.pid,
    stop: async () => {
      await teardown();
      box.live.delete(teardown);
    },
  };
}
