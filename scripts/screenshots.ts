/**
 * Regenerates the apps page's screenshots (docs/apps.md), docs/screenshots/<app>.png, from real runs: each app
 * is built when missing, run with `dockercask run <app>#screenshot` in its own Xephyr window on
 * the desktop ($DISPLAY, Xvfb on the test bed), and photographed on the desktop once its
 * window has stopped changing. Nothing is drawn by hand.
 *
 *   npm run build && npx bun scripts/screenshots.ts [app...]     (default: every app Debian can build)
 *
 * Needs what the e2e tests need (scripts/testbed.sh): Docker, DISPLAY, Xephyr, xdotool, ImageMagick.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createSandbox, ROOT, type Sandbox, sh } from "../test/e2e/helpers.ts";
import {
  HOST_DISPLAY,
  type RunningSession,
  startRun,
  visibleWindows,
  waitFor,
  waitUntilClean,
  windowGeometry,
  xephyrWindow,
} from "../test/e2e/session.ts";

/** Every app Debian can build, with the WM_CLASS of its main window (xdotool matches it as a regex). */
export const MAIN_WINDOWS: Record<string, string> = {
  xeyes: "^XEyes$",
  xterm: "^XTerm$",
  keylogger: "^Keylogger$",
  keepassxc: "^KeePassXC$",
  vlc: "^vlc$",
  gimp: "^Gimp",
  libreoffice: "^libreoffice-startcenter$",
  thunderbird: "^thunderbird",
  firefox: "^firefox-esr$",
  chromium: "^Chromium$",
  evince: "^(evince|Evince)$",
};
/** Built only with the internet at hand: their vendors' servers. */
export const VENDOR_APPS = ["chrome", "slack", "spotify"];
const SHOT_SIZE = { width: 1024, height: 640 };

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The host-side Xephyr window of an instance. */
export async function hostRect(instance: string): Promise<Rect> {
  return windowGeometry({ DISPLAY: HOST_DISPLAY }, await xephyrWindow(instance));
}

/**
 * Photographs `rect` of the desktop into `file` once what it shows has stopped changing (a
 * splash gone, a fade-in over, the last paint done) and is not blank. A blinking caret is
 * a change too small to wait for.
 */
export async function captureSettled(rect: Rect, file: string, timeoutMs = 90_000): Promise<{ stddev: number }> {
  const crop = `${rect.width}x${rect.height}+${rect.x}+${rect.y}`;
  const previous = `${file}.previous.png`;
  const shoot = (to: string) =>
    sh(["import", "-window", "root", "-display", HOST_DISPLAY, "-crop", crop, "+repage", to]);
  // /usr/bin: the real ImageMagick (a stand-in may shadow it earlier on PATH).
  const stddev = async (f: string) =>
    Number(
      (await sh(["/usr/bin/convert", f, "-colorspace", "Gray", "-format", "%[fx:standard_deviation]", "info:"])).stdout,
    );
  const changedPixels = async () =>
    Number(
      (await sh(["/usr/bin/compare", "-metric", "AE", "-fuzz", "3%", previous, file, "null:"])).stderr
        .trim()
        .split(/\s/)[0],
    );
  await shoot(previous);
  try {
    return await waitFor(
      `${file} to settle`,
      async () => {
        await Bun.sleep(750);
        await shoot(file);
        const changed = await changedPixels();
        await sh(["cp", file, previous]);
        const deviation = await stddev(file);
        // A blank window is one flat color (deviation 0); settled is fewer than 0.1% of pixels changed.
        return deviation > 0.01 && changed < rect.width * rect.height * 0.001 ? { stddev: deviation } : undefined;
      },
      timeoutMs,
    );
  } finally {
    await sh(["rm", "-f", previous]);
  }
}

/** Waits for the app's main window inside its Xephyr. */
export async function waitForMainWindow(session: RunningSession, app: string): Promise<void> {
  await waitFor(
    `the ${app} window inside Xephyr`,
    async () => ((await visibleWindows(session.xenv, MAIN_WINDOWS[app]!)).length ? true : undefined),
    120_000,
  );
}

/** The keylogger at work: Keylog clicked, then keys typed inside its window and outside it. */
async function demonstrateKeylogger(rect: Rect): Promise<void> {
  const xdotool = (...args: string[]) => sh(["xdotool", ...args], { DISPLAY: HOST_DISPLAY });
  await xdotool("mousemove", String(rect.x + rect.width / 2), String(rect.y + 30), "click", "1");
  await Bun.sleep(500);
  await xdotool("mousemove", String(rect.x + rect.width / 2), String(rect.y + rect.height / 2));
  await xdotool("type", "--delay", "30", "typed in this window");
  // Typed over the desktop outside the window: the keylogger never sees it.
  await xdotool(
    "mousemove",
    String(Math.min(rect.x + rect.width + 100, 1270)),
    String(Math.min(rect.y + rect.height + 100, 790)),
  );
  await xdotool("type", "--delay", "30", "secret typed elsewhere");
  await xdotool("mousemove", String(rect.x + rect.width / 2), String(rect.y + rect.height / 2));
}

/** Chromium showing its own sandbox report (it does not take chrome:// URLs as arguments). */
async function openSandboxReport(session: RunningSession): Promise<void> {
  const inside = (...args: string[]) => sh(["xdotool", ...args], session.xenv);
  const showsReport = async () => {
    const [id] = await visibleWindows(session.xenv, MAIN_WINDOWS.chromium!);
    return (
      id !== undefined && (await sh(["xdotool", "getwindowname", id], session.xenv)).stdout.startsWith("Sandbox Status")
    );
  };
  // Typed again until the page shows: keys sent while the window is still starting are lost.
  await waitFor(
    "chrome://sandbox",
    async () => {
      await inside("key", "ctrl+l");
      await inside("type", "--delay", "20", "chrome://sandbox");
      await inside("key", "Return");
      return waitFor("the report", async () => (await showsReport()) || undefined, 10_000).catch(() => undefined);
    },
    90_000,
  );
}

/** xterm showing what the box is: an unprivileged user, no capabilities, a read-only system. */
async function showTheBox(session: RunningSession): Promise<void> {
  await sh(["xdotool", "type", "--delay", "20", "id; grep CapEff /proc/self/status; touch /usr/bin/x\n"], session.xenv);
}

async function screenshot(box: Sandbox, app: string, outDir: string): Promise<string> {
  const instance = `${app}#screenshot`;
  const session = await startRun(box, instance, ["--size", `${SHOT_SIZE.width}x${SHOT_SIZE.height}`]);
  try {
    await waitForMainWindow(session, app);
    const rect = await hostRect(instance);
    if (app === "keylogger") await demonstrateKeylogger(rect);
    if (app === "chromium") await openSandboxReport(session);
    if (app === "xterm") await showTheBox(session);
    const file = join(outDir, `${app}.png`);
    await captureSettled(rect, file);
    return file;
  } finally {
    session.proc.kill("SIGTERM");
    await session.exited;
    const left = await waitUntilClean(box, instance);
    if (left.length) console.error(`${instance} left behind: ${left.join(", ")}`);
  }
}

if (import.meta.main) {
  const apps = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(MAIN_WINDOWS);
  const unknown = apps.filter((a) => !MAIN_WINDOWS[a]);
  if (unknown.length) {
    console.error(
      `no screenshot recipe for ${unknown.join(", ")} (vendor apps need the internet to build: ${VENDOR_APPS.join(", ")})`,
    );
    process.exit(2);
  }
  if (!process.env.DISPLAY) {
    console.error("DISPLAY is not set: run under the test bed's Xvfb (export $(bash scripts/testbed.sh))");
    process.exit(1);
  }
  const outDir = join(ROOT, "docs/screenshots");
  mkdirSync(outDir, { recursive: true });
  const box = createSandbox("screenshots");
  try {
    const build = await box.run(["build", ...apps]);
    if (build.code !== 0) throw new Error(`building ${apps.join(", ")} failed:\n${build.stderr}`);
    for (const app of apps) console.error(`wrote ${await screenshot(box, app, outDir)}`);
  } finally {
    await box.run(["stop", "--all"]);
    box.cleanup();
  }
}
