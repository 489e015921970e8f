/** A `dockercask run` the benchmark starts in its sandbox, watched through its state.json and torn down checked. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { processStartTime } from "../../src/adapters/process.ts";
import { CONTAINER_LABEL } from "../../src/core/container/spec.ts";
import { parseSessionState, type SessionState, STATE_FILE } from "../../src/core/instance/runtime.ts";
import { fail } from "./errors.ts";
import { collect, containersLabelled, exitWithin, now, type Proc, sh, untilGone } from "./process.ts";
import type { Sandbox } from "./sandbox.ts";

/** A `dockercask run` this script started, with its runtime dir and what it last wrote in its state.json. */
export interface Instance {
  proc: Proc;
  dir: string;
  stateFile: string;
  /** now() just before it was spawned. */
  t0: number;
  err: ReturnType<typeof collect>;
  /** The last state that read() found. */
  readonly state: SessionState | undefined;
  /** Reads state.json; a state that parses becomes `state`. */
  read(): SessionState | undefined;
  /** Waits until state.json names its container; fails if it exits first or takes longer than the sandbox's timeout. */
  untilRunning(): Promise<SessionState & { container: string }>;
  /** Stops it (and what a killed supervisor left behind), then checks its container, Xephyr and runtime dir are gone. */
  stop(): Promise<void>;
}

/**
 * Spawns `dockercask run <runAs> <extraArgs>` in the sandbox, `runAs` being the instance's name
 * unless it is a name dockercask resolves (`deb:galculator#x` runs `galculator#x`); it is torn
 * down on Ctrl+C until stop().
 */
export function startInstance(box: Sandbox, instance: string, extraArgs: string[], runAs = instance): Instance {
  const dir = join(box.runtimeRoot, instance);
  const stateFile = join(dir, STATE_FILE);
  const t0 = now();
  const proc = Bun.spawn([box.bin, "run", runAs, ...extraArgs, ...(box.verbose ? ["--verbose"] : [])], {
    env: box.env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const out = collect(proc.stdout);
  const err = collect(proc.stderr);
  let state: SessionState | undefined;
  const teardown = () => stopSupervisor(proc, state);
  box.live.add(teardown);
  return {
    proc,
    dir,
    stateFile,
    t0,
    err,
    get state() {
      return state;
    },
    async untilRunning() {
      while (!this.read()?.container) {
        if (proc.exitCode !== null || proc.signalCode !== null)
          fail(`dockercask run ${runAs} exited early:\n${err.text()}`);
        if (now() - t0 > box.timeoutMs) fail(`no container in ${stateFile} after ${box.timeoutMs} ms:\n${err.text()}`);
        await Bun.sleep(20);
      }
      return state as SessionState & { container: string };
    },
    read() {
      let next: SessionState | undefined;
      try {
        next = parseSessionState(readFileSync(stateFile, "utf8"));
      } catch {
        // Not written yet, or being replaced.
      }
      if (next) state = next;
      return next;
    },
    async stop() {
      await teardown();
      box.live.delete(teardown);
      await Promise.all([out.done, err.done]);
      await untilGone(
        `containers of ${instance}`,
        async () => (await containersLabelled(`${CONTAINER_LABEL.instance}=${instance}`)).length === 0,
      );
      const last = state;
      if (last?.xephyrPid)
        await untilGone(`Xephyr pid ${last.xephyrPid}`, () => processStartTime(last.xephyrPid!) !== last.xephyrStart);
      await untilGone(`runtime dir ${dir}`, () => !existsSync(dir));
    },
  };
}

/**
 * Stops a `dockercask run` this script started. A supervisor that had to be killed leaves its
 * Xephyr and container behind: end them too, from what its state file said.
 */
async function stopSupervisor(proc: Proc, state: SessionState | undefined): Promise<void> {
  proc.kill("SIGTERM");
  await exitWithin(proc, 15_000);
  if (state?.container) await sh(["docker", "rm", "-f", state.container]);
  if (state?.xephyrPid && state.xephyrStart && processStartTime(state.xephyrPid) === state.xephyrStart)
    process.kill(state.xephyrPid, "SIGKILL");
}
