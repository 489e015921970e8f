import { describe, expect, test } from "bun:test";
import type { ClipboardPolicy } from "../../../src/core/catalog/policy.ts";
import type { ClipDirection } from "../../../src/core/clipboard/clipboard.ts";
import { type ClipboardContent, textContent } from "../../../src/core/clipboard/content.ts";
import type { SessionState } from "../../../src/core/instance/runtime.ts";
import type { ClipboardSide } from "../../../src/ports/clipboard-side.ts";
import { type ClipDeps, clip, MAX_CLEAR_AFTER_SECONDS, parseClearAfter } from "../../../src/services/clip.ts";

/** One display's CLIPBOARD in memory: what it holds, and what was done to it. */
interface FakeSide {
  held: ClipboardContent | undefined;
  events: string[];
  api: ClipboardSide;
}

function fakeSide(held?: ClipboardContent): FakeSide {
  const side: FakeSide = {
    held,
    events: [] as string[],
    api: {
      watch: async () => () => {},
      async read(_selection, maxBytes) {
        if (!side.held?.data.length) return undefined;
        return side.held.data.length > maxBytes ? { tooLarge: side.held.data.length } : side.held;
      },
      async write(_selection, content) {
        side.held = content;
        side.events.push(`write ${content.target} ${content.data.length}`);
      },
      async clear() {
        side.held = undefined;
        side.events.push("clear");
      },
    } satisfies ClipboardSide,
  };
  return side;
}

const PNG: ClipboardContent = { target: "image/png", data: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0xff]) };
const running = (over: Partial<SessionState> = {}): SessionState => ({
  instance: "xeyes#c",
  pid: 10,
  pidStart: "1",
  startedAt: "",
  display: 7,
  container: "c1",
  clipboard: "explicit",
  clipboardMaxBytes: 1024,
  ...over,
});

function harness(
  options: {
    state?: SessionState | undefined;
    alive?: boolean;
    host?: ClipboardContent;
    app?: ClipboardContent;
    longWait?: boolean;
  } = {},
) {
  const host = fakeSide(options.host);
  const app = fakeSide(options.app);
  const asked: unknown[] = [];
  const slept: number[] = [];
  let duringSleep: (() => void) | undefined;
  const deps: ClipDeps = {
    runtime: {
      root: "/run/dc",
      readOwnState: (name) => (name === "xeyes#c" ? ("state" in options ? options.state : running()) : undefined),
    },
    isAlive: () => options.alive ?? true,
    sides: (instance) => {
      asked.push(instance);
      return { host: host.api, app: app.api };
    },
    sleep: async (ms, signal) => {
      slept.push(ms);
      duringSleep?.();
      // A wait longer than the test: over only when aborted.
      if (options.longWait) await new Promise((resolve) => signal?.addEventListener("abort", resolve, { once: true }));
    },
  };
  return {
    deps,
    host,
    app,
    asked,
    slept,
    whileWaiting: (f: () => void) => {
      duringSleep = f;
    },
  };
}

describe("clip", () => {
  test.each<[ClipDirection, ClipboardContent]>([
    ["push", textContent("from the desktop")],
    ["push", PNG],
    ["pull", textContent("from the app")],
    ["pull", PNG],
  ])("%s moves %p once, bytes and type untouched, into the instance's display", async (direction, content) => {
    const h = harness(direction === "push" ? { host: content } : { app: content });
    const result = await clip(direction, "xeyes#c", h.deps);
    const [from, to] = direction === "push" ? [h.host, h.app] : [h.app, h.host];
    expect(to.held).toEqual(content);
    expect([from.events, to.events]).toEqual([[], [`write ${content.target} ${content.data.length}`]]);
    expect(result).toEqual({
      instance: "xeyes#c",
      moved: content === PNG ? "image/png (6 bytes)" : `text (${content.data.length} bytes)`,
    });
    expect(h.asked).toEqual([{ display: 7, runtimeDir: "/run/dc/xeyes#c" }]);
    expect(h.slept).toEqual([]);
  });

  test.each<[ClipboardPolicy, ClipDirection, RegExp | undefined]>([
    ["explicit", "push", undefined],
    ["explicit", "pull", undefined],
    ["both", "push", undefined],
    ["both", "pull", undefined],
    ["to-app", "push", undefined],
    ["to-app", "pull", /policy of xeyes#c is "to-app": nothing is pulled out of it/],
    ["from-app", "push", /policy of xeyes#c is "from-app": nothing is pushed into it/],
    ["from-app", "pull", undefined],
    ["off", "push", /clipboard of xeyes#c is off: nothing is pushed into it/],
    ["off", "pull", /clipboard of xeyes#c is off: nothing is pulled out of it/],
  ])("policy %p, %p: refused %p", async (clipboard, direction, refusal) => {
    const h = harness({ state: running({ clipboard }), host: textContent("h"), app: textContent("a") });
    const moving = clip(direction, "xeyes#c", h.deps);
    if (!refusal) return void (await moving);
    await expect(moving).rejects.toThrow(refusal);
    await expect(moving).rejects.toMatchObject({
      code: "E_CLIP",
      hint: expect.stringContaining("--clipboard explicit"),
    });
    expect([h.host.events, h.app.events]).toEqual([[], []]);
  });

  test.each<[string, Parameters<typeof harness>[0], string, RegExp, RegExp]>([
    ["not running (no state)", { state: undefined }, "xeyes#c", /xeyes#c is not running/, /dockercask run xeyes#c/],
    ["its supervisor is dead", { alive: false }, "xeyes#c", /xeyes#c is not running/, /dockercask run xeyes#c/],
    [
      "still starting (no display yet)",
      { state: running({ display: undefined, container: undefined }) },
      "xeyes#c",
      /still starting/,
      /again in a moment/,
    ],
    [
      "started by an older dockercask",
      { state: running({ clipboard: undefined }) },
      "xeyes#c",
      /older dockercask/,
      /dockercask stop xeyes#c/,
    ],
    ["the desktop's clipboard is empty", {}, "xeyes#c", /the desktop's clipboard is empty/, /Copy something/],
    [
      "over the instance's cap",
      { host: { target: "image/png", data: new Uint8Array(1025) } },
      "xeyes#c",
      /holds more than 1 KiB, the clipboard limit of xeyes#c/,
      /clipboard-max/,
    ],
  ])("push refused: %s", async (_, options, instance, message, hint) => {
    const h = harness(options);
    const moving = clip("push", instance, h.deps);
    await expect(moving).rejects.toThrow(message);
    await expect(moving).rejects.toMatchObject({ hint: expect.stringMatching(hint) });
    expect(h.app.events).toEqual([]);
  });

  test("pull: an image whose bytes are not its type never reaches the desktop, and the error says so", async () => {
    const h = harness({ app: PNG });
    h.app.api.read = async () => ({ malformed: "image/png" });
    const moving = clip("pull", "xeyes#c", h.deps);
    await expect(moving).rejects.toThrow(
      /the clipboard of xeyes#c holds image\/png data that is not an image of that type: nothing is moved/,
    );
    expect(h.host.events).toEqual([]);
  });

  test("push: a write that fails is an error naming where, not a success", async () => {
    const h = harness({ host: PNG });
    h.app.api.write = async () => {
      throw new Error("xclip could not take the CLIPBOARD selection on display :7 (exit code 1)");
    };
    const moving = clip("push", "xeyes#c", h.deps);
    await expect(moving).rejects.toThrow(/could not put it on the clipboard of xeyes#c: xclip could not take/);
    await expect(moving).rejects.toMatchObject({ code: "E_CLIP" });
  });

  test("pull: an instance's image over its cap never reaches the desktop", async () => {
    const h = harness({ app: { target: "image/png", data: new Uint8Array(1025) } });
    await expect(clip("pull", "xeyes#c", h.deps)).rejects.toThrow(/clipboard of xeyes#c holds more than 1 KiB/);
    expect(h.host.events).toEqual([]);
  });

  test("an invalid instance name is a usage error, before anything is read", async () => {
    const h = harness();
    await expect(clip("push", "no good", h.deps)).rejects.toMatchObject({ exitCode: 2 });
    expect(h.asked).toEqual([]);
  });

  test.each<[ClipDirection, "host" | "app"]>([
    ["push", "app"],
    ["pull", "host"],
  ])(
    "%s --clear-after: what was put on the %s side is cleared after the time, if it still holds it",
    async (direction, target) => {
      const h = harness({ host: PNG, app: PNG });
      const result = await clip(direction, "xeyes#c", h.deps, { clearAfterSeconds: 3 });
      expect(await result.cleared).toBe(true);
      expect(h.slept).toEqual([3000]);
      expect(h[target].events).toEqual(["write image/png 6", "clear"]);
      expect(h[target].held).toBeUndefined();
    },
  );

  test.each<[string, ClipboardContent | undefined]>([
    ["something else copied there meanwhile", textContent("mine")],
    [
      "the same type, one byte different",
      { target: "image/png", data: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0xfe]) },
    ],
    ["a longer value starting with ours", { target: "image/png", data: new Uint8Array([...PNG.data, 1]) }],
    ["emptied meanwhile", undefined],
  ])("--clear-after leaves the side alone when it holds %s", async (_, replacement) => {
    const h = harness({ host: PNG });
    h.whileWaiting(() => {
      h.app.held = replacement;
    });
    const result = await clip("push", "xeyes#c", h.deps, { clearAfterSeconds: 1 });
    expect(await result.cleared).toBe(false);
    expect(h.app.events).toEqual(["write image/png 6"]);
    expect(h.app.held).toEqual(replacement);
  });
});

describe("--clear-after, cut short (a signal came during the wait)", () => {
  test.each<[string, ClipboardContent | undefined, boolean]>([
    ["still ours: cleared at once", PNG, true],
    ["something else copied there meanwhile: left alone", textContent("mine"), false],
  ])("%s", async (_, heldAtSignal, expected) => {
    const h = harness({ host: PNG, longWait: true });
    const result = await clip("push", "xeyes#c", h.deps, { clearAfterSeconds: 30 });
    let settled = false;
    void result.cleared!.then(() => (settled = true));
    await Bun.sleep(5);
    // The control: without clearNow the wait goes on, and the side keeps the value.
    expect(settled).toBe(false);
    expect(h.app.events).toEqual(["write image/png 6"]);
    h.app.held = heldAtSignal;
    expect(await result.clearNow!()).toBe(expected);
    expect(await result.cleared).toBe(expected);
    expect(h.slept).toEqual([30_000]);
    expect(h.app.held).toEqual(expected ? undefined : heldAtSignal);
  });
});

describe("parseClearAfter", () => {
  test.each<[string | undefined, number | undefined]>([
    [undefined, undefined],
    ["1", 1],
    ["30", 30],
    [" 45 ", 45],
    [String(MAX_CLEAR_AFTER_SECONDS), MAX_CLEAR_AFTER_SECONDS],
  ])("%p is %p", (raw, expected) => {
    expect(parseClearAfter(raw)).toBe(expected);
  });

  test.each(["", "0", "-1", "1.5", "abc", "1e3", "30s", "0x10", String(MAX_CLEAR_AFTER_SECONDS + 1)])(
    "%p is refused with a usage error naming the range",
    (raw) => {
      expect(() => parseClearAfter(raw)).toThrow(
        `--clear-after takes whole seconds from 1 to ${MAX_CLEAR_AFTER_SECONDS}, not ${JSON.stringify(raw)}`,
      );
      try {
        parseClearAfter(raw);
      } catch (error) {
        expect(error).toMatchObject({ exitCode: 2, hint: expect.stringContaining("--clear-after 30") });
      }
    },
  );
});
