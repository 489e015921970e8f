/**
 * A real link click: Firefox ESR in an instance shows a local page that is one mailto link,
 * xdotool clicks it inside the instance's own Xephyr, and the instance named as its mail target
 * (a recorder) gets the URL. A browser opens http links itself; a mailto is what leaves it: Firefox
 * asks GIO for the default application, GIO finds the shim's desktop entry (the base image's
 * /usr/local/share/applications, first in the default XDG_DATA_DIRS), and the shim hands the URL to the portal on the instance's bus.
 * Firefox's profile is a new default one: no setting of it is changed. The recorder holding
 * nothing until the click is the control; without the desktop entry, Firefox shows "Choose an
 * application to open the mailto link" instead, and nothing arrives.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chownSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { containerUser } from "../../src/core/container/spec.ts";
import { installRecorderApp, recorded } from "./bridge-helpers.ts";
import { ARTIFACTS, type Sandbox, sh } from "./helpers.ts";
import { createAppSandbox, type RunningSession, startRun, waitFor } from "./session.ts";

const BROWSER = "firefox#fl-src";
const MAIL = "linkrec#fl-mail";
const MAILTO = "mailto:someone@example.org?subject=from-firefox-fl";
const PAGE_TITLE = "fl-page";
let box: Sandbox;
let firefox: RunningSession;
const sessions: RunningSession[] = [];

/** A page that is one big link, in the instance's home; Firefox's profile is its own default. */
function prepareHome(home: string): void {
  mkdirSync(home, { recursive: true });
  writeFileSync(
    join(home, "page.html"),
    `<!doctype html><title>${PAGE_TITLE}</title><body style="margin:0"><a id="l" href="${MAILTO}" style="display:block;position:fixed;inset:0;background:#3a6;color:#fff;font:48px sans-serif">mail someone</a></body>`,
  );
  // The app's user owns its home, as dockercask makes it: Firefox writes its profile here.
  const owner = containerUser({ uid: process.getuid!(), gid: process.getgid!() });
  for (const path of [home, join(home, "page.html")]) chownSync(path, owner.uid, owner.gid);
}

beforeAll(async () => {
  box = await createAppSandbox("firefox-link", ["firefox"]);
  installRecorderApp(box);
  const built = await box.run(["build", "linkrec"]);
  if (built.code !== 0) throw new Error(built.stderr);
  writeFileSync(
    join(box.env.XDG_CONFIG_HOME!, "dockercask/config.toml"),
    `[instances."${BROWSER}"]\nmail = "${MAIL}"\n`,
  );
  sessions.push(await startRun(box, MAIL));
  prepareHome(join(box.env.XDG_DATA_HOME!, "dockercask/homes", BROWSER));
  firefox = await startRun(box, BROWSER, ["--", "file:///home/app/page.html"]);
  sessions.push(firefox);
}, 600_000);

afterAll(async () => {
  for (const s of sessions) s.proc.kill("SIGTERM");
  await Promise.all(sessions.map((s) => s.exited));
  box?.cleanup();
}, 120_000);

async function screenshot(name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await sh(["import", "-window", "root", join(ARTIFACTS, `firefox-link-${name}.png`)], firefox.xenv);
}

describe("a link clicked in a real Firefox", () => {
  test("a mailto leaves Firefox through the portal and reaches the mail target's container", async () => {
    const window = await waitFor(
      "Firefox to show the page",
      async () =>
        (await sh(["xdotool", "search", "--onlyvisible", "--name", PAGE_TITLE], firefox.xenv)).stdout
          .split("\n")
          .find(Boolean),
      180_000,
    );
    expect(recorded(box, MAIL)).toEqual([]);
    const geometry = (await sh(["xdotool", "getwindowgeometry", "--shell", window], firefox.xenv)).stdout;
    const at = (key: string) => Number(new RegExp(`^${key}=(\\d+)`, "m").exec(geometry)?.[1] ?? 0);
    // The middle of the window is inside the page, which is one link.
    const [x, y] = [at("X") + at("WIDTH") / 2, at("Y") + (at("HEIGHT") * 2) / 3].map(Math.round);
    await screenshot("before");
    expect((await sh(["xdotool", "mousemove", String(x), String(y), "click", "1"], firefox.xenv)).code).toBe(0);
    try {
      expect(
        await waitFor(
          "the mail target to record the mailto",
          () => recorded(box, MAIL).includes(MAILTO) || undefined,
          30_000,
        ),
      ).toBe(true);
    } finally {
      await screenshot("after");
    }
    expect(firefox.output()).toContain(`links: a link from ${BROWSER} went to ${MAIL}`);
  }, 300_000);
});
