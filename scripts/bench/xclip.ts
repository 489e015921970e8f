/** The two ends of a clipboard copy, as xclip reaches them: write, read, and wait for a value to arrive. */
import { fail } from "./errors.ts";
import { exitWithin, now } from "./process.ts";

/** A copy that has not arrived by then is counted as lost. */
export const CLIP_COPY_TIMEOUT_MS = 5000;

/** One side of a clipboard copy: an X display, as xclip reaches it. */
export interface ClipEnd {
  label: string;
  env: Record<string, string>;
}

const XCLIP = ["xclip", "-selection", "clipboard"];

/** `xclip -i`: resolves when xclip owns the selection (it then forks a daemon to serve it, which outlives this call). */
export async function clipWrite(end: ClipEnd, text: string): Promise<void> {
  // stdout and stderr go nowhere: the daemon inherits them and would hold a pipe open.
  const proc = Bun.spawn([...XCLIP, "-i", "-t", "UTF8_STRING"], {
    env: end.env,
    stdin: new Blob([text]),
    stdout: "ignore",
    stderr: "ignore",
  });
  const code = await exitWithin(proc, CLIP_COPY_TIMEOUT_MS);
  if (code !== 0) fail(`xclip -i on the ${end.label} (${end.env.DISPLAY}) exited with ${code}`);
}

export async function clipRead(end: ClipEnd): Promise<string | undefined> {
  const proc = Bun.spawn([...XCLIP, "-o", "-t", "UTF8_STRING"], {
    env: end.env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "ignore",
  });
  const [text, code] = await Promise.all([new Response(proc.stdout).text(), exitWithin(proc, CLIP_COPY_TIMEOUT_MS)]);
  return code === 0 ? text : undefined;
}

/**
 * Reads `end` every --clip-poll-ms until it holds `value`: ms from `t0` to the end of the first
 * read that returns it (an upper bound), or undefined after `timeoutMs`.
 */
export async function arrival(
  end: ClipEnd,
  value: string,
  t0: number,
  timeoutMs: number,
  pollMs: number,
  readMs?: number[],
): Promise<number | undefined> {
  for (;;) {
    const started = now();
    const got = await clipRead(end);
    const done = now();
    readMs?.push(done - started);
    if (got === value) return done - t0;
    if (done - t0 > timeoutMs) return undefined;
    await Bun.sleep(pollMs);
  }
}
