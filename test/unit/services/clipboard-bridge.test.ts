import { describe, expect, test } from "bun:test";
import type { ClipboardSide, Selection } from "../../../src/ports/clipboard-side.ts";
import type { Side } from "../../../src/core/clipboard.ts";
import type { ClipboardPolicy } from "../../../src/core/policy.ts";
import { startClipboardBridge } from "../../../src/services/clipboard-bridge.ts";

/**
 * One X display's selections, in memory. Like a real server, a write makes the display
 * report a new owner to its watchers, so the bridge sees the echo of its own writes.
 * `failNextReads` makes reads throw (xclip dying, say); `slowNextWrites` makes writes take time.
 */
function createFakeSide(initial: Partial<Record<Selection, string>> = {}) {
  const values: Partial<Record<Selection, string>> = { ...initial };
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
    // Caps like the xclip adapter: past maxBytes it reports the size instead of the text.
    async read(selection, maxBytes) {
      reads.push(selection);
      if (failReads > 0) {
        failReads--;
        throw new Error("xclip died");
      }
      const text = values[selection];
      if (!text) return undefined;
      const bytes = Buffer.byteLength(text);
      return bytes > maxBytes ? { tooLarge: bytes } : { text };
    },
    async write(selection, text) {
      const delay = writeDelaysMs.shift();
      if (delay) await Bun.sleep(delay);
      writes.push(`${selection}=${text}`);
      values[selection] = text;
      notify(selection);
    },
  };
  return {
    side,
    values,
    writes,
    reads,
    watchers,
    /** The user copies `text` (or an owner goes away, with undefined) on this display. */
    copy(text: string | undefined, selection: Selection = "CLIPBOARD") {
      values[selection] = text;
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

async function start(options: { policy: ClipboardPolicy; host?: FakeSide; app?: FakeSide; selections?: Selection[]; maxBytes?: number }) {
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
    expect([host.watchers.map((w) => w.selections), app.watchers.map((w) => w.selections)]).toEqual([[selections], [selections]]);
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
