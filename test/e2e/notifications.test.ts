/**
 * Notifications: an app's Notify, through its own bus, reaches a real notification server
 * (dunst on a host session bus of the suite's own, on a private Xvfb), read back with
 * `dunstctl history`. The prefix, the dropped icon, the rate limit, the policy, a host without
 * a server, and calls the bridge must refuse, each next to one that passes.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { dbusCall, floodInside, NOTIFY, notifyArgs } from "./bridge-helpers.ts";
import { type Sandbox, sh } from "./helpers.ts";
import { containerId, createAppSandbox, type RunningSession, startRun, waitFor } from "./session.ts";

const SENDER = "attacker#nt-on";
const MUTED = "attacker#nt-off";
const NO_SERVER = "attacker#nt-none";
let box: Sandbox;
let bus: { address: string; pid: number };
let xvfb: ReturnType<typeof Bun.spawn>;
let dunst: ReturnType<typeof Bun.spawn>;
const sessions: RunningSession[] = [];

beforeAll(async () => {
  box = await createAppSandbox("notifications", ["attacker"]);
  writeFileSync(
    join(box.env.XDG_CONFIG_HOME!, "dockercask/config.toml"),
    `[instances."${MUTED}"]\nnotifications = false\n`,
  );
  // The desktop: a private X display, a session bus of its own, and dunst on both.
  xvfb = Bun.spawn(["Xvfb", "-displayfd", "1", "-nolisten", "tcp", "-screen", "0", "800x600x24"], {
    stdout: "pipe",
    stderr: "ignore",
  });
  const display = `:${(await new Response(xvfb.stdout as ReadableStream).text().then((t) => t)).trim()}`.replace(
    /\s.*/,
    "",
  );
  const daemon = await sh(["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"]);
  const [address, pid] = daemon.stdout.trim().split("\n");
  bus = { address: address!, pid: Number(pid) };
  dunst = Bun.spawn(["dunst"], {
    env: { ...process.env, DISPLAY: display, DBUS_SESSION_BUS_ADDRESS: bus.address },
    stdout: "ignore",
    stderr: "ignore",
  });
  await waitFor(
    "dunst to own the notification name",
    async () => (await dunstctl(["is-paused"])).code === 0 || undefined,
  );
  const host = { DBUS_SESSION_BUS_ADDRESS: bus.address };
  sessions.push(await startRun(box, SENDER, [], host));
  sessions.push(await startRun(box, MUTED, [], host));
  // A desktop with no notification server: a bus on which nothing owns the name.
  sessions.push(await startRun(box, NO_SERVER, [], { DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/bus" }));
}, 600_000);

afterAll(async () => {
  for (const s of sessions) s.proc.kill("SIGTERM");
  await Promise.all(sessions.map((s) => s.exited));
  dunst?.kill();
  xvfb?.kill();
  if (bus?.pid) process.kill(bus.pid, "SIGTERM");
  box?.cleanup();
}, 120_000);

function dunstctl(args: string[]) {
  return sh(["dunstctl", ...args], { DBUS_SESSION_BUS_ADDRESS: bus.address });
}

/** What dunst showed: summaries, bodies, app names and icons, newest first. */
async function history(): Promise<{ summary: string; body: string; appname: string; icon_path: string }[]> {
  const result = await dunstctl(["history"]);
  const data = JSON.parse(result.stdout).data[0] as Record<string, { data: string }>[];
  return data.map((n) => ({
    summary: n.summary!.data,
    body: n.body!.data,
    appname: n.appname!.data,
    icon_path: n.icon_path?.data ?? "",
  }));
}

/** Shown notifications go to history once closed; close them all so history holds everything. */
async function shown() {
  await dunstctl(["close-all"]);
  return history();
}

describe("an app's notification", () => {
  test("reaches the host's server, prefixed with the instance name, without its icon", async () => {
    const sent = await dbusCall(SENDER, notifyArgs("System update", "please log in again"));
    expect(sent.code).toBe(0);
    const note = await waitFor("dunst to show it", async () =>
      (await shown()).find((n) => n.body === "please log in again"),
    );
    expect(note.summary).toBe(`${SENDER}: System update`);
    expect(note.appname).toBe(`dockercask ${SENDER}`);
    expect(note.icon_path).not.toContain("evil");
  }, 60_000);

  test("from the base image's notify-send, as the app user, reaches it the same way", async () => {
    const sent = await sh([
      "docker",
      "exec",
      await containerId(SENDER),
      "notify-send",
      "Build done",
      "from notify-send",
    ]);
    expect(sent.stderr).toBe("");
    expect(sent.code).toBe(0);
    const note = await waitFor("dunst to show it", async () =>
      (await shown()).find((n) => n.body === "from notify-send"),
    );
    expect(note.summary).toBe(`${SENDER}: Build done`);
  }, 60_000);

  test("whose summary holds a right-to-left override and a newline shows with the prefix first, on one line", async () => {
    // Unfixed, the override would reverse what follows it and the newline start a line of its own.
    const sent = await dbusCall(SENDER, notifyArgs("\u202Eknab#xoferif\nfirefox#bank: log in\u200B again", "a spoof"));
    expect(sent.code).toBe(0);
    const note = await waitFor("dunst to show it", async () => (await shown()).find((n) => n.body === "a spoof"));
    expect(note.summary).toBe(`${SENDER}: knab#xoferif firefox#bank: log in again`);
  }, 60_000);

  // dunst renders markup (its default `markup = full`) in the summary and the body, turns an
  // <a href> into a link it opens from its context menu, and an <img> into a picture: none of
  // that may come from an app. What dunst received is what its history holds, as received.
  test("with markup, a link and an image: dunst receives escaped text, so it shows the characters and opens nothing", async () => {
    const markup = '<a href="https://evil.example/">click</a> <img src="/etc/passwd"/> <b>bold</b> &amp;';
    const sent = await dbusCall(SENDER, notifyArgs(`<i>${"urgent"}</i>`, markup));
    expect(sent.code).toBe(0);
    const note = await waitFor("dunst to show it", async () =>
      (await shown()).find((n) => n.body.includes("evil.example")),
    );
    expect(note.body).toBe(
      "&lt;a href=&quot;https://evil.example/&quot;&gt;click&lt;/a&gt; &lt;img src=&quot;/etc/passwd&quot;/&gt; &lt;b&gt;bold&lt;/b&gt; &amp;amp;",
    );
    expect(note.summary).toBe(`${SENDER}: &lt;i&gt;urgent&lt;/i&gt;`);
    expect(`${note.summary}${note.body}`).not.toMatch(/[<>]/);
  }, 60_000);

  test("with notifications = false, nothing reaches the server", async () => {
    const sent = await dbusCall(MUTED, notifyArgs("muted", "from the muted one"));
    expect(sent.code).toBe(1);
    expect(sent.stderr).toContain(`notifications are off for ${MUTED}`);
    // The control: one from the other instance arrives after it; the muted one never does.
    await Bun.sleep(10_500); // a fresh window for the rate limit, which the flood test below uses up
    expect((await dbusCall(SENDER, notifyArgs("control", "after the muted one"))).code).toBe(0);
    await waitFor("the control", async () => (await shown()).find((n) => n.body === "after the muted one"));
    expect((await history()).some((n) => n.body === "from the muted one")).toBe(false);
  }, 60_000);

  test("where the desktop has no notification server, the app gets an error and runs on", async () => {
    const sent = await dbusCall(NO_SERVER, notifyArgs("nobody", "listens"));
    expect(sent.code).toBe(1);
    expect(sent.stderr).toContain("no notification server");
    // Its endpoint is still up and answers.
    const info = await dbusCall(NO_SERVER, [...NOTIFY, "GetServerInformation"]);
    expect(info.code).toBe(0);
    expect(info.stdout.trim()).toBe("dockercask");
  }, 60_000);
});

describe("attacks on the notification endpoint", () => {
  test("a flood is rate-limited: at most 5 in 10 s are shown, with one log line", async () => {
    await Bun.sleep(10_500); // an empty window, so the count below is exact
    // Each one different: dunst stacks identical notifications into one.
    const flood = await floodInside(SENDER, 40, notifyArgs("flood", "flood @i@"));
    expect(flood.codes.length).toBe(40);
    const passed = flood.codes.filter((c) => c === 0).length;
    expect(passed).toBeGreaterThan(0);
    expect(passed).toBeLessThanOrEqual(5);
    expect(flood.stderr).toContain("more than 5 notifications");
    await waitFor(
      "the passed ones",
      async () => (await shown()).filter((n) => n.body.startsWith("flood ")).length >= passed || undefined,
    );
    expect((await history()).filter((n) => n.body.startsWith("flood ")).length).toBe(passed);
    const sender = sessions.find((s) => s.instance === SENDER)!;
    expect(sender.output().match(/dropping those of/g)?.length).toBe(1);
  }, 120_000);

  test.each([
    [
      "the bus's monitoring interface",
      [
        "org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus.Monitoring",
        "BecomeMonitor",
        "as:",
        "u:0",
      ],
    ],
    [
      "another portal interface",
      [
        "org.freedesktop.portal.Desktop",
        "/org/freedesktop/portal/desktop",
        "org.freedesktop.portal.FileChooser",
        "OpenFile",
        "s:",
        "s:x",
        "a{sv}:",
      ],
    ],
    ["another method of Notifications", [...NOTIFY, "Frobnicate"]],
    [
      "the right method on another path",
      ["org.freedesktop.Notifications", "/", "org.freedesktop.Notifications", "GetServerInformation"],
    ],
    // Nothing owns these on the instance's bus, and it activates nothing (no service dirs, no starts).
    [
      "a host service (the keyring)",
      [
        "org.freedesktop.secrets",
        "/org/freedesktop/secrets",
        "org.freedesktop.Secret.Service",
        "OpenSession",
        "s:plain",
        "s:",
      ],
    ],
    [
      "a host service (systemd)",
      ["org.freedesktop.systemd1", "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "ListUnits"],
    ],
    ["Notify with a wrong signature", [...NOTIFY, "Notify", "s:only one argument"]],
  ])(
    "a call to %s is refused",
    async (_, args) => {
      const refused = await dbusCall(SENDER, args);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/AccessDenied|UnknownMethod|ServiceUnknown|InvalidArgs|LimitsExceeded/);
      // The control: the same connection path still answers what it serves.
      const info = await dbusCall(SENDER, [...NOTIFY, "GetServerInformation"]);
      expect(info.stdout.trim()).toBe("dockercask");
    },
    60_000,
  );

  test("a huge message is dropped by the bus, and the endpoint stays up", async () => {
    const huge = await dbusCall(SENDER, [
      ...NOTIFY,
      "Notify",
      "s:app",
      "u:0",
      "s:",
      "s:huge",
      "raw:300000",
      "as:",
      "a{sv}:",
      "i:-1",
    ]);
    expect(huge.code).not.toBe(0);
    const info = await dbusCall(SENDER, [...NOTIFY, "GetServerInformation"]);
    expect(info.stdout.trim()).toBe("dockercask");
  }, 60_000);
});
