import { findExecutable } from "./host-tools.ts";
import { runProgram } from "./process.ts";

/**
 * Brings an instance's Xephyr window to the front, found by its exact title (the instance
 * name). wmctrl asks the window manager to activate it; xdotool raises it where there is no
 * EWMH window manager. Returns false when neither tool exists or no window matched.
 */
export async function raiseWindow(title: string, env: Record<string, string | undefined>): Promise<boolean> {
  const options = { env, timeoutMs: 3000 };
  if (findExecutable("wmctrl", env.PATH)) {
    if ((await runProgram(["wmctrl", "-F", "-a", title], options)).code === 0) return true;
  }
  if (findExecutable("xdotool", env.PATH)) {
    const pattern = `^${title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`;
    return (
      (await runProgram(["xdotool", "search", "--limit", "1", "--name", pattern, "windowraise"], options)).code === 0
    );
  }
  return false;
}
