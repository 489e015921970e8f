import { describe, expect, test } from "bun:test";
import type { LinksPolicy } from "../../../src/core/desktop-bus/links.ts";
import type { HostNotifier, LinkOpeners } from "../../../src/ports/desktop-bus-calls.ts";
import { createDesktopBridge } from "../../../src/services/desktop-bus-calls.ts";
import { createLinkRouter } from "../../../src/services/link-router.ts";
import { createNotificationRelay } from "../../../src/services/notification-relay.ts";

function setup(
  options: {
    links?: LinksPolicy;
    notifications?: boolean;
    notifier?: Partial<HostNotifier>;
    ask?: LinkOpeners["ask"];
  } = {},
) {
  const opened: string[] = [];
  const logs: string[] = [];
  const shown: unknown[] = [];
  let now = 0;
  const openers: LinkOpeners = {
    self: async (url) => void opened.push(`self ${url}`),
    instance: async (i, url) => void opened.push(`${i} ${url}`),
    disposable: async () => {
      throw new Error("disposable instances are not available yet");
    },
    host: async (url) => void opened.push(`host ${url}`),
    ask: options.ask ?? (async () => "no-dialog"),
    stop() {},
  };
  const notifier: HostNotifier = {
    notify: async (n) => shown.push(n),
    rendersMarkup: async () => true,
    close: async () => {},
    stop() {},
    ...options.notifier,
  };
  const log = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(`warn ${m}`), debug: () => {} };
  const clock = () => now;
  const bridge = createDesktopBridge({
    links: createLinkRouter({
      from: "slack",
      links: options.links ?? { kind: "host" },
      instances: () => ["slack"],
      openers,
      now: clock,
      log,
    }),
    notifications: createNotificationRelay({
      instance: "slack",
      enabled: options.notifications ?? true,
      notifier,
      now: clock,
      log,
    }),
  });
  const call = (path: string, iface: string, member: string, signature: string, body: unknown[]) =>
    bridge.handle({ sender: ":1.7", destination: "x", path, interface: iface, member, signature, body });
  const openUri = (url: string) =>
    call("/org/freedesktop/portal/desktop", "org.freedesktop.portal.OpenURI", "OpenURI", "ssa{sv}", ["", url, {}]);
  const notify = (summary: string, body = "b") =>
    call("/org/freedesktop/Notifications", "org.freedesktop.Notifications", "Notify", "susssasa{sv}i", [
      "a",
      0,
      "icon",
      summary,
      body,
      [],
      {},
      -1,
    ]);
  return { opened, logs, shown, call, openUri, notify, tick: (ms: number) => (now += ms) };
}

describe("links through the bridge", () => {
  test("a good link is opened where the policy says, and answered with a Request and its Response", async () => {
    const s = setup({ links: { kind: "instance", instance: "firefox#work" } });
    const reply = await s.openUri("https://example.org");
    expect(s.opened).toEqual(["firefox#work https://example.org"]);
    expect(reply).toMatchObject({ ok: true, signature: "o", signal: { member: "Response", destination: ":1.7" } });
  });

  test.each([
    ["a file: URL", { kind: "host" }, "file:///etc/passwd", "file: scheme"],
    ["the off policy", { kind: "off" }, "https://example.org", "is off"],
    [
      "a disposable target, not available yet",
      { kind: "disposable", app: "firefox" },
      "https://example.org",
      "not available yet",
    ],
    ["ask without a dialog tool", { kind: "ask" }, "https://example.org", "neither zenity nor kdialog"],
  ] as const)("%s is refused with AccessDenied, and nothing opens", async (_, links, url, reason) => {
    const s = setup({ links: links as LinksPolicy });
    const reply = await s.openUri(url);
    expect(reply).toMatchObject({ ok: false, error: "org.freedesktop.DBus.Error.AccessDenied" });
    if (!reply.ok) expect(reply.message).toContain(reason);
    expect(s.opened).toEqual([]);
  });

  test.each([
    ["mailto", true],
    ["HTTPS", true],
    ["file", false],
    ["javascript", false],
  ])("SchemeSupported(%s) is %p: what OpenURI carries", async (scheme, supported) => {
    const s = setup();
    const reply = await s.call(
      "/org/freedesktop/portal/desktop",
      "org.freedesktop.portal.OpenURI",
      "SchemeSupported",
      "sa{sv}",
      [scheme, {}],
    );
    expect(reply).toEqual({ ok: true, signature: "b", body: [supported] });
    expect(s.opened).toEqual([]);
  });

  test("ask carries the user's choice, and a declined link is refused", async () => {
    let answer: "host" | undefined = "host";
    const s = setup({
      links: { kind: "ask" },
      ask: async (q) => q.choices.find((c) => c.choice.kind === answer)?.choice,
    });
    expect((await s.openUri("https://example.org/1")).ok).toBe(true);
    answer = undefined;
    expect((await s.openUri("https://example.org/2")).ok).toBe(false);
    expect(s.opened).toEqual(["host https://example.org/1"]);
  });

  test("one ask dialog at a time: links while it is open are refused, said once; after it closes the next one asks", async () => {
    const dialogs: PromiseWithResolvers<"host" | undefined>[] = [];
    const s = setup({
      links: { kind: "ask" },
      ask: async (q) => {
        const dialog = Promise.withResolvers<"host" | undefined>();
        dialogs.push(dialog);
        const answer = await dialog.promise;
        return q.choices.find((c) => c.choice.kind === answer)?.choice;
      },
    });
    const first = s.openUri("https://example.org/first");
    await Promise.resolve();
    const meanwhile = await Promise.all([
      s.openUri("https://example.org/a"),
      s.openUri("https://example.org/b"),
      s.openUri("https://example.org/c"),
    ]);
    expect(dialogs).toHaveLength(1);
    expect(meanwhile.map((r) => r.ok)).toEqual([false, false, false]);
    if (!meanwhile[0]!.ok) expect(meanwhile[0]!.message).toContain("already open");
    expect(s.logs.filter((l) => l.includes("already open"))).toHaveLength(1);
    dialogs[0]!.resolve("host");
    expect((await first).ok).toBe(true);
    // Closed: the next link asks again (the control), and a second burst is said once again
    // (in the rate limit's next window, so only the open dialog refuses it).
    s.tick(60_000);
    const second = s.openUri("https://example.org/second");
    await Promise.resolve();
    expect(dialogs).toHaveLength(2);
    expect((await s.openUri("https://example.org/d")).ok).toBe(false);
    dialogs[1]!.resolve(undefined);
    expect((await second).ok).toBe(false);
    expect(s.opened).toEqual(["host https://example.org/first"]);
    expect(s.logs.filter((l) => l.includes("already open"))).toHaveLength(2);
  });

  test("a flood of refused links costs a handful of log lines, not one per link", async () => {
    const s = setup();
    const replies = [];
    for (let i = 0; i < 200; i++) replies.push(await s.openUri(`file:///etc/passwd#${i}`));
    expect(s.logs.length).toBeLessThanOrEqual(6);
    expect(s.logs.filter((l) => l.includes("not saying each"))).toHaveLength(1);
    // Each reply still says why: the app, not the terminal, gets them all.
    for (const reply of replies)
      expect(reply).toMatchObject({ ok: false, message: expect.stringContaining("file: scheme") });
  });

  test("a flood: 5 pass, the rest are refused with one log line; the next window passes again", async () => {
    const s = setup();
    const replies = [];
    for (let i = 0; i < 20; i++) replies.push(await s.openUri(`https://example.org/${i}`));
    expect(replies.filter((r) => r.ok).length).toBe(5);
    expect(s.logs.filter((l) => l.includes("dropping links")).length).toBe(1);
    s.tick(10_000);
    expect((await s.openUri("https://example.org/later")).ok).toBe(true);
  });
});

describe("notifications through the bridge", () => {
  test("Notify reaches the host prefixed; GetServerInformation and GetCapabilities are ours", async () => {
    const s = setup();
    expect(await s.notify("hello")).toEqual({ ok: true, signature: "u", body: [1] });
    expect(s.shown).toMatchObject([{ summary: "slack: hello", appIcon: "", actions: [] }]);
    expect(
      await s.call("/org/freedesktop/Notifications", "org.freedesktop.Notifications", "GetServerInformation", "", []),
    ).toMatchObject({ ok: true, body: ["dockercask", "dockercask", "1", "1.2"] });
    expect(
      await s.call("/org/freedesktop/Notifications", "org.freedesktop.Notifications", "GetCapabilities", "", []),
    ).toMatchObject({ ok: true, body: [["body"]] });
  });

  test.each([
    ["renders markup (it lists body-markup)", true, "&lt;b&gt;x&lt;/b&gt; &amp; y"],
    ["renders none", false, "<b>x</b> & y"],
  ])(
    "to a host server that %s, the body is text as that server reads it; the summary as written",
    async (_, rendersMarkup, body) => {
      const s = setup({ notifier: { rendersMarkup: async () => rendersMarkup } });
      expect((await s.notify("R&D <i>", "<b>x</b> & y")).ok).toBe(true);
      expect(s.shown).toMatchObject([{ summary: "slack: R&D <i>", body }]);
    },
  );

  test("off: an error, and nothing shown", async () => {
    const s = setup({ notifications: false });
    expect(await s.notify("hello")).toMatchObject({ ok: false, error: "org.freedesktop.DBus.Error.Failed" });
    expect(s.shown).toEqual([]);
  });

  test("no server on the host: an error, said once", async () => {
    const s = setup({ notifier: { notify: async () => Promise.reject(new Error("ServiceUnknown")) } });
    expect((await s.notify("a")).ok).toBe(false);
    expect((await s.notify("b")).ok).toBe(false);
    expect(s.logs.filter((l) => l.includes("no notification server")).length).toBe(1);
  });

  test("a flood: 5 in 10 s, one log line", async () => {
    const s = setup();
    for (let i = 0; i < 12; i++) await s.notify(`n${i}`);
    expect(s.shown.length).toBe(5);
    expect(s.logs.filter((l) => l.includes("dropping those of slack")).length).toBe(1);
  });
});

describe("anything else", () => {
  test.each([
    [
      "another portal interface",
      "/org/freedesktop/portal/desktop",
      "org.freedesktop.portal.FileChooser",
      "OpenFile",
      "ssa{sv}",
    ],
    [
      "OpenURI with a wrong signature",
      "/org/freedesktop/portal/desktop",
      "org.freedesktop.portal.OpenURI",
      "OpenURI",
      "s",
    ],
    ["OpenURI on another path", "/", "org.freedesktop.portal.OpenURI", "OpenURI", "ssa{sv}"],
    ["Notify with a wrong signature", "/org/freedesktop/Notifications", "org.freedesktop.Notifications", "Notify", "s"],
    ["an unknown method", "/org/freedesktop/Notifications", "org.freedesktop.Notifications", "Frobnicate", ""],
    ["a property set", "/org/freedesktop/portal/desktop", "org.freedesktop.DBus.Properties", "Set", "ssv"],
  ])("%s is refused", async (_, path, iface, member, signature) => {
    const s = setup();
    expect(await s.call(path, iface, member, signature, ["x", "y", {}])).toMatchObject({
      ok: false,
      error: "org.freedesktop.DBus.Error.UnknownMethod",
    });
    expect(s.opened).toEqual([]);
    expect(s.shown).toEqual([]);
  });
});
