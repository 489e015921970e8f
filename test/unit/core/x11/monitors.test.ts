import { describe, expect, test } from "bun:test";
import {
  createScreenQuery,
  encodeMonitorRequests,
  encodeQueryExtension,
  type Monitor,
  monitorAt,
  monitorScreen,
  parseGetMonitors,
  parseQueryPointer,
  splitAnswers,
} from "../../../../src/core/x11/monitors.ts";
import { encodeSetupRequest } from "../../../../src/core/x11/setup.ts";
import {
  extensionReply,
  type MonitorInfo,
  monitorsReply,
  pointerReply,
  ROOT,
  reply,
  setupAccepted,
  xError,
} from "../../../support/x11-replies.ts";

const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const SCREEN = { width: 1920, height: 1080, widthMm: 508, heightMm: 286 };
const RANDR = 140;

// Two monitors side by side: a 96 dpi one on the left, a 192 dpi one on the right.
const LEFT: MonitorInfo = { x: 0, y: 0, width: 1280, height: 1024, widthMm: 339, heightMm: 271 };
const RIGHT: MonitorInfo = { x: 1280, y: 0, width: 1600, height: 900, widthMm: 212, heightMm: 119, primary: true };
const monitor = (m: MonitorInfo): Monitor => ({
  x: m.x,
  y: m.y,
  width: m.width,
  height: m.height,
  widthMm: m.widthMm,
  heightMm: m.heightMm,
  primary: m.primary ?? false,
  automatic: m.automatic ?? false,
});
const sizeOf = (m: MonitorInfo) => ({ width: m.width, height: m.height, widthMm: m.widthMm, heightMm: m.heightMm });

describe("requests", () => {
  test("QueryExtension: opcode 98, the name's length, the name padded to 4", () => {
    expect([...encodeQueryExtension("RANDR")]).toEqual([
      98,
      0,
      4,
      0,
      5,
      0,
      0,
      0,
      ...new TextEncoder().encode("RANDR"),
      0,
      0,
      0,
    ]);
  });

  test("RRQueryVersion 1.5, QueryPointer and RRGetMonitors(active) on the root, in that order", () => {
    const bytes = encodeMonitorRequests(RANDR, 0x01020304);
    expect([...bytes]).toEqual([
      RANDR,
      0,
      3,
      0,
      1,
      0,
      0,
      0,
      5,
      0,
      0,
      0,
      38,
      0,
      2,
      0,
      4,
      3,
      2,
      1,
      RANDR,
      42,
      3,
      0,
      4,
      3,
      2,
      1,
      1,
      0,
      0,
      0,
    ]);
  });
});

describe("splitAnswers", () => {
  const long = reply(7, () => {}, 8);
  test.each<[string, Uint8Array, { sequence: number; error: boolean; length: number }[], number]>([
    ["nothing", new Uint8Array(), [], 0],
    ["a reply with its extra words", long, [{ sequence: 7, error: false, length: 40 }], 0],
    ["a reply cut short waits", long.subarray(0, 36), [], 36],
    [
      "an error, then a reply",
      cat(
        xError(2),
        reply(3, () => {}),
      ),
      [
        { sequence: 2, error: true, length: 32 },
        { sequence: 3, error: false, length: 32 },
      ],
      0,
    ],
    [
      "an event is skipped",
      cat(
        Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 12 : 0)),
        reply(4, () => {}),
      ),
      [{ sequence: 4, error: false, length: 32 }],
      0,
    ],
    [
      "a whole reply and half of the next",
      cat(
        reply(1, () => {}),
        reply(2, () => {}).subarray(0, 10),
      ),
      [{ sequence: 1, error: false, length: 32 }],
      10,
    ],
  ])("%s", (_, bytes, expected, rest) => {
    const split = splitAnswers(bytes);
    expect(split.answers.map((a) => ({ sequence: a.sequence, error: a.error, length: a.bytes.length }))).toEqual(
      expected,
    );
    expect(split.rest.length).toBe(rest);
  });
});

describe("reply decoders", () => {
  test.each<[string, Uint8Array, { x: number; y: number } | undefined]>([
    ["on this screen", pointerReply(3, { x: 1500, y: 20 }), { x: 1500, y: 20 }],
    ["negative coordinates are signed", pointerReply(3, { x: -5, y: 0 }), { x: -5, y: 0 }],
    ["on another screen", pointerReply(3, "elsewhere"), undefined],
    ["a reply cut short", pointerReply(3, { x: 1, y: 1 }).subarray(0, 16), undefined],
  ])("QueryPointer: %s", (_, bytes, expected) => {
    expect(parseQueryPointer(bytes)).toEqual(expected as never);
  });

  test.each<[string, Uint8Array, Monitor[]]>([
    ["two monitors", monitorsReply(4, [LEFT, RIGHT]), [monitor(LEFT), monitor(RIGHT)]],
    [
      "one the server made from an output",
      monitorsReply(4, [{ ...LEFT, automatic: true }]),
      [monitor({ ...LEFT, automatic: true })],
    ],
    [
      "a monitor with three outputs, then another",
      monitorsReply(4, [{ ...LEFT, outputs: 3 }, RIGHT]),
      [monitor(LEFT), monitor(RIGHT)],
    ],
    ["a virtual monitor with no outputs", monitorsReply(4, [{ ...LEFT, outputs: 0 }]), [monitor(LEFT)]],
    ["none", monitorsReply(4, []), []],
    [
      "a list cut inside its second monitor",
      monitorsReply(4, [LEFT, RIGHT]).subarray(0, 32 + 28 + 10),
      [monitor(LEFT)],
    ],
    ["not even a header", new Uint8Array(8), []],
  ])("RRGetMonitors: %s", (_, bytes, expected) => {
    expect(parseGetMonitors(bytes)).toEqual(expected);
  });
});

describe("monitorAt", () => {
  const left = monitor(LEFT);
  const right = monitor(RIGHT);
  const spanning = monitor({ x: 0, y: 0, width: 2880, height: 1024, widthMm: 0, heightMm: 0 });
  test.each<[string, Monitor[], { x: number; y: number } | undefined, Monitor | undefined]>([
    ["the pointer on the left one", [left, right], { x: 10, y: 10 }, left],
    ["the pointer on the right one", [left, right], { x: 1280, y: 899 }, right],
    ["the last column of the left one is still the left one", [left, right], { x: 1279, y: 0 }, left],
    ["overlapping: the smallest that holds the pointer", [spanning, left, right], { x: 1300, y: 5 }, right],
    [
      "below the shorter right one: only the spanning one holds it",
      [spanning, left, right],
      { x: 1300, y: 1000 },
      spanning,
    ],
    ["pointer outside every monitor: the primary", [left, right], { x: 5000, y: 5000 }, right],
    ["pointer on another screen: the primary", [left, right], undefined, right],
    ["no primary: the first", [left, { ...right, primary: false }], undefined, left],
    ["a monitor of no size is ignored", [{ ...left, width: 0 }, right], { x: 10, y: 10 }, right],
    ["no monitors", [], { x: 1, y: 1 }, undefined],
  ])("%s", (_, monitors, pointer, expected) => {
    expect(monitorAt(monitors, pointer)).toEqual(expected as never);
  });
});

describe("monitorScreen", () => {
  test.each<[string, Monitor | undefined, typeof SCREEN]>([
    ["a monitor: its own size and millimetres", monitor(RIGHT), sizeOf(RIGHT)],
    ["no monitor: the whole screen", undefined, SCREEN],
    [
      "millimetres unknown: the screen's DPI over the monitor's pixels",
      monitor({ x: 0, y: 0, width: 960, height: 540, widthMm: 0, heightMm: 0 }),
      { width: 960, height: 540, widthMm: 254, heightMm: 143 },
    ],
    [
      "a real output at 96 dpi whose size the server knows (not made up: one side differs)",
      monitor({ x: 0, y: 0, width: 1920, height: 1080, widthMm: 510, heightMm: 286, automatic: true }),
      { width: 1920, height: 1080, widthMm: 510, heightMm: 286 },
    ],
    [
      "a client's monitor at exactly 96 dpi is taken as given",
      monitor({ x: 0, y: 0, width: 1920, height: 1080, widthMm: 508, heightMm: 286 }),
      { width: 1920, height: 1080, widthMm: 508, heightMm: 286 },
    ],
  ])("%s", (_, m, expected) => {
    expect(monitorScreen(m, SCREEN)).toEqual(expected);
  });

  test("the server's made-up 96 dpi for an output of no size: the screen's DPI (Xvfb -dpi 100)", () => {
    const xvfb = { width: 1280, height: 800, widthMm: 325, heightMm: 203 };
    const made = monitor({ x: 0, y: 0, width: 1280, height: 800, widthMm: 339, heightMm: 212, automatic: true });
    expect(monitorScreen(made, xvfb)).toEqual(xvfb);
    // The same sizes from a client (xrandr --setmonitor) are what the user said: kept.
    expect(monitorScreen({ ...made, automatic: false }, xvfb)).toEqual({
      width: 1280,
      height: 800,
      widthMm: 339,
      heightMm: 212,
    });
  });
});

describe("createScreenQuery: the conversation", () => {
  const setup = setupAccepted({ screen: SCREEN });
  const cookie = Uint8Array.from({ length: 16 }, (_, i) => i);

  test("starts with the setup request and QueryExtension(RANDR), pipelined", () => {
    expect([...createScreenQuery(cookie).start()]).toEqual([
      ...encodeSetupRequest(cookie),
      ...encodeQueryExtension("RANDR"),
    ]);
  });

  type Exchange = { received: Uint8Array[]; sends: Uint8Array[]; screen: typeof SCREEN | undefined; refused?: string };
  // RRQueryVersion's reply (its content is not read), then the other two.
  const answers = (pointer: Uint8Array, monitors: Uint8Array) =>
    cat(
      reply(2, () => {}),
      pointer,
      monitors,
    );
  test.each<[string, Exchange]>([
    [
      "the monitor under the pointer",
      {
        received: [
          cat(setup, extensionReply(1, RANDR)),
          answers(pointerReply(3, { x: 1400, y: 10 }), monitorsReply(4, [LEFT, RIGHT])),
        ],
        sends: [encodeMonitorRequests(RANDR, ROOT)],
        screen: sizeOf(RIGHT),
      },
    ],
    [
      "the same, each answer arriving byte by byte",
      {
        received: [...cat(setup, extensionReply(1, RANDR))]
          .map((b) => Uint8Array.of(b))
          .concat(
            [...answers(pointerReply(3, { x: 5, y: 5 }), monitorsReply(4, [LEFT, RIGHT]))].map((b) => Uint8Array.of(b)),
          ),
        sends: [encodeMonitorRequests(RANDR, ROOT)],
        screen: sizeOf(LEFT),
      },
    ],
    [
      "no RandR: the whole screen after one round trip",
      { received: [cat(setup, extensionReply(1, undefined))], sends: [], screen: SCREEN },
    ],
    [
      "RandR older than 1.5 (GetMonitors is a BadRequest): the whole screen",
      {
        received: [
          cat(setup, extensionReply(1, RANDR)),
          cat(
            reply(2, () => {}),
            pointerReply(3, { x: 5, y: 5 }),
            xError(4),
          ),
        ],
        sends: [encodeMonitorRequests(RANDR, ROOT)],
        screen: SCREEN,
      },
    ],
    [
      "no monitors: the whole screen",
      {
        received: [
          cat(setup, extensionReply(1, RANDR)),
          answers(pointerReply(3, { x: 5, y: 5 }), monitorsReply(4, [])),
        ],
        sends: [encodeMonitorRequests(RANDR, ROOT)],
        screen: SCREEN,
      },
    ],
    [
      "the pointer on another screen: the primary monitor",
      {
        received: [
          cat(setup, extensionReply(1, RANDR)),
          answers(pointerReply(3, "elsewhere"), monitorsReply(4, [LEFT, RIGHT])),
        ],
        sends: [encodeMonitorRequests(RANDR, ROOT)],
        screen: sizeOf(RIGHT),
      },
    ],
    [
      "refused",
      {
        received: [Uint8Array.from([0, 4, 11, 0, 0, 0, 1, 0, ...new TextEncoder().encode("nope")])],
        sends: [],
        screen: undefined,
        refused: "nope",
      },
    ],
    [
      "accepted without a screen",
      { received: [cat(setupAccepted({ screens: 0 }), extensionReply(1, RANDR))], sends: [], screen: undefined },
    ],
  ])("%s", (_, exchange) => {
    const query = createScreenQuery(cookie);
    query.start();
    const sends: Uint8Array[] = [];
    let result: { screen: unknown; refused?: string } | undefined;
    for (const chunk of exchange.received) {
      expect(result).toBeUndefined();
      const step = query.receive(chunk);
      if (step.status === "waiting") {
        if (step.send) sends.push(step.send);
      } else result = { screen: step.screen, refused: step.refused };
    }
    expect(sends).toEqual(exchange.sends);
    expect(result).toEqual({ screen: exchange.screen, refused: exchange.refused });
  });
});
