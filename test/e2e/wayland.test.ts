/**
 * A Wayland session: sway's headless backend, run as an unprivileged user (sway refuses root),
 * gives X apps an XWayland display, as GNOME and KDE do. Xephyr opens its window there, and
 * the clipboard crosses between a Wayland client (wl-copy, wl-paste) and the instance, through
 * XWayland, both ways.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { startSway, stopProcess, type WaylandSession, windowByTitle } from "./desktops.ts";
import { type Sandbox, sh } from "./helpers.ts";
import { createAppSandbox, execIn, type RunningSession, startRun, waitFor, waitUntilClean } from "./session.ts";

const INSTANCE = "attacker#wayland";
let wayland: WaylandSession;
let box: Sandbox;
let session: RunningSession;
let xenv: Record<string, string>;

beforeAll(async () => {
  wayland = await startSway();
  // XWayland admits its session's own user, which is who runs dockercask on a real desktop.
  // Here the suite runs dockercask as root, so the session's user lets root in as well.
  const grant = await wayland.asUser(["xhost", "+si:localuser:root"]);
  expect(grant.code).toBe(0);
  xenv = { DISPLAY: wayland.display };
  box = await createAppSandbox("wayland");
  box.env.DISPLAY = wayland.display;
  box.env.WAYLAND_DISPLAY = wayland.waylandDisplay;
  session = await startRun(box, INSTANCE);
}, 300_000);

afterAll(async () => {
  if (session) {
    session.proc.kill("SIGTERM");
    await session.exited;
  }
  box?.cleanup();
  await wayland?.stop();
});

const instanceClipboard = async () => (await sh(["xclip", "-o", "-selection", "clipboard"], session.xenv)).stdout;
const waylandClipboard = async () => (await wayland.asUser(["wl-paste", "--no-newline"])).stdout;

describe("under sway, through XWayland", () => {
  test("the instance's window opens on XWayland", async () => {
    expect(wayland.display).toMatch(/^:\d+$/);
    const window = await windowByTitle(xenv, INSTANCE);
    await waitFor("the window to be viewable", async () =>
      (await sh(["xwininfo", "-id", window], xenv)).stdout.includes("IsViewable"),
    );
    // It runs under XWayland, not some other X server on that display.
    expect((await sh(["pgrep", "-f", `^Xwayland ${wayland.display} `])).stdout.trim()).not.toBe("");
  });

  test("a Wayland client's copy reaches the instance", async () => {
    const text = `from-wayland-${crypto.randomUUID()}`;
    expect(await instanceClipboard()).not.toBe(text);
    // --foreground: the copy is served by this process, which the test stops itself.
    const copy = wayland.spawnAsUser(["wl-copy", "--foreground", text]);
    try {
      await waitFor("the copy to reach the instance", async () => (await instanceClipboard()) === text);
    } finally {
      await stopProcess(copy);
    }
  });

  test("the app's copy reaches a Wayland client", async () => {
    const text = `from-app-${crypto.randomUUID()}`;
    expect(await waylandClipboard()).not.toBe(text);
    // Its output away: the xclip that stays behind to serve the copy would hold docker exec open.
    const copy = await execIn(INSTANCE, [
      "sh",
      "-c",
      `printf %s '${text}' | xclip -selection clipboard -i >/dev/null 2>&1`,
    ]);
    expect(copy.code).toBe(0);
    await waitFor("the copy to reach Wayland", async () => (await waylandClipboard()) === text);
  });

  test("doctor names the desktop: XWayland in a Wayland session", async () => {
    const doctor = await box.run(["doctor", "--json"]);
    const display = JSON.parse(doctor.stdout).checks.find((c: { name: string }) => c.name === "display");
    expect(display).toMatchObject({
      ok: true,
      detail: `connected to DISPLAY=${wayland.display}: XWayland, in a Wayland session (WAYLAND_DISPLAY=${wayland.waylandDisplay})`,
    });
  });

  test("stopping the instance leaves nothing, on the Wayland side either", async () => {
    const window = await windowByTitle(xenv, INSTANCE);
    session.proc.kill("SIGTERM");
    expect(await session.exited).toBe(143);
    expect(await waitUntilClean(box, INSTANCE)).toEqual([]);
    await waitFor(
      "the window to be gone from XWayland",
      async () => (await sh(["xwininfo", "-id", window], xenv)).code !== 0,
    );
  });

  test("sway and its XWayland go when the session ends", async () => {
    const display = wayland.display;
    const xwayland = async () => (await sh(["pgrep", "-f", `^Xwayland ${display} `])).stdout.trim();
    expect(await xwayland()).not.toBe("");
    await wayland.stop();
    await waitFor("XWayland to exit", async () => (await xwayland()) === "");
    expect(existsSync(`/tmp/.X11-unix/X${display.slice(1)}`)).toBe(false);
  });
});
