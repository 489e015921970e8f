/**
 * Notifications: an app's Notify, through its own bus, reaches a real notification server
 * (dunst on a host session bus of the suite's own, on a private Xvfb), read back with
 * `dunstctl history` (what dunst received, and the markup it hands Pango to show) and, for
 * what a call carried beyond that, with dbus-monitor on that bus. The prefix, the dropped icon
 * and hints, markup shown as text, the rate limit, the policy, a host without a server, a
 * server that renders no markup, and calls the bridge must refuse, each next to one that passes.
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
const TO_PLAIN = "attacker#nt-plain";
let box: Sandbox;
let bus: { address: string; pid: number };
/** A second desktop: dunst with `markup = no`, a server that lists no body-markup. */
let plainBus: { address: string; pid: number };
let xvfb: ReturnType<typeof Bun.spawn>;
let dunst: ReturnType<typeof Bun.spawn>;
let plainDunst: ReturnType<typeof Bun.spawn>;
let monitor: ReturnType<typeof Bun.spawn>;
/** What dbus-monitor printed of the Notify calls on the first desktop's bus. */
let monitored = "";
const sessions: RunningSession[] = [];

async function startBus(): Promise<{ address: string; pid: number }> {
  const daemon = await sh(["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"]);
  const [address, pid] = daemon.stdout.trim().split("\n");
  return { address: address!, pid: Number(pid) };
}

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
  bus = await startBus();
  plainBus = await startBus();
  const plainConfig = join(box.env.XDG_CONFIG_HOME!, "dunstrc-plain");
  writeFileSync(plainConfig, "[global]\n    markup = no\n");
  const startDunst = (address: string, args: string[] = []) =>
    Bun.spawn(["dunst", ...args], {
      env: { ...process.env, DISPLAY: display, DBUS_SESSION_BUS_ADDRESS: address },
      stdout: "ignore",
      stderr: "ignore",
    });
  dunst = startDunst(bus.address);
  plainDunst = startDunst(plainBus.address, ["-config", plainConfig]);
  for (const address of [bus.address, plainBus.address]) {
    await waitFor(
      "dunst to own the notification name",
      async () => (await dunstctl(["is-paused"], address)).code === 0 || undefined,
    );
  }
  monitor = Bun.spawn(
    [
      "dbus-monitor",
      "--address",
      bus.address,
      "type='method_call',interface='org.freedesktop.Notifications',member='Notify'",
    ],
    { stdout: "pipe", stderr: "ignore" },
  );
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of monitor.stdout as ReadableStream<Uint8Array>) monitored += decoder.decode(chunk);
  })();
  // dbus-monitor prints the bus's NameLost for its own name once it is a monitor.
  await waitFor("dbus-monitor to listen", async () => monitored.includes("member=NameLost") || undefined);
  const host = { DBUS_SESSION_BUS_ADDRESS: bus.address };
  sessions.push(await startRun(box, SENDER, [], host));
  sessions.push(await startRun(box, MUTED, [], host));
  // A desktop with no notification server: a bus on which nothing owns the name.
  sessions.push(await startRun(box, NO_SERVER, [], { DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/bus" }));
  sessions.push(await startRun(box, TO_PLAIN, [], { DBUS_SESSION_BUS_ADDRESS: plainBus.address }));
}, 600_000);

afterAll(async () => {
  for (const s of sessions) s.proc.kill("SIGTERM");
  await Promise.all(sessions.map((s) => s.exited));
  for (const p of [monitor, dunst, plainDunst, xvfb]) p?.kill();
  for (const b of [bus, plainBus]) if (b?.pid) process.kill(b.pid, "SIGTERM");
  box?.cleanup();
}, 120_000);

function dunstctl(args: string[], address = bus.address) {
  return sh(["dunstctl", ...args], { DBUS_SESSION_BUS_ADDRESS: address });
}

/**
 * What dunst showed, newest first: the summary and body as it received them, and `message`,
 * the markup it made of them (its format, `<b>%s</b>\n%b`) and handed Pango to draw.
 */
async function history(
  address = bus.address,
): Promise<{ summary: string; body: string; message: string; appname: string; icon_path: string }[]> {
  const result = await dunstctl(["history"], address);
  const data = JSON.parse(result.stdout).data[0] as Record<string, { data: string }>[];
  return data.map((n) => ({
    summary: n.summary!.data,
    body: n.body!.data,
    message: n.message!.data,
    appname: n.appname!.data,
    icon_path: n.icon_path?.data ?? "",
  }));
}

/** Shown notifications go to history once closed; close them all so history holds everything. */
async function shown(address = bus.address) {
  await dunstctl(["close-all"], address);
  return history(address);
}

/**
 * The text Pango draws for a markup string: elements drawn as their content, entities as their
 * characters. A `<` or `&` that starts neither is markup Pango refuses, so it throws: the user
 * would not see the text as written.
 */
function drawnText(markup: string): string {
  const entities: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
  return markup.replace(/<\/?[a-z][^<>]*>|&(#x[0-9a-f]+|#[0-9]+|[a-z]+);|[<&]/gi, (token, entity?: string) => {
    if (token.length > 1 && token.startsWith("<")) return "";
    if (entity?.startsWith("#x")) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity?.startsWith("#")) return String.fromCodePoint(Number(entity.slice(1)));
    if (entity && entity in entities) return entities[entity]!;
    throw new Error(`not markup Pango reads: ${JSON.stringify(markup)}`);
  });
}

/** The elements in the markup dunst made: only its own format's, never one an app wrote. */
const elementsOf = (markup: string) => markup.match(/<\/?[a-z][^<>]*>/gi) ?? [];

/** The host server's capabilities, asked from the host as any client would. */
async function capabilitiesOf(address: string): Promise<string> {
  const reply = await sh(
    [
      "dbus-send",
      "--session",
      "--print-reply",
      "--dest=org.freedesktop.Notifications",
      "/org/freedesktop/Notifications",
      "org.freedesktop.Notifications.GetCapabilities",
    ],
    { DBUS_SESSION_BUS_ADDRESS: address },
  );
  expect(reply.code).toBe(0);
  return reply.stdout;
}

/** The Notify call the host's server got whose text holds `marker`, as dbus-monitor printed it. */
function notifyCallWith(marker: string): string | undefined {
  return monitored.split(/\n(?=\S)/).find((call) => call.includes("member=Notify") && call.includes(marker));
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

  test("with notifications = false, nothing reaches the server", async () => {
    const sent = await dbusCall(MUTED, notifyArgs("muted", "from the muted one"));
    expect(sent.code).toBe(1);
    expect(sent.stderr).toContain(`notifications are off for ${MUTED}`);
    // The control: one from the other instance arrives after it; the muted one never does.
    await Bun.sleep(10_500); // a fresh window for the rate limit: the tests above used theirs, those below need one
    expect((await dbusCall(SENDER, notifyArgs("control", "after the muted one"))).code).toBe(0);
    await waitFor("the control", async () => (await shown()).find((n) => n.body === "after the muted one"));
    expect((await history()).some((n) => n.body === "from the muted one")).toBe(false);
  }, 60_000);

  // dunst (its default `markup = full`, so it lists body-markup) renders markup in the body: it
  // draws <b> as bold, keeps an <a>'s text and offers its href to open from its context menu,
  // draws an <img> as its alt text ("[image]") and offers its src there. None of that may come
  // from an app. The summary it quotes itself (plain text, as the spec says), so that goes as
  // written. `body` is what dunst received; `message`, what it handed Pango to draw.
  test("with markup, a link and an image: dunst receives escaped text, so it shows the characters and opens nothing", async () => {
    expect(await capabilitiesOf(bus.address)).toContain('"body-markup"');
    const markup = '<a href="https://evil.example/">click</a> <img src="/etc/passwd"/> <b>bold</b> &amp;';
    const sent = await dbusCall(SENDER, notifyArgs("<i>urgent</i>", markup));
    expect(sent.code).toBe(0);
    const note = await waitFor("dunst to show it", async () =>
      (await shown()).find((n) => n.body.includes("evil.example")),
    );
    expect(note.body).toBe(
      "&lt;a href=&quot;https://evil.example/&quot;&gt;click&lt;/a&gt; &lt;img src=&quot;/etc/passwd&quot;/&gt; &lt;b&gt;bold&lt;/b&gt; &amp;amp;",
    );
    expect(note.summary).toBe(`${SENDER}: <i>urgent</i>`);
    expect(elementsOf(note.message)).toEqual(["<b>", "</b>"]);
    expect(drawnText(note.message)).toBe(`${SENDER}: <i>urgent</i>\n${markup}`);
  }, 60_000);

  test("plain text with an ampersand, a < and quotes shows on dunst as the app wrote it", async () => {
    const summary = 'R&D: 3 < 4, "ok"';
    const body = 'Tom & Jerry <3 it\'s "fine" & more';
    const sent = await dbusCall(SENDER, notifyArgs(summary, body));
    expect(sent.code).toBe(0);
    const note = await waitFor("dunst to show it", async () => (await shown()).find((n) => n.body.startsWith("Tom ")));
    expect(drawnText(note.message)).toBe(`${SENDER}: ${summary}\n${body}`);
  }, 60_000);

  test("with an icon, image, sound and x- hints and critical urgency, the host's server gets only urgency, normal", async () => {
    const sent = await sh([
      "docker",
      "exec",
      await containerId(SENDER),
      "notify-send",
      "--urgency=critical",
      "--icon=/etc/passwd",
      "--hint=string:image-path:/etc/passwd",
      "--hint=string:sound-file:/etc/shadow",
      "--hint=string:x-dunst-stack-tag:evil",
      "--hint=boolean:transient:true",
      "hints",
      "with hints",
    ]);
    expect(sent.code).toBe(0);
    const note = await waitFor("dunst to show it", async () => (await shown()).find((n) => n.body === "with hints"));
    expect(note.icon_path).toBe("");
    // What crossed the host's bus, argument by argument.
    const call = await waitFor("the Notify call on the host's bus", async () => notifyCallWith("with hints"));
    expect([...call.matchAll(/dict entry\(\s*string "([^"]*)"/g)].map((m) => m[1])).toEqual(["urgency"]);
    expect(call).toMatch(/string "urgency"\s+variant\s+byte 1\b/);
    expect(call).not.toContain("/etc/");
  }, 60_000);

  test("to a server that renders no markup (dunst with markup = no), the text goes as written and shows so", async () => {
    expect(await capabilitiesOf(plainBus.address)).not.toContain('"body-markup"');
    const body = '<b>x</b> & y &amp; <a href="https://evil.example/">z</a>';
    const sent = await dbusCall(TO_PLAIN, notifyArgs("<i>plain</i> & co", body));
    expect(sent.code).toBe(0);
    const note = await waitFor("dunst to show it", async () =>
      (await shown(plainBus.address)).find((n) => n.body.includes("evil.example")),
    );
    expect(note.body).toBe(body);
    expect(drawnText(note.message)).toBe(`${TO_PLAIN}: <i>plain</i> & co\n${body}`);
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
