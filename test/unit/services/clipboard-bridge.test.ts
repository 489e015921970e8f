import { describe, expect, test } from "bun:test";
import type { ClipboardPolicy } from "../../../src/core/catalog/policy.ts";
import type { Side } from "../../../src/core/clipboard/clipboard.ts";
import { type ClipboardContent, TEXT_TARGET, textContent } from "../../../src/core/clipboard/content.ts";
import type { ClipboardSide, Selection } from "../../../src/ports/clipboard-side.ts";
import { startClipboardBridge } from "../../../src/services/clipboard-bridge.ts";

/**
 * One X display's selections, in memory. Like a real server, a write makes the display
 * report a new owner to its watchers, so the bridge sees the echo of its own writes.
 * `failNextReads` makes reads throw (xclip dying, say); `slowNextWrites` makes writes take time.
 */
function createFakeSide(initial: Partial<Record<Selection, string>> = {}) {
  // What each selection holds, as the bridge sees it; `values` shows text as text, for the asserts.
  const contents: Partial<Record<Selection, ClipboardContent>> = {};
  const values: Partial<Record<Selection, string>> = {};
  const hold = (selection: Selection, content: ClipboardContent | undefined) => {
    contents[selection] = content;
    values[selection] =
      content &&
      (content.target === TEXT_TARGET
        ? new TextDecoder().decode(content.data)
        : `${content.target}:${Buffer.from(content.data).toString("hex")}`);
  };
  for (const [selection, text] of Object.entries(initial)) hold(selection as Selection, textContent(text));
  const watchers: { selections: Selection[]; onChange: (selection: Selection) => void; closed: boolean }[] = [];
  const writes: string[] = [];
  const reads: Selection[] = [];
  let failReads = 0;
  const writeDelaysMs: number[] = [];
  const notify = (selection: Selection) => {
    for (const w of watchers) if (!w.closed && w.selections.includes(selection)) w.onChange(selection);
  };
  const side: ClipboardSide = {
    async watch(selections, onChange) {
      const watcher = { selections: [...selections], onChange, closed: false };
      watchers.push(watcher);
      return () => {
        watcher.closed = true;
      };
    },
    // Caps like the xclip adapter: past maxBytes it reports the size instead of the content.
    async read(selection, maxBytes) {
      reads.push(selection);
      if (failReads > 0) {
        failReads--;
        throw new Error("xclip died");
      }
      const content = contents[selection];
      if (!content?.data.length) return undefined;
      return content.data.length > maxBytes
        ? { tooLarge: content.data.length }
        : { target: content.target, data: new Uint8Array(content.data) };
    },
    async write(selection, content) {
      const delay = writeDelaysMs.shift();
      if (delay) await Bun.sleep(delay);
      hold(selection, { target: content.target, data: new Uint8Array(content.data) });
      writes.push(`${selection}=${values[selection]}`);
      notify(selection);
    },
    async clear(selection) {
      hold(selection, undefined);
      writes.push(`${selection} cleared`);
      notify(selection);
    },
  };
  return {
    side,
    values,
    writes,
    reads,
    watchers,
    /** The user copies text or an image (or an owner goes away, with undefined) on this display. */
    copy(value: string | ClipboardContent | undefined, selection: Selection = "CLIPBOARD") {
      hold(selection, typeof value === "string" ? textContent(value) : value);
      notify(selection);
    },
    failNextReads(n: number) {
      failReads = n;
    },
    slowNextWrites(...ms: number[]) {
      writeDelaysMs.push(...ms);
    },
  };
}

type FakeSide = ReturnType<typeof createFakeSide>;

async function start(options: {
  policy: ClipboardPolicy;
  host?: FakeSide;
  app?: FakeSide;
  selections?: Selection[];
  maxBytes?: number;
}) {
  const host = options.host ?? createFakeSide();
  const app = options.app ?? createFakeSide();
  const warnings: string[] = [];
  let clock = 0;
  const bridge = await startClipboardBridge({
    policy: options.policy,
    maxBytes: options.maxBytes ?? 1024,
    selections: options.selections ?? ["CLIPBOARD"],
    sides: { host: host.side, app: app.side },
    log: { info() {}, debug() {}, warn: (m) => void warnings.push(m) },
    now: () => ++clock,
    settleMs: 0,
  });
  await bridge.idle();
  // What start did is checked through writes and values; reads count from here on.
  host.reads.length = 0;
  app.reads.length = 0;
  const sides: Record<Side, FakeSide> = { host, app };
  return { bridge, host, app, sides, warnings };
}

describe("startClipboardBridge", () => {
  test.each<[ClipboardPolicy, string | undefined]>([
    ["both", "at start"],
    ["to-app", "at start"],
    ["from-app", undefined],
    ["off", undefined],
  ])("%p: what the host holds at start reaches the app: %p", async (policy, expected) => {
    const { app } = await start({ policy, host: createFakeSide({ CLIPBOARD: "at start" }) });
    expect(app.values.CLIPBOARD).toBe(expected);
    expect(app.writes).toHaveLength(expected === undefined ? 0 : 1);
  });

  test.each<[ClipboardPolicy, boolean, boolean]>([
    ["both", true, true],
    ["to-app", true, false],
    ["from-app", false, true],
    ["off", false, false],
  ])("%p: host -> app %p, app -> host %p", async (policy, toApp, fromApp) => {
    const { bridge, host, app } = await start({ policy });
    host.copy("from the host");
    await bridge.idle();
    expect(app.values.CLIPBOARD).toBe(toApp ? "from the host" : undefined);
    app.copy("from the app");
    await bridge.idle();
    expect(host.values.CLIPBOARD).toBe(fromApp ? "from the app" : "from the host");
  });

  test("each genuine change is written once, and the echo of that write is read but not sent back", async () => {
    const { bridge, host, app } = await start({ policy: "both", host: createFakeSide({ CLIPBOARD: "h0" }) });
    expect([host.writes, app.writes]).toEqual([[], ["CLIPBOARD=h0"]]);
    const changes: [Side, string][] = [
      ["app", "a1"],
      ["host", "h2"],
      ["app", "a3"],
      ["app", "a4"],
      ["host", "h5"],
    ];
    for (const [from, text] of changes) {
      const to = from === "host" ? app : host;
      const readsBefore = [host.reads.length, app.reads.length];
      (from === "host" ? host : app).copy(text);
      await bridge.idle();
      expect([host.values.CLIPBOARD, app.values.CLIPBOARD]).toEqual([text, text]);
      // One read of the change, one of the echo it caused on the other side (dropped).
      expect([host.reads.length, app.reads.length]).toEqual(readsBefore.map((n) => n + 1));
      expect(to.writes.at(-1)).toBe(`CLIPBOARD=${text}`);
    }
    expect(host.writes).toEqual(["CLIPBOARD=a1", "CLIPBOARD=a3", "CLIPBOARD=a4"]);
    expect(app.writes).toEqual(["CLIPBOARD=h0", "CLIPBOARD=h2", "CLIPBOARD=h5"]);
  });

  test.each<[Side, ClipboardPolicy, boolean]>([
    ["host", "both", true],
    ["app", "both", true],
    ["host", "to-app", true],
    ["app", "to-app", false],
    ["host", "explicit", false],
    ["app", "explicit", false],
    ["host", "off", false],
    ["app", "off", false],
  ])("an image copied on the %s under %p is carried byte for byte: %p", async (from, policy, carried) => {
    const { bridge, sides } = await start({ policy });
    const to = from === "host" ? sides.app : sides.host;
    const png: ClipboardContent = {
      target: "image/png",
      data: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0xff]),
    };
    sides[from].copy(png);
    await bridge.idle();
    expect(to.values.CLIPBOARD).toBe(carried ? "image/png:89504e470d0a1a0a00ff" : undefined);
    // Its echo is not sent back.
    expect(sides[from].writes).toEqual([]);
  });

  test("an image over the cap is refused with a warning; a smaller one passes", async () => {
    const { bridge, host, app, warnings } = await start({ policy: "both", maxBytes: 8 });
    app.copy({ target: "image/png", data: new Uint8Array(9) });
    await bridge.idle();
    expect([host.writes, warnings.length]).toEqual([[], 1]);
    app.copy({ target: "image/png", data: new Uint8Array(8) });
    await bridge.idle();
    expect(host.values.CLIPBOARD).toBe(`image/png:${"00".repeat(8)}`);
  });

  test("an image whose bytes are not its type is not carried, with a warning naming the type; a real one after it passes", async () => {
    const { bridge, host, app, warnings } = await start({ policy: "both" });
    // As the xclip adapter reports it (core/clipboard/content.ts contentOf).
    const read = app.side.read;
    app.side.read = async () => ({ malformed: "image/png" });
    app.copy({ target: "image/png", data: new Uint8Array([0x3c, 0x73, 0x76, 0x67]) });
    await bridge.idle();
    expect([host.writes, warnings]).toEqual([
      [],
      ["clipboard: not carrying the app's image/png to the host: its bytes are not an image of that type"],
    ]);
    app.side.read = read;
    app.copy({ target: "image/png", data: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) });
    await bridge.idle();
    expect(host.values.CLIPBOARD).toBe("image/png:89504e470d0a1a0a");
  });

  test("both sides changed before either was read: the newer value wins on both", async () => {
    const { bridge, host, app } = await start({ policy: "both" });
    host.copy("older");
    app.copy("newer");
    await bridge.idle();
    expect([host.values.CLIPBOARD, app.values.CLIPBOARD]).toEqual(["newer", "newer"]);
    expect([host.writes, app.writes]).toEqual([["CLIPBOARD=newer"], []]);
  });

  test.each<[Selection[], string | undefined]>([
    [["CLIPBOARD"], undefined],
    [["CLIPBOARD", "PRIMARY"], "selected"],
  ])("selections %p: PRIMARY is watched and carried only when listed", async (selections, expectedPrimary) => {
    const host = createFakeSide({ CLIPBOARD: "copied", PRIMARY: "selected" });
    const { bridge, app } = await start({ policy: "both", host, selections });
    expect([host.watchers.map((w) => w.selections), app.watchers.map((w) => w.selections)]).toEqual([
      [selections],
      [selections],
    ]);
    expect(app.values).toEqual({ CLIPBOARD: "copied", PRIMARY: expectedPrimary });
    host.copy("selected again", "PRIMARY");
    await bridge.idle();
    expect(app.values.PRIMARY).toBe(expectedPrimary && "selected again");
  });

  test.each<[string, Side, string]>([
    ["ASCII over the cap, from the host", "host", "123456789"],
    ["multibyte text over the cap in bytes (5 chars, 10 bytes), from the app", "app", "ééééé"],
  ])("%s: a warning, nothing written, and the next value still goes through", async (_, from, big) => {
    const { bridge, sides, warnings } = await start({ policy: "both", maxBytes: 8 });
    const to = from === "host" ? sides.app : sides.host;
    sides[from].copy(big);
    await bridge.idle();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("not carrying");
    expect(to.writes).toEqual([]);
    sides[from].copy("small");
    await bridge.idle();
    expect(to.values.CLIPBOARD).toBe("small");
  });

  test("a value over the cap held by the host at start is not carried", async () => {
    const { app, warnings } = await start({ policy: "to-app", host: createFakeSide({ CLIPBOARD: "x".repeat(2000) }) });
    expect(warnings.join("\n")).toContain("not carrying");
    expect(app.writes).toEqual([]);
  });

  test.each<[ClipboardPolicy, Side]>([
    ["to-app", "host"],
    ["from-app", "app"],
  ])("%p: a read that throws on the %p counts as empty; the next change is carried", async (policy, from) => {
    const { bridge, sides, warnings } = await start({ policy });
    const to = from === "host" ? sides.app : sides.host;
    sides[from].failNextReads(1);
    sides[from].copy("lost");
    await bridge.idle();
    expect([sides[from].reads.length, to.writes]).toEqual([1, []]);
    expect(warnings).toEqual([]);
    sides[from].copy("kept");
    await bridge.idle();
    expect(to.writes).toEqual(["CLIPBOARD=kept"]);
  });

  test("a change during a slow write is carried after it, never overtaken by it", async () => {
    const { bridge, host, app } = await start({ policy: "to-app" });
    app.slowNextWrites(30, 0);
    host.copy("first");
    await Bun.sleep(5);
    host.copy("second");
    await bridge.idle();
    expect([app.writes, app.values.CLIPBOARD]).toEqual([["CLIPBOARD=first", "CLIPBOARD=second"], "second"]);
  });

  test("stop() closes both watchers, and a change reported after it is not carried", async () => {
    const { bridge, host, app } = await start({ policy: "both" });
    bridge.stop();
    expect([...host.watchers, ...app.watchers].map((w) => w.closed)).toEqual([true, true]);
    // An event already on its way when the watcher closed still reaches the callback.
    host.values.CLIPBOARD = "late";
    host.watchers[0]!.onChange("CLIPBOARD");
    app.values.CLIPBOARD = "late too";
    app.watchers[0]!.onChange("CLIPBOARD");
    await bridge.idle();
    expect([host.writes, app.writes, host.reads, app.reads]).toEqual([[], [], [], []]);
  });

  test.each<[Side, Side]>([
    ["app", "host"],
    ["host", "app"],
  ])("the %s side cannot be watched: the start fails, and the %s side's watcher is closed", async (failing, other) => {
    const sides = { host: createFakeSide(), app: createFakeSide() };
    sides[failing].side.watch = async () => {
      throw new Error("the display went away");
    };
    const starting = startClipboardBridge({
      policy: "both",
      maxBytes: 1024,
      selections: ["CLIPBOARD"],
      sides: { host: sides.host.side, app: sides.app.side },
      log: { info() {}, debug() {}, warn() {} },
    });
    await expect(starting).rejects.toThrow("the display went away");
    expect(sides[other].watchers.map((w) => w.closed)).toEqual([true]);
  });

  test("stop() while a change waits to settle: it is not read", async () => {
    const { bridge, host, app } = await start({ policy: "both" });
    host.copy("in flight");
    bridge.stop();
    await bridge.idle();
    expect([host.reads, app.writes]).toEqual([[], []]);
  });

  test.each<[string, Side, boolean]>([
    ["on the host, all at once", "host", false],
    ["in the app, all at once", "app", false],
    ["on the host, a macrotask apart", "host", true],
    ["in the app, a macrotask apart", "app", true],
  ])("a burst of 10 changes %s ends with the last value on the other side", async (_, from, apart) => {
    const { bridge, sides } = await start({ policy: "both" });
    const to = from === "host" ? sides.app : sides.host;
    for (let i = 0; i < 10; i++) {
      sides[from].copy(`v${i}`);
      if (apart) await Bun.sleep(0);
    }
    await bridge.idle();
    expect(to.values.CLIPBOARD).toBe("v9");
    expect(sides[from].values.CLIPBOARD).toBe("v9");
    // Settling pays off: changes that arrive together cost one read and one write.
    if (!apart) expect(to.writes).toEqual(["CLIPBOARD=v9"]);
    expect(to.writes.length).toBeLessThanOrEqual(10);
    expect(sides[from].writes).toEqual([]);
  });
});
