import { join } from "node:path";
import { type ClipDirection, clipAllowed, DEFAULT_MAX_CLIPBOARD_BYTES } from "../core/clipboard/clipboard.ts";
import { type ClipboardContent, describeContent, sameContent } from "../core/clipboard/content.ts";
import { ClipError, messageOf, NotRunningError, UsageError } from "../core/errors.ts";
import { parseInstanceName } from "../core/instance/name.ts";
import { formatBytes } from "../core/text/size.ts";
import type { ClipboardSide } from "../ports/clipboard-side.ts";
import type { RuntimeDirs } from "../ports/runtime-dirs.ts";

/**
 * `clip push` and `clip pull`: the clipboard moved once, by command, between the desktop and a
 * running instance's display. This is what the `explicit` policy is for (nothing flows by itself
 * there); under other policies it moves only the way the policy lets the clipboard flow anyway.
 */
export interface ClipDeps {
  runtime: Pick<RuntimeDirs, "root" | "readOwnState">;
  isAlive: (pid: number, start: string | undefined) => boolean;
  /** The desktop's clipboard and the one of the instance's display (its runtime dir holds the cookie). */
  sides: (instance: { display: number; runtimeDir: string }) => { host: ClipboardSide; app: ClipboardSide };
  /** Waits `ms`, or less when `signal` aborts first (then no timer is left behind). */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface ClipResult {
  instance: string;
  /** What was moved, by kind and size: "image/png (2048 bytes)". */
  moved: string;
  /** With --clear-after: resolves once the time is up, true when it cleared, false when the side held something else by then. */
  cleared?: Promise<boolean>;
  /** With --clear-after: stops the wait and clears at once if the side still holds ours (a signal came); resolves as `cleared` does. */
  clearNow?: () => Promise<boolean>;
}

/** The longest --clear-after: a day. Longer is a typo, not a plan. */
export const MAX_CLEAR_AFTER_SECONDS = 24 * 60 * 60;

/** --clear-after N: whole seconds, 1 to a day. */
export function parseClearAfter(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = raw.trim();
  const seconds = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_CLEAR_AFTER_SECONDS) {
    throw new UsageError(
      `--clear-after takes whole seconds from 1 to ${MAX_CLEAR_AFTER_SECONDS}, not ${JSON.stringify(raw)}`,
      "For example: dockercask clip push firefox#work --clear-after 30",
    );
  }
  return seconds;
}

export async function clip(
  direction: ClipDirection,
  input: string,
  deps: ClipDeps,
  options: { clearAfterSeconds?: number } = {},
): Promise<ClipResult> {
  const name = parseInstanceName(input);
  const state = deps.runtime.readOwnState(name.full);
  if (!state || !deps.isAlive(state.pid, state.pidStart))
    throw new NotRunningError(name.full, `Start it with "dockercask run ${name.full}", then ${direction} again.`);
  if (state.display === undefined || !state.container)
    throw new ClipError(
      `${name.full} is still starting: its window is not up yet`,
      `Try "dockercask clip ${direction} ${name.full}" again in a moment.`,
    );
  const policy = state.clipboard;
  if (policy === undefined)
    throw new ClipError(
      `${name.full} was started by an older dockercask, which does not record its clipboard policy`,
      `Stop it and run it again: dockercask stop ${name.full}`,
    );
  if (!clipAllowed(policy, direction)) throw refusal(name.full, policy, direction);

  const sides = deps.sides({ display: state.display, runtimeDir: join(deps.runtime.root, name.full) });
  const [source, target] = direction === "push" ? [sides.host, sides.app] : [sides.app, sides.host];
  const maxBytes = state.clipboardMaxBytes ?? DEFAULT_MAX_CLIPBOARD_BYTES;
  const from = direction === "push" ? "the desktop's clipboard" : `the clipboard of ${name.full}`;
  const content = await source.read("CLIPBOARD", maxBytes);
  if (!content)
    throw new ClipError(
      `${from} is empty, or holds nothing dockercask carries (text or an image)`,
      "Copy something there first.",
    );
  if ("malformed" in content)
    throw new ClipError(
      `${from} holds ${content.malformed} data that is not an image of that type: nothing is moved`,
      "Copy the image again from an app that makes real image files.",
    );
  if ("tooLarge" in content)
    throw new ClipError(
      `${from} holds more than ${formatBytes(maxBytes)}, the clipboard limit of ${name.full}`,
      `clipboard-max for [instances."${name.full}"] in config.toml raises it (at most 64m).`,
    );
  const to = direction === "push" ? `the clipboard of ${name.full}` : "the desktop's clipboard";
  await target.write("CLIPBOARD", content).catch((error: unknown) => {
    throw new ClipError(
      `could not put it on ${to}: ${messageOf(error)}`,
      "Is the display still there? dockercask ps shows the instance.",
    );
  });
  const result: ClipResult = { instance: name.full, moved: describeContent(content) };
  if (options.clearAfterSeconds !== undefined) {
    const wait = new AbortController();
    result.cleared = deps.sleep(options.clearAfterSeconds * 1000, wait.signal).then(() => clearIfOurs(target, content));
    result.clearNow = () => {
      wait.abort();
      return result.cleared!;
    };
  }
  return result;
}

/** Clears what we put there; what the user copied there since is theirs, and stays. */
async function clearIfOurs(side: ClipboardSide, content: ClipboardContent): Promise<boolean> {
  // One byte more than ours: enough to tell ours from anything else, without reading a large value whole.
  const now = await side.read("CLIPBOARD", content.data.length + 1).catch(() => undefined);
  if (!now || !("data" in now) || !sameContent(now, content)) return false;
  await side.clear("CLIPBOARD").catch((error: unknown) => {
    throw new ClipError(
      `could not clear the clipboard: ${messageOf(error)}`,
      "What was moved may still be there: copy something else over it.",
    );
  });
  return true;
}

function refusal(instance: string, policy: string, direction: ClipDirection): ClipError {
  const how = `Run it with "--clipboard explicit" (or set clipboard = "explicit" for it in config.toml) to move the clipboard only by command.`;
  const what = direction === "push" ? "nothing is pushed into it" : "nothing is pulled out of it";
  if (policy === "off") return new ClipError(`the clipboard of ${instance} is off: ${what}`, how);
  return new ClipError(`the clipboard policy of ${instance} is "${policy}": ${what}`, how);
}
