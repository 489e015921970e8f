/**
 * HiDPI with two monitors: an instance's window is sized to, and its DPI taken from, the
 * monitor that holds the pointer, not the screen that spans both. A private Xvfb of 2880x1024
 * carries two RandR 1.5 monitors of different sizes and densities (xrandr --setmonitor), as a
 * laptop panel beside an external screen would.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { displayDpi, type PrivateDisplay, startPrivateDisplay, windowByTitle, windowSize } from "./desktops.ts";
import { createSandbox, type Sandbox, sh } from "./helpers.ts";
import { startRun, waitFor, waitUntilClean } from "./session.ts";

let desktop: PrivateDisplay;
let box: Sandbox;

// left: 1280x1024 on 339x271 mm, 96 dpi; right: 1600x900 on 212x119 mm, 192 dpi.
const MONITORS = [
  ["left", "1280/339x1024/271+0+0", "screen"],
  ["right", "1600/212x900/119+1280+0", "none"],
] as const;

beforeAll(async () => {
  desktop = await startPrivateDisplay({ screen: "2880x1024" });
  // The left one takes the screen's only output, so RandR lists exactly these two.
  for (const [name, geometry, output] of MONITORS)
    expect((await sh(["xrandr", "--setmonitor", name, geometry, output], desktop.env)).code).toBe(0);
  const listed = (await sh(["xrandr", "--listmonitors"], desktop.env)).stdout;
  expect(listed).toStartWith("Monitors: 2\n");
  box = createSandbox("hidpi");
  box.env.DISPLAY = desktop.display;
});

afterAll(async () => {
  box?.cleanup();
  await desktop?.stop();
});

describe("two monitors", () => {
  test.each([
    // 90% of the monitor, rounded down to a multiple of 8; its own DPI.
    ["the left one, 96 dpi", "xeyes#hidpi-left", { x: 600, y: 500 }, { width: 1152, height: 920 }, 96],
    ["the right one, 192 dpi", "xeyes#hidpi-right", { x: 2000, y: 400 }, { width: 1440, height: 808 }, 192],
  ])("the pointer on %s: the window fits it, at its DPI", async (_, instance, pointer, size, dpi) => {
    expect((await sh(["xdotool", "mousemove", String(pointer.x), String(pointer.y)], desktop.env)).code).toBe(0);
    const session = await startRun(box, instance);
    try {
      const window = await windowByTitle(desktop.env, instance);
      // Not the whole screen's 2592x920, nor the other monitor's size.
      expect(await windowSize(desktop.env, window)).toEqual(size);
      const argv = (await sh(["pgrep", "-a", "-f", `Xephyr .*-title ${instance} `])).stdout;
      expect(argv).toContain(` -dpi ${dpi} `);
      // What apps read back: Xephyr keeps the size in whole millimetres, so a DPI may come back one off.
      const seen = await waitFor(
        "the instance's display to answer",
        async () => (await displayDpi(session.xenv)) || undefined,
      );
      for (const axis of seen.split("x").map(Number)) expect(Math.abs(axis - dpi)).toBeLessThanOrEqual(1);
    } finally {
      session.proc.kill("SIGTERM");
      await session.exited;
    }
    expect(await waitUntilClean(box, instance)).toEqual([]);
  });

  test("a server without RandR: the whole screen, as before", async () => {
    const plain = await startPrivateDisplay({ screen: "1000x700", xvfbArgs: ["-extension", "RANDR"] });
    expect((await sh(["xdpyinfo", "-queryExtensions"], plain.env)).stdout).not.toContain("RANDR");
    const own = createSandbox("hidpi-plain");
    own.env.DISPLAY = plain.display;
    try {
      const session = await startRun(own, "xeyes#hidpi-plain");
      const window = await windowByTitle(plain.env, "xeyes#hidpi-plain");
      expect(await windowSize(plain.env, window)).toEqual({ width: 896, height: 624 });
      session.proc.kill("SIGTERM");
      await session.exited;
      expect(await waitUntilClean(own, "xeyes#hidpi-plain")).toEqual([]);
    } finally {
      own.cleanup();
      await plain.stop();
    }
  });
});
