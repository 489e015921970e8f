/**
 * Real Firefox under `files = "ask"` (its recipe's): Open File (Ctrl+O) and Save Page As (Ctrl+S)
 * show the host's own dialog, on this suite's own desktop (a private Xvfb), never inside the
 * instance's window. The page picked on the host is what Firefox then shows (its title in the
 * window's name), and the page saved arrives where the user chose. Main engine only; the
 * protocol and its attacks are files.test.ts's.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileDialogsOn } from "./file-dialogs.ts";
import { ARTIFACTS, type Sandbox, sh } from "./helpers.ts";
import {
  createAppSandbox,
  imageStats,
  type RunningSession,
  startPrivateDesktop,
  startRun,
  waitFor,
} from "./session.ts";

const FIREFOX = "firefox#files";
const TITLE = "Picked on the host";
let box: Sandbox;
let xvfb: Awaited<ReturnType<typeof startPrivateDesktop>>;
let desktop: Record<string, string>;
let dialogs: ReturnType<typeof fileDialogsOn>;
let firefox: RunningSession;

beforeAll(async () => {
  box = await createAppSandbox("files-firefox", ["firefox"]);
  xvfb = await startPrivateDesktop();
  desktop = xvfb.env;
  dialogs = fileDialogsOn(desktop);
  mkdirSync(join(box.env.HOME!, "Downloads"), { recursive: true });
  firefox = await startRun(box, FIREFOX, ["--", "about:blank"], desktop);
}, 600_000);

afterAll(async () => {
  await box?.run(["stop", "--all"], { env: desktop });
  await firefox?.exited;
  mkdirSync(ARTIFACTS, { recursive: true });
  if (firefox) writeFileSync(join(ARTIFACTS, "files-firefox.log"), firefox.output());
  xvfb?.stop();
  box?.cleanup();
}, 120_000);

/** Firefox's main window in its Xephyr, and its name. */
const firefoxWindow = () =>
  waitFor(
    "Firefox's window",
    async () =>
      (await sh(["xdotool", "search", "--onlyvisible", "--class", "firefox"], firefox.xenv)).stdout
        .split("\n")
        .filter(Boolean)
        .pop(),
    120_000,
  );
const windowName = async (window: string, env: Record<string, string>) =>
  (await sh(["xdotool", "getwindowname", window], env)).stdout.trim();
/** A key pressed in Firefox, as the user presses it in the instance's window. */
async function press(keys: string): Promise<void> {
  const window = await firefoxWindow();
  expect(
    (await sh(["xdotool", "windowfocus", "--sync", window, "key", "--clearmodifiers", keys], firefox.xenv)).code,
  ).toBe(0);
}
/** The host's dialog of the instance on the desktop: the only place it may show (test/e2e/file-dialogs.ts). */
const hostDialog = () => dialogs.first(FIREFOX);

describe("real Firefox with the host's file dialog", () => {
  test("Open File shows the host's dialog, and Firefox shows the page picked on the host", async () => {
    const page = join(box.env.HOME!, "Documents", "page.html");
    mkdirSync(join(box.env.HOME!, "Documents"), { recursive: true });
    writeFileSync(
      page,
      `<html><head><title>${TITLE}</title></head><body style="background:#802020">hello from the host</body></html>\n`,
    );
    await firefoxWindow();
    await press("ctrl+o");
    const dialog = await hostDialog();
    expect(await dialogs.title(dialog)).toBe(`${FIREFOX} wants to open a file`);
    // Not a window of the instance's own display: the app can neither see nor draw it.
    expect(
      (await sh(["xdotool", "search", "--onlyvisible", "--name", "wants to open"], firefox.xenv)).stdout.trim(),
    ).toBe("");
    await dialogs.answer(dialog, page);
    const shown = await waitFor("Firefox to show the picked page", async () => {
      const name = await windowName(await firefoxWindow(), firefox.xenv);
      return name.startsWith(TITLE) ? name : undefined;
    });
    expect(shown).toContain(TITLE);
    // What the user sees: the page's dark red fills the instance's window. The title can change
    // a frame before the page is painted, so the screenshot is taken until it shows (or the wait ends).
    const shot = join(box.dir, "files-firefox-open.png");
    const mean = await waitFor("the picked page to be painted", async () => {
      expect((await sh(["import", "-window", "root", shot], firefox.xenv)).code).toBe(0);
      const { mean } = await imageStats(shot);
      return mean < 0.5 ? mean : undefined;
    });
    expect(mean).toBeLessThan(0.5);
  }, 240_000);

  test("Save Page As shows the host's dialog, and the page arrives where the user chose", async () => {
    await press("ctrl+s");
    const dialog = await hostDialog();
    expect(await dialogs.title(dialog)).toBe(`${FIREFOX} wants to save ${TITLE}.html`);
    await dialogs.answer(dialog);
    const saved = join(box.env.HOME!, "Documents", `${TITLE}.html`);
    // The dialog opened where the user was last (Documents, from the Open before).
    const text = await waitFor(
      "the saved page on the host",
      () => (existsSync(saved) ? readFileSync(saved, "utf8") : undefined),
      60_000,
    );
    expect(text).toContain("hello from the host");
    expect(firefox.output()).toContain(`files: ${FIREFOX} saved ${saved}`);
  }, 240_000);
});
