import { DockercaskError } from "../core/errors.ts";
import { parseDisplayNumber, type XephyrOptions, xephyrCommand } from "../core/x11/xephyr.ts";
import type { XephyrHandle } from "../ports/xephyr.ts";
import { log } from "./log.ts";
import { processStartTime } from "./process.ts";
import { type SpawnedProcess, spawnGuarded } from "./shm-guard.ts";

const READY_TIMEOUT_MS = 15_000;

/**
 * Starts Xephyr on the host display and waits for the display number it reports on its
 * display fd (stdout here). No sleeps, no polling for sockets: the number arrives when the
 * server accepts clients.
 */
export async function startXephyr(
  options: Omit<XephyrOptions, "displayFd"> & { memoryBytes: number },
  env: Record<string, string | undefined>,
): Promise<XephyrHandle> {
  const argv = xephyrCommand({ ...options, displayFd: 1 });
  const defined = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined)) as Record<
    string,
    string
  >;
  const proc: SpawnedProcess = options.mitShm
    ? await spawnGuarded(argv, defined).then((guarded) => {
        if (guarded.refused) log.warn(`mit-shm: the guard could not be installed (${guarded.refused}): MIT-SHM is off`);
        return guarded;
      })
    : Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: defined });
  const stderr: string[] = [];
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr) {
      stderr.push(decoder.decode(chunk));
      if (stderr.length > 50) stderr.shift();
    }
  })();

  const reader = proc.stdout.getReader();
  const display = await readDisplay(reader, proc.exited);
  if (display === undefined) {
    proc.kill("SIGKILL");
    const tail = stderr.join("").trim().split("\n").slice(-8).join("\n    ");
    throw new DockercaskError(`Xephyr did not start${tail ? `:\n    ${tail}` : ""}`, {
      code: "E_XEPHYR",
      hint: "Check that DISPLAY names your desktop and that you may open windows on it (try: xeyes).",
    });
  }
  // Keep draining stdout so the server never blocks on a full pipe.
  void (async () => {
    while (!(await reader.read().catch(() => ({ done: true }))).done);
  })();
  return {
    display,
    pid: proc.pid,
    pidStart: processStartTime(proc.pid),
    exited: proc.exited,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 2000);
      await proc.exited;
      clearTimeout(timer);
    },
  };
}

async function readDisplay(
  reader: { read(): Promise<{ done: boolean; value?: Uint8Array }> },
  exited: Promise<number>,
): Promise<number | undefined> {
  const decoder = new TextDecoder();
  let text = "";
  let timer: Timer | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), READY_TIMEOUT_MS);
  });
  try {
    while (true) {
      const next = await Promise.race([reader.read(), exited.then(() => undefined), timeout]);
      if (!next || next.done) return parseDisplayNumber(text);
      text += decoder.decode(next.value, { stream: true });
      if (text.includes("\n")) return parseDisplayNumber(text);
    }
  } finally {
    clearTimeout(timer);
  }
}
