/**
 * The `ask` route: a link from an instance whose policy is ask shows a real zenity on the
 * desktop (a private Xvfb of this suite, so no other suite's window covers it). The dialog is
 * read the way a user reads it, from a screenshot (tesseract), and answered with the mouse
 * (xdotool): a chosen target gets the link, a cancel sends it nowhere, and a desktop with no
 * dialog tool refuses, saying so once. Each refusal sits next to the choice that passes.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { LINK_RATE } from "../../src/core/desktop-bus/rate-limit.ts";
import { installRecorderApp, pathWithout, recorded, xdgOpenInside } from "./bridge-helpers.ts";
import { ARTIFACTS, type Sandbox, sh } from "./helpers.ts";
import {
  containerId,
  createAppSandbox,
  type RunningSession,
  startPrivateDesktop,
  startRun,
  waitFor,
  waitUntilClean,
} from "./session.ts";

const TARGET = "linkrec#ak-tgt";
const ASKING = "attacker#ak-src";
const NO_DIALOG = "attacker#ak-nodlg";
/** An app that turns hostile under ask: floods links, and is stopped with its dialog open. */
const FLOODER = "attacker#ak-flood";
let box: Sandbox;
let xvfb: Awaited<ReturnType<typeof startPrivateDesktop>>;
let desktop: Record<string, string>;
const sessions: RunningSession[] = [];

beforeAll(async () => {
  for (const tool of ["zenity", "tesseract", "import"])
    if ((await sh(["which", tool])).code !== 0) throw new Error(`${tool} is missing: run scripts/testbed.sh`);
  box = await createAppSandbox("ask", ["attacker"]);
  installRecorderApp(box);
  const built = await box.run(["build", "linkrec"]);
  if (built.code !== 0) throw new Error(built.stderr);
  // The desktop of this suite: the instances' windows and the dialog, and nothing of anyone else's.
  xvfb = await startPrivateDesktop();
  desktop = xvfb.env;
  sessions.push(await startRun(box, TARGET, [], desktop));
  sessions.push(await startRun(box, ASKING, ["--links", "ask"], desktop));
  // A desktop with neither zenity nor kdialog: the same programs on PATH, those two left out.
  const path = pathWithout(join(box.dir, "path-without-dialogs"), ["zenity", "kdialog"]);
  sessions.push(await startRun(box, NO_DIALOG, ["--links", "ask"], { ...desktop, PATH: path }));
  sessions.push(await startRun(box, FLOODER, ["--links", "ask"], desktop));
}, 600_000);

afterAll(async () => {
  for (const s of sessions) s.proc.kill("SIGTERM");
  await Promise.all(sessions.map((s) => s.exited));
  xvfb?.stop();
  box?.cleanup();
}, 120_000);

interface Word {
  text: string;
  x: number;
  y: number;
}

/** The ask dialog of `instance`, once zenity mapped it. */
const dialogOf = (instance: string) =>
  waitFor(`the ask dialog of ${instance}`, async () =>
    (
      await sh(["xdotool", "search", "--onlyvisible", "--name", `^dockercask: a link from ${instance}$`], desktop)
    ).stdout
      .split("\n")
      .find(Boolean),
  );
const dialog = () => dialogOf(ASKING);

/** What the dialog shows, read from a screenshot: its text and where each word sits (desktop pixels). */
async function readDialog(window: string, name: string): Promise<{ text: string; words: Word[] }> {
  const shot = join(ARTIFACTS, `ask-${name}.png`);
  await sh(["mkdir", "-p", ARTIFACTS]);
  expect((await sh(["import", "-window", window, shot], desktop)).code).toBe(0);
  // Three times the size: tesseract reads a desktop's 11 px text reliably only scaled up.
  const big = `${shot}.x3.png`;
  expect((await sh(["/usr/bin/convert", shot, "-resize", "300%", "-colorspace", "Gray", big])).code).toBe(0);
  const tsv = (await sh(["tesseract", big, "-", "tsv"])).stdout;
  const geometry = (await sh(["xdotool", "getwindowgeometry", "--shell", window], desktop)).stdout;
  const at = (key: string) => Number(new RegExp(`^${key}=(\\d+)`, "m").exec(geometry)?.[1] ?? 0);
  const words = tsv
    .split("\n")
    .slice(1)
    .map((line) => line.split("\t"))
    .filter((f) => f.length === 12 && f[11]!.trim())
    .map((f) => ({
      text: f[11]!.trim(),
      x: at("X") + (Number(f[6]) + Number(f[8]) / 2) / 3,
      y: at("Y") + (Number(f[7]) + Number(f[9]) / 2) / 3,
    }));
  return { text: words.map((w) => w.text).join(" "), words };
}

async function click(words: Word[], text: string): Promise<void> {
  const word = words.find((w) => w.text === text);
  if (!word) throw new Error(`the dialog shows no "${text}": ${words.map((w) => w.text).join(" ")}`);
  expect(
    (await sh(["xdotool", "mousemove", String(Math.round(word.x)), String(Math.round(word.y)), "click", "1"], desktop))
      .code,
  ).toBe(0);
}

/** The URL as the dialog shows it, broken over lines: its text without white space. */
const squeezed = (text: string) => text.replace(/\s+/g, "");

describe("a link under ask", () => {
  // Long enough that on one line it would run off a 1280 px screen: the dialog must still show it all.
  const url = `https://example.org/ask/${"a-segment-of-a-long-link/".repeat(9)}end?q=1&r=2#frag`;

  test("shows a dialog with the whole URL and the instance; the target chosen gets the link", async () => {
    const opening = xdgOpenInside(ASKING, url);
    const window = await dialog();
    const shown = await readDialog(window, "choose");
    expect(squeezed(shown.text)).toContain(url);
    expect(shown.text).toContain(`${ASKING} wants to open this link`);
    // Where it goes, on its own line before the URL.
    expect(shown.text).toContain("Host: example.org https://example.org/ask/");
    expect(recorded(box, TARGET)).not.toContain(url);
    await click(shown.words, TARGET);
    await click(shown.words, "OK");
    const opened = await opening;
    expect(opened.stderr).toBe("");
    expect(opened.code).toBe(0);
    expect(await waitFor("the target to record the URL", () => recorded(box, TARGET).includes(url) || undefined)).toBe(
      true,
    );
  }, 120_000);

  test("cancelled, it opens nothing", async () => {
    const declined = `${url}-declined`;
    const before = recorded(box, TARGET).length;
    const opening = xdgOpenInside(ASKING, declined);
    const shown = await readDialog(await dialog(), "cancel");
    expect(squeezed(shown.text)).toContain(declined);
    await click(shown.words, "Cancel");
    const opened = await opening;
    expect(opened.code).not.toBe(0);
    expect(opened.stderr).toContain("the user declined it");
    // The control: the same dialog answered with a target delivers, and only that link arrives.
    const chosen = `${url}-after-cancel`;
    const next = xdgOpenInside(ASKING, chosen);
    const again = await readDialog(await dialog(), "after-cancel");
    await click(again.words, TARGET);
    await click(again.words, "OK");
    expect((await next).code).toBe(0);
    await waitFor("the control link", () => recorded(box, TARGET).includes(chosen) || undefined);
    expect(recorded(box, TARGET).slice(before)).toEqual([chosen]);
  }, 120_000);

  test("where the desktop has no dialog tool, it is refused, and said once", async () => {
    const first = await xdgOpenInside(NO_DIALOG, "https://example.org/no-dialog/1");
    const second = await xdgOpenInside(NO_DIALOG, "https://example.org/no-dialog/2");
    for (const opened of [first, second]) {
      expect(opened.code).not.toBe(0);
      expect(opened.stderr).toContain("neither zenity nor kdialog is installed");
    }
    const session = sessions.find((s) => s.instance === NO_DIALOG)!;
    expect(session.output().match(/neither zenity nor kdialog/g)?.length).toBe(1);
    expect(recorded(box, TARGET).some((u) => u.includes("no-dialog"))).toBe(false);
  }, 60_000);
});

describe("a hostile app under ask", () => {
  const titleOf = (instance: string) => `dockercask: a link from ${instance}`;
  const dialogsOf = async (instance: string) =>
    (await sh(["xdotool", "search", "--onlyvisible", "--name", `^${titleOf(instance)}$`], desktop)).stdout
      .split("\n")
      .filter(Boolean);
  const dialogProcessesOf = async (instance: string) =>
    (await sh(["pgrep", "-f", `zenity .*${titleOf(instance)}`])).stdout.split("\n").filter(Boolean);

  /** `count` links opened at once from inside, each xdg-open in the background; their exit codes land in /tmp/codes. */
  async function burst(instance: string, count: number, tag: string) {
    const script = `rm -f /tmp/codes; i=0; while [ $i -lt ${count} ]; do (xdg-open "https://example.org/${tag}/$i" 2>>/tmp/burst.err; echo $? >> /tmp/codes) & i=$((i+1)); done`;
    expect((await sh(["docker", "exec", await containerId(instance), "sh", "-c", script])).code).toBe(0);
  }
  const exitCodes = async (instance: string) =>
    (await sh(["docker", "exec", await containerId(instance), "cat", "/tmp/codes"])).stdout.split("\n").filter(Boolean);

  test("a burst of links shows one dialog, not one per link; the rest are refused and said once; the open one still answers", async () => {
    const session = sessions.find((s) => s.instance === FLOODER)!;
    await burst(FLOODER, 12, "flood");
    // Every link but the one being asked about is answered at once: refused.
    await waitFor("the refused links to return", async () => (await exitCodes(FLOODER)).length >= 11 || undefined);
    const window = await dialogOf(FLOODER).catch(async (error) => {
      const inside = await sh([
        "docker",
        "exec",
        await containerId(FLOODER),
        "sh",
        "-c",
        "cat /tmp/codes /tmp/burst.err",
      ]);
      throw new Error(
        `${error}\nexit codes and errors inside:\n${inside.stdout}${inside.stderr}\nthe session said:\n${session.output()}`,
      );
    });
    expect(await dialogsOf(FLOODER)).toEqual([window]);
    expect((await exitCodes(FLOODER)).filter((c) => c !== "0")).toHaveLength(11);
    expect(session.output().match(/already open/g)?.length).toBe(1);
    // The control: the one dialog on the desktop is live, and its answer is honoured.
    const shown = await readDialog(window, "flood");
    await click(shown.words, "Cancel");
    await waitFor("the asked link to return", async () => (await exitCodes(FLOODER)).length === 12 || undefined);
    expect(await dialogsOf(FLOODER)).toEqual([]);
    // A later link asks again: the bound is one open dialog, not one dialog ever. (After the
    // rate limit's window: the burst spent it.)
    await Bun.sleep(LINK_RATE.windowMs);
    await burst(FLOODER, 1, "after");
    const again = await dialogOf(FLOODER);
    await click((await readDialog(again, "flood-after")).words, "Cancel");
    await waitFor("the dialog to close", async () => (await dialogsOf(FLOODER)).length === 0 || undefined);
  }, 180_000);

  test("stopped with its dialog open: stop succeeds, and no dialog, process, window or socket of it is left", async () => {
    const session = sessions.find((s) => s.instance === FLOODER)!;
    await burst(FLOODER, 3, "at-stop");
    await dialogOf(FLOODER);
    expect(await dialogProcessesOf(FLOODER)).toHaveLength(1);
    const stopped = await box.run(["stop", FLOODER]);
    expect(stopped.stderr).not.toContain("did not stop");
    expect(stopped.code).toBe(0);
    await session.exited;
    expect(await dialogsOf(FLOODER)).toEqual([]);
    expect(await dialogProcessesOf(FLOODER)).toEqual([]);
    expect(await waitUntilClean(box, FLOODER)).toEqual([]);
    // The control: the other instances under ask run on, their dialogs untouched.
    expect(sessions.find((s) => s.instance === ASKING)!.proc.exitCode).toBeNull();
  }, 120_000);
});
