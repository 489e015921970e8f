/**
 * Links: xdg-open inside one instance, through its own bus, lands where its links policy says
 * (another running instance, the host's opener) and nowhere for what is refused. Every refusal
 * sits next to a link that does pass the same way, so the test would fail if nothing passed.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dbusCall, floodInside, installRecorderApp, PORTAL, recorded, xdgOpenInside } from "./bridge-helpers.ts";
import { type Sandbox, sh } from "./helpers.ts";
import { containerId, createAppSandbox, type RunningSession, startRun, waitFor } from "./session.ts";

const TARGET = "linkrec#lk-tgt";
const SOURCE = "attacker#lk-src";
const HOSTED = "attacker#lk-host";
const OFF = "attacker#lk-off";
const DISPOSABLE = "attacker#lk-disp";
/** Its own source: its four links would spend SOURCE's 5 per 10 s, which the tests below count on. */
const NAMES = "attacker#lk-names";
let box: Sandbox;
let browserLog: string;
const sessions: RunningSession[] = [];

beforeAll(async () => {
  box = await createAppSandbox("links", ["attacker"]);
  installRecorderApp(box);
  const built = await box.run(["build", "linkrec"]);
  if (built.code !== 0) throw new Error(built.stderr);
  // The host's browser, as xdg-open finds it on a desktop without one of its own: $BROWSER.
  browserLog = join(box.dir, "browser.log");
  const browser = join(box.dir, "browser");
  writeFileSync(browser, `#!/bin/sh\nprintf '%s\\n' "$@" >> ${browserLog}\n`);
  chmodSync(browser, 0o755);
  // A browser installed on the machine that runs the suite would be xdg-open's scheme handler,
  // which it asks before $BROWSER: the desktop's data dirs are an empty folder here.
  const desktop = { BROWSER: browser, XDG_DATA_DIRS: join(box.dir, "no-applications") };
  mkdirSync(desktop.XDG_DATA_DIRS);
  sessions.push(await startRun(box, TARGET));
  sessions.push(await startRun(box, SOURCE, ["--links", TARGET]));
  sessions.push(await startRun(box, HOSTED, ["--links", "host"], desktop));
  sessions.push(await startRun(box, OFF, ["--links", "off"], desktop));
  sessions.push(await startRun(box, DISPOSABLE, ["--links", "disposable:linkrec"]));
  sessions.push(await startRun(box, NAMES, ["--links", TARGET]));
}, 600_000);

afterAll(async () => {
  for (const s of sessions) s.proc.kill("SIGTERM");
  await Promise.all(sessions.map((s) => s.exited));
  box?.cleanup();
}, 120_000);

const hostOpened = () => (existsSync(browserLog) ? readFileSync(browserLog, "utf8").split("\n").filter(Boolean) : []);

describe("a link opened inside an instance", () => {
  test("reaches another running instance: its container sees the URL, as one argument", async () => {
    const url = "https://example.org/a?q=1&r=$(id)#frag";
    const opened = await xdgOpenInside(SOURCE, url);
    expect(opened.code).toBe(0);
    expect(await waitFor("the target to record the URL", () => recorded(box, TARGET).includes(url) || undefined)).toBe(
      true,
    );
  }, 60_000);

  test("reaches it through $BROWSER and every browser name the base image answers to, each as xdg-open does", async () => {
    const container = await containerId(NAMES);
    for (const call of ['"$BROWSER"', "x-www-browser", "sensible-browser", "www-browser"]) {
      const url = `https://example.org/by/${call.replace(/\W/g, "")}`;
      expect((await sh(["docker", "exec", container, "sh", "-c", `${call} '${url}'`])).code).toBe(0);
      expect(
        await waitFor(
          `the target to record the URL from ${call}`,
          () => recorded(box, TARGET).includes(url) || undefined,
        ),
      ).toBe(true);
    }
  }, 60_000);

  test("opens in a new disposable instance, which sees the URL, and leaves nothing once stopped", async () => {
    const url = "https://example.org/disposable?x=1";
    const tmpInstances = async () =>
      JSON.parse((await box.run(["ps", "--json"])).stdout).filter((r: { instance: string }) =>
        r.instance.startsWith("linkrec#tmp-"),
      );
    expect(await tmpInstances()).toEqual([]);
    expect((await xdgOpenInside(DISPOSABLE, url)).code).toBe(0);
    const [started] = await waitFor(
      "a disposable linkrec to run",
      async () => {
        const found = await tmpInstances();
        return found.length && found[0].container ? found : undefined;
      },
      120_000,
    );
    expect(started.disposable).toBe(true);
    const seen = await waitFor("the disposable instance to record the URL", async () => {
      const r = await sh(["docker", "exec", started.container, "cat", "/home/app/links.txt"]);
      return r.stdout.includes(url) ? r.stdout : undefined;
    });
    expect(seen.trim().split("\n")).toEqual([url]);
    expect((await box.run(["stop", started.instance])).code).toBe(0);
    // Nothing of it is left: no container, no runtime dir, no home in the data folder.
    expect(
      (await sh(["docker", "ps", "-aq", "--filter", `label=io.dockercask.instance=${started.instance}`])).stdout.trim(),
    ).toBe("");
    expect(existsSync(join(box.env.XDG_RUNTIME_DIR!, "dockercask", started.instance))).toBe(false);
    expect(existsSync(join(box.env.XDG_DATA_HOME!, "dockercask/homes", started.instance))).toBe(false);
  }, 240_000);

  test("reaches the host's opener, which honours $BROWSER", async () => {
    const url = "https://example.org/host";
    expect((await xdgOpenInside(HOSTED, url)).code).toBe(0);
    expect(await waitFor("the host browser to be called", () => hostOpened().includes(url) || undefined)).toBe(true);
  }, 60_000);

  test("is refused for file:, javascript:, data:, control characters, an over-long URL, user@host and a right-to-left override, and nothing arrives", async () => {
    const before = recorded(box, TARGET).length;
    const refused: [string, string][] = [
      ["file:///etc/passwd", "file: scheme is not carried"],
      ["javascript:alert(1)", "javascript: scheme is not carried"],
      ["data:text/html,hi", "data: scheme is not carried"],
      ["https://example.org/x\nhttps://evil.example/", "control characters"],
      ["https://example.org/\u001b]52;c;aGk=\u0007", "control characters"],
      [`https://example.org/${"a".repeat(70_000)}`, "longer than 64 KiB"],
      [
        `https://www.mybank.com${"A".repeat(1500)}@evil.example/${"p".repeat(800)}`,
        "user name or password before its host",
      ],
      ["https://user:pass@evil.example/", "user name or password before its host"],
      ["https://evil.example/\u202Emoc.knabym.www//:sptth", "invisible Unicode format characters"],
    ];
    for (const [url, reason] of refused) {
      const opened = await xdgOpenInside(SOURCE, url);
      expect(opened.code).not.toBe(0);
      expect(opened.stderr).toContain(reason);
    }
    // The control: a good link after them arrives, and it alone (each refusal was answered first).
    const good = "https://example.org/after-refusals";
    expect((await xdgOpenInside(SOURCE, good)).code).toBe(0);
    await waitFor("the control link", () => recorded(box, TARGET).includes(good) || undefined);
    expect(recorded(box, TARGET).slice(before)).toEqual([good]);
  }, 60_000);

  test("with the policy off, nothing passes: neither the host nor any instance", async () => {
    const opened = await xdgOpenInside(OFF, "https://example.org/off");
    expect(opened.code).not.toBe(0);
    expect(opened.stderr).toContain("links policy of attacker#lk-off is off");
    // The control: the same link from the host-policy instance reaches the host browser.
    expect((await xdgOpenInside(HOSTED, "https://example.org/on")).code).toBe(0);
    await waitFor("the control link", () => hostOpened().includes("https://example.org/on") || undefined);
    expect(hostOpened()).not.toContain("https://example.org/off");
  }, 60_000);
});

describe("attacks on the link portal", () => {
  test("a flood of links is rate-limited: at most 5 in 10 s pass, the rest are refused", async () => {
    await Bun.sleep(10_500); // an empty window for the limiter, so the count below is exact
    const before = recorded(box, TARGET).length;
    const flood = await floodInside(SOURCE, 30, [...PORTAL, "OpenURI", "s:", "s:https://example.org/flood", "a{sv}:"]);
    expect(flood.codes.length).toBe(30);
    const passed = flood.codes.filter((c) => c === 0).length;
    expect(passed).toBeGreaterThan(0);
    expect(passed).toBeLessThanOrEqual(5);
    expect(flood.stderr).toContain("more than 5 links");
    await waitFor("the passed links", () => recorded(box, TARGET).length - before >= passed || undefined);
    const source = sessions.find((s) => s.instance === SOURCE)!;
    expect(source.output().match(/dropping links/g)?.length).toBe(1);
  }, 120_000);

  test("a huge message is refused by the bus, and the portal stays up", async () => {
    const huge = await dbusCall(SOURCE, [...PORTAL, "OpenURI", "s:", "raw:200000", "a{sv}:"]);
    expect(huge.code).not.toBe(0);
    await Bun.sleep(10_500);
    const url = "https://example.org/after-huge";
    expect((await xdgOpenInside(SOURCE, url)).code).toBe(0);
    await waitFor("the link after the huge one", () => recorded(box, TARGET).includes(url) || undefined);
  }, 60_000);
});
