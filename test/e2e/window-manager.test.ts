/**
 * Under a real window manager, as users have one: openbox on a private Xvfb (never :0, which the
 * other suites need bare). The instance's window is named and classed as the user expects, a
 * second `run` raises it, the window manager's close ends everything, and resizing the window
 * resizes the app inside.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type PrivateDisplay, startPrivateDisplay, stopProcess, windowByTitle, windowSize, xprop } from "./desktops.ts";
import { createSandbox, type Sandbox, sh } from "./helpers.ts";
import { leftovers, type RunningSession, startRun, visibleWindows, waitFor, waitUntilClean } from "./session.ts";

let desktop: PrivateDisplay;
let box: Sandbox;
const sessions: RunningSession[] = [];

beforeAll(async () => {
  desktop = await startPrivateDisplay({ screen: "1280x800", windowManager: "openbox" });
  box = createSandbox("window-manager");
  box.env.DISPLAY = desktop.display;
});

afterAll(async () => {
  for (const session of sessions) {
    session.proc.kill("SIGTERM");
    await session.exited;
  }
  box?.cleanup();
  await desktop?.stop();
});

async function run(instance: string): Promise<RunningSession> {
  const session = await startRun(box, instance);
  sessions.push(session);
  return session;
}

/** xdotool prints ids in decimal, xprop in hex. */
const hex = (id: string) => `0x${Number(id).toString(16)}`;

describe("under openbox", () => {
  test("the window's title is the instance name, its class dockercask-<instance>/Xephyr", async () => {
    await run("xeyes#wm-title");
    const window = await windowByTitle(desktop.env, "xeyes#wm-title");
    expect(await xprop(desktop.env, window, "WM_NAME")).toBe('"xeyes#wm-title"');
    expect(await xprop(desktop.env, window, "WM_CLASS")).toBe('"dockercask-xeyes.wm-title", "Xephyr"');
    // What the window manager shows: it read the same title and class.
    expect(await xprop(desktop.env, window, "_NET_WM_VISIBLE_NAME")).toBe('"xeyes#wm-title"');
    expect(await xprop(desktop.env, window, "_OB_APP_NAME")).toBe('"dockercask-xeyes.wm-title"');
  });

  test("a second run of a running instance raises and activates its window", async () => {
    await run("xeyes#wm-raise");
    const window = hex(await windowByTitle(desktop.env, "xeyes#wm-raise"));
    // Another window over it, which the window manager activates.
    const other = Bun.spawn(["xmessage", "-title", "wm-raise-other", "over the instance"], {
      env: { ...process.env, ...desktop.env },
      stdout: "ignore",
      stderr: "ignore",
    });
    try {
      const otherWindow = hex(await windowByTitle(desktop.env, "wm-raise-other"));
      const top = async () => (await xprop(desktop.env, "root", "_NET_CLIENT_LIST_STACKING")).split(", ").pop();
      const active = async () => (await xprop(desktop.env, "root", "_NET_ACTIVE_WINDOW")).replace(/^window id # /, "");
      // The positive control: the instance is covered and not active.
      await waitFor(
        "the other window to be on top and active",
        async () => (await top()) === otherWindow && (await active()) === otherWindow,
      );

      const again = await box.run(["run", "xeyes#wm-raise"]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain("is already running");
      expect(again.stderr).toContain("its window was raised");
      await waitFor(
        "the instance's window to be on top and active",
        async () => (await top()) === window && (await active()) === window,
      );
    } finally {
      await stopProcess(other);
    }
  });

  test("closing the window from the window manager tears everything down", async () => {
    const session = await run("xeyes#wm-close");
    const window = await windowByTitle(desktop.env, "xeyes#wm-close");
    expect(await leftovers(box, "xeyes#wm-close")).not.toEqual([]);
    // Xephyr does not offer WM_DELETE_WINDOW, so openbox's close (title-bar button, Alt+F4,
    // or _NET_CLOSE_WINDOW as wmctrl asks) disconnects it from the display, as any window
    // manager does with such a window. The session must take that as the window closed.
    expect(await xprop(desktop.env, window, "WM_PROTOCOLS")).not.toContain("WM_DELETE_WINDOW");
    expect((await sh(["wmctrl", "-F", "-c", "xeyes#wm-close"], desktop.env)).code).toBe(0);
    expect(await session.exited).toBe(0);
    expect(session.output()).toContain("its window was closed");
    expect(await waitUntilClean(box, "xeyes#wm-close")).toEqual([]);
  });

  test("doctor names the desktop: X11", async () => {
    const doctor = await box.run(["doctor", "--json"]);
    const display = JSON.parse(doctor.stdout).checks.find((c: { name: string }) => c.name === "display");
    expect(display).toMatchObject({ ok: true, detail: `connected to DISPLAY=${desktop.display}: an X11 desktop` });
  });

  test("resizing the window resizes the app inside", async () => {
    const session = await run("xeyes#wm-resize");
    const window = await windowByTitle(desktop.env, "xeyes#wm-resize");
    const app = await waitFor("the app's window", async () => (await visibleWindows(session.xenv, "xeyes"))[0]);
    // 90% of the 1280x800 screen, the app filling it (the container's window manager).
    expect(await windowSize(desktop.env, window)).toEqual({ width: 1152, height: 720 });
    await waitFor("the app to fill the window", async () => (await windowSize(session.xenv, app)).width === 1152);

    expect((await sh(["xdotool", "windowsize", window, "800", "500"], desktop.env)).code).toBe(0);
    await waitFor("the window to be resized", async () => (await windowSize(desktop.env, window)).width === 800);
    await waitFor("the app to follow", async () => {
      const size = await windowSize(session.xenv, app);
      return size.width === 800 && size.height === 500;
    });
    // Bigger again, past the size it started at.
    expect((await sh(["xdotool", "windowsize", window, "1200", "760"], desktop.env)).code).toBe(0);
    await waitFor("the app to follow again", async () => {
      const size = await windowSize(session.xenv, app);
      return size.width === 1200 && size.height === 760;
    });
  });
});
