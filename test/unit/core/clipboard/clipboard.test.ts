import { describe, expect, test } from "bun:test";
import type { ClipboardPolicy } from "../../../../src/core/catalog/policy.ts";
import {
  allowedDirections,
  type ClipboardDecision,
  type ClipDirection,
  clipAllowed,
  clipboardSelections,
  createClipboardSync,
  otherSide,
  type Side,
  watchesClipboard,
} from "../../../../src/core/clipboard/clipboard.ts";
import { type ClipboardContent, textContent } from "../../../../src/core/clipboard/content.ts";

type Content = Parameters<ReturnType<typeof createClipboardSync>["decide"]>[1];

/**
 * One call on the sync and what it must answer. `changed` answers nothing; `next` and
 * `decide` carry their expected answer, so a scenario reads as a transcript.
 */
type Step =
  | { call: "changed"; side: Side; at: number }
  | { call: "next"; expect: Side | undefined }
  | { call: "decide"; side: Side; content: Content; expect: ClipboardDecision };

const changed = (side: Side, at: number): Step => ({ call: "changed", side, at });
const next = (expected: Side | undefined): Step => ({ call: "next", expect: expected });
const decide = (side: Side, content: Content, expected: ClipboardDecision): Step => ({
  call: "decide",
  side,
  content,
  expect: expected,
});
const text = (t: string): Content => textContent(t);
/** Bytes of an image, and every byte value that could trip a text path: NUL, CR, LF, invalid UTF-8. */
const image = (target: string, ...bytes: number[]): ClipboardContent => ({ target, data: new Uint8Array(bytes) });
const PNG = image("image/png", 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe);

const copy = (to: Side, t: string | ClipboardContent): ClipboardDecision => ({
  action: "copy",
  to,
  content: typeof t === "string" ? textContent(t) : t,
});
const ignored = (reason: "echo" | "empty" | "policy" | "deferred" | "duplicate"): ClipboardDecision => ({
  action: "ignore",
  reason,
});
const refused = (bytes: number): ClipboardDecision => ({ action: "refuse", reason: "too-large", bytes });

/** A change on `side` at `at` that is read at once and holds `t`. */
const carry = (side: Side, at: number, t: string | ClipboardContent, expected: ClipboardDecision): Step[] => [
  changed(side, at),
  next(side),
  decide(side, typeof t === "string" ? text(t) : t, expected),
];

/** Runs the steps; returns each step with what the sync actually answered, to compare with the steps themselves. */
function run(policy: ClipboardPolicy, steps: Step[], maxBytes?: number): Step[] {
  const sync = createClipboardSync(policy, maxBytes);
  return steps.map((step) => {
    switch (step.call) {
      case "changed":
        sync.changed(step.side, step.at);
        return step;
      case "next":
        return { ...step, expect: sync.next() };
      default: // "decide", the last kind of step
        return { ...step, expect: sync.decide(step.side, step.content) };
    }
  });
}

interface Scenario {
  name: string;
  policy: ClipboardPolicy;
  maxBytes?: number;
  steps: Step[];
}

const scenarios: Scenario[] = [
  // Policies: which sides are read, and where their values go.
  {
    name: "both: the host is read and copied to the app",
    policy: "both",
    steps: carry("host", 1, "x", copy("app", "x")),
  },
  {
    name: "both: the app is read and copied to the host",
    policy: "both",
    steps: carry("app", 1, "x", copy("host", "x")),
  },
  {
    name: "to-app: the host is read and copied to the app",
    policy: "to-app",
    steps: carry("host", 1, "x", copy("app", "x")),
  },
  {
    name: "to-app: the app is never read",
    policy: "to-app",
    steps: [changed("app", 1), next(undefined), decide("app", text("x"), ignored("policy"))],
  },
  {
    name: "from-app: the app is read and copied to the host",
    policy: "from-app",
    steps: carry("app", 1, "x", copy("host", "x")),
  },
  {
    name: "from-app: the host is never read",
    policy: "from-app",
    steps: [changed("host", 1), next(undefined), decide("host", text("x"), ignored("policy"))],
  },
  {
    name: "off: neither side is read",
    policy: "off",
    steps: [
      changed("host", 1),
      changed("app", 2),
      next(undefined),
      decide("host", text("x"), ignored("policy")),
      decide("app", text("y"), ignored("policy")),
    ],
  },
  {
    name: "to-app: a change on the app is ignored, the host's is still read",
    policy: "to-app",
    steps: [changed("app", 5), changed("host", 1), next("host"), next(undefined)],
  },
  {
    name: "from-app: a change on the host is ignored, the app's is still read",
    policy: "from-app",
    steps: [changed("host", 5), changed("app", 1), next("app"), next(undefined)],
  },

  // explicit: the watch carries nothing, either way.
  {
    name: "explicit: neither side is read",
    policy: "explicit",
    steps: [
      changed("host", 1),
      changed("app", 2),
      next(undefined),
      decide("host", text("x"), ignored("policy")),
      decide("app", PNG, ignored("policy")),
    ],
  },

  // Binary content: images, byte for byte.
  {
    name: "an image from the host reaches the app, its bytes and type untouched",
    policy: "both",
    steps: carry("host", 1, PNG, copy("app", PNG)),
  },
  {
    name: "an image from the app reaches the host",
    policy: "both",
    steps: carry(
      "app",
      1,
      image("image/jpeg", 0xff, 0xd8, 0, 0xff),
      copy("host", image("image/jpeg", 0xff, 0xd8, 0, 0xff)),
    ),
  },
  {
    name: "to-app: an image in the app is never read",
    policy: "to-app",
    steps: [changed("app", 1), next(undefined), decide("app", PNG, ignored("policy"))],
  },
  {
    name: "from-app: an image on the host is never read",
    policy: "from-app",
    steps: [changed("host", 1), next(undefined), decide("host", PNG, ignored("policy"))],
  },
  {
    name: "off: an image is not read",
    policy: "off",
    steps: [changed("host", 1), next(undefined), decide("host", PNG, ignored("policy"))],
  },
  {
    name: "the echo of an image written is recognised",
    policy: "both",
    steps: [...carry("host", 1, PNG, copy("app", PNG)), ...carry("app", 2, PNG, ignored("echo"))],
  },
  {
    name: "the same bytes under another type are not an echo",
    policy: "both",
    steps: [
      ...carry("host", 1, PNG, copy("app", PNG)),
      ...carry(
        "app",
        2,
        { target: "image/bmp", data: PNG.data },
        copy("host", { target: "image/bmp", data: PNG.data }),
      ),
    ],
  },
  {
    name: "an image differing in its last byte is not an echo",
    policy: "both",
    steps: [
      ...carry("host", 1, image("image/png", 1, 2, 3), copy("app", image("image/png", 1, 2, 3))),
      ...carry("app", 2, image("image/png", 1, 2, 4), copy("host", image("image/png", 1, 2, 4))),
    ],
  },
  {
    name: "text whose bytes equal an image's is not its echo",
    policy: "both",
    steps: [
      ...carry("host", 1, image("image/png", 0x61), copy("app", image("image/png", 0x61))),
      ...carry("app", 2, "a", copy("host", "a")),
    ],
  },
  {
    name: "text then an image then the text again: each is carried",
    policy: "both",
    steps: [
      ...carry("host", 1, "x", copy("app", "x")),
      ...carry("host", 2, PNG, copy("app", PNG)),
      ...carry("host", 3, "x", copy("app", "x")),
    ],
  },
  {
    name: "an image whose bytes are not its type is refused, naming the type, and a real one after it passes",
    policy: "both",
    steps: [
      changed("app", 1),
      next("app"),
      decide("app", { malformed: "image/png" }, { action: "refuse", reason: "malformed", target: "image/png" }),
      ...carry("app", 2, PNG, copy("host", PNG)),
    ],
  },
  {
    name: "an image with no bytes is empty",
    policy: "both",
    steps: [changed("host", 1), next("host"), decide("host", image("image/png"), ignored("empty"))],
  },
  {
    name: "an image at the limit is carried",
    policy: "both",
    maxBytes: 4,
    steps: carry("app", 1, image("image/png", 0, 1, 2, 3), copy("host", image("image/png", 0, 1, 2, 3))),
  },
  {
    name: "an image one byte over the limit is refused",
    policy: "both",
    maxBytes: 4,
    steps: carry("app", 1, image("image/png", 0, 1, 2, 3, 4), refused(5)),
  },
  {
    name: "an image refused as too large leaves the way open: the next small one passes",
    policy: "both",
    maxBytes: 4,
    steps: [
      changed("app", 1),
      next("app"),
      decide("app", { tooLarge: 9 }, refused(9)),
      ...carry("app", 2, image("image/png", 7), copy("host", image("image/png", 7))),
    ],
  },

  // Echoes of our own writes.
  {
    name: "host -> app: the app reporting the same value is an echo; a new value after it is copied",
    policy: "both",
    steps: [
      ...carry("host", 1, "x", copy("app", "x")),
      ...carry("app", 2, "x", ignored("echo")),
      ...carry("app", 3, "y", copy("host", "y")),
      ...carry("host", 4, "y", ignored("echo")),
    ],
  },
  {
    name: "app -> host: the host reporting the same value is an echo",
    policy: "both",
    steps: [
      ...carry("app", 1, "x", copy("host", "x")),
      ...carry("host", 2, "x", ignored("echo")),
      ...carry("host", 3, "z", copy("app", "z")),
    ],
  },
  {
    name: "a value carried before is carried again once something else was carried in between",
    policy: "both",
    steps: [
      ...carry("host", 1, "x", copy("app", "x")),
      ...carry("app", 2, "y", copy("host", "y")),
      ...carry("host", 3, "x", copy("app", "x")),
    ],
  },
  {
    name: "the same value again from the same side, after another value went the other way",
    policy: "both",
    steps: [
      ...carry("host", 1, "x", copy("app", "x")),
      ...carry("host", 2, "y", copy("app", "y")),
      ...carry("host", 3, "x", copy("app", "x")),
    ],
  },

  // Empty or cleared content.
  {
    name: "an emptied selection (undefined) is not carried",
    policy: "both",
    steps: [changed("host", 1), next("host"), decide("host", undefined, ignored("empty"))],
  },
  {
    name: "an empty string is not carried",
    policy: "both",
    steps: [changed("app", 1), next("app"), decide("app", text(""), ignored("empty"))],
  },
  {
    name: "the host emptied before our write's echo was read: the echo is still recognised",
    policy: "both",
    steps: [
      ...carry("host", 1, "x", copy("app", "x")),
      changed("app", 2),
      changed("host", 3),
      next("host"),
      decide("host", text(""), ignored("empty")),
      next("app"),
      decide("app", text("x"), ignored("echo")),
    ],
  },

  // Size limit, in UTF-8 bytes.
  {
    name: "content the adapter found too large is refused",
    policy: "both",
    maxBytes: 4,
    steps: [changed("host", 1), next("host"), decide("host", { tooLarge: 5000 }, refused(5000))],
  },
  {
    name: "ASCII at the limit is carried",
    policy: "both",
    maxBytes: 4,
    steps: carry("host", 1, "abcd", copy("app", "abcd")),
  },
  {
    name: "ASCII one byte over the limit is refused",
    policy: "both",
    maxBytes: 4,
    steps: carry("host", 1, "abcde", refused(5)),
  },
  {
    name: "two 2-byte chars fill 4 bytes exactly",
    policy: "both",
    maxBytes: 4,
    steps: carry("app", 1, "éé", copy("host", "éé")),
  },
  {
    name: "three chars but 6 bytes are refused",
    policy: "both",
    maxBytes: 4,
    steps: carry("app", 1, "ééé", refused(6)),
  },
  {
    name: "one 4-byte emoji plus one char is 5 bytes: refused",
    policy: "both",
    maxBytes: 4,
    steps: carry("host", 1, "😀a", refused(5)),
  },
  {
    // Else the echo would be copied back and replace what the user just copied on the host.
    name: "a refused value is not taken as carried: the echo of the value before it is still recognised",
    policy: "both",
    maxBytes: 4,
    steps: [
      ...carry("host", 1, "ab", copy("app", "ab")),
      changed("app", 2),
      changed("host", 3),
      next("host"),
      decide("host", text("abcdef"), refused(6)),
      next("app"),
      decide("app", text("ab"), ignored("echo")),
    ],
  },

  // Duplicates: what the other side holds by our own write is not written there again.
  {
    // The host's value carried in at start, then the host's change event for that same copy.
    name: "both: the host read twice with the same value is carried once: the app holds it already",
    policy: "both",
    steps: [...carry("host", 1, "x", copy("app", "x")), ...carry("host", 2, "x", ignored("duplicate"))],
  },
  {
    name: "both: once the app held something else (read), the same host value is carried again",
    policy: "both",
    steps: [
      ...carry("host", 1, "x", copy("app", "x")),
      ...carry("app", 2, "a", copy("host", "a")),
      ...carry("host", 3, "x", copy("app", "x")),
    ],
  },
  {
    name: "both: once the app's clipboard emptied (our owner gone), the same host value is carried again",
    policy: "both",
    steps: [
      ...carry("host", 1, "x", copy("app", "x")),
      changed("app", 2),
      next("app"),
      decide("app", undefined, ignored("empty")),
      ...carry("host", 3, "x", copy("app", "x")),
    ],
  },

  // Changes on both sides before either was read.
  { name: "next() with nothing changed", policy: "both", steps: [next(undefined)] },
  {
    name: "the app changed last: it is read first, its copy supersedes the host's older change",
    policy: "both",
    steps: [
      changed("host", 1),
      changed("app", 2),
      next("app"),
      decide("app", text("a"), copy("host", "a")),
      next(undefined),
    ],
  },
  {
    name: "the host changed last: it is read first, its copy supersedes the app's older change",
    policy: "both",
    steps: [
      changed("app", 1),
      changed("host", 2),
      next("host"),
      decide("host", text("h"), copy("app", "h")),
      next(undefined),
    ],
  },
  {
    name: "the newer side holds only an echo: the older change on the other side is still read",
    policy: "both",
    steps: [
      ...carry("host", 1, "x", copy("app", "x")),
      changed("host", 2),
      changed("app", 3),
      next("app"),
      decide("app", text("x"), ignored("echo")),
      next("host"),
      decide("host", text("h"), copy("app", "h")),
      next(undefined),
    ],
  },
  {
    name: "the newer side is empty: the older change on the other side is still read",
    policy: "both",
    steps: [
      changed("host", 1),
      changed("app", 2),
      next("app"),
      decide("app", undefined, ignored("empty")),
      next("host"),
      decide("host", text("h"), copy("app", "h")),
    ],
  },
  {
    // The user copied in the app while the host's older value was being read: it must not be overwritten.
    name: "a change on the other side while one is read: the read value waits, the newer other side wins",
    policy: "both",
    steps: [
      changed("host", 1),
      next("host"),
      changed("app", 2),
      decide("host", text("h"), ignored("deferred")),
      next("app"),
      decide("app", text("a"), copy("host", "a")),
      next(undefined),
    ],
  },
  {
    name: "a change on the other side while one is read, which is only our own write reported late: the read side is carried on its second read",
    policy: "both",
    steps: [
      ...carry("host", 1, "x", copy("app", "x")),
      changed("host", 2),
      next("host"),
      changed("app", 3),
      decide("host", text("h"), ignored("deferred")),
      next("app"),
      decide("app", text("x"), ignored("echo")),
      next("host"),
      decide("host", text("h"), copy("app", "h")),
      next(undefined),
    ],
  },
  {
    name: "a change on the other side while one is read, and this side changes again meanwhile: both are read, newest first",
    policy: "both",
    steps: [
      changed("host", 1),
      next("host"),
      changed("app", 2),
      changed("host", 3),
      decide("host", text("h1"), ignored("deferred")),
      next("host"),
      decide("host", text("h3"), copy("app", "h3")),
      next(undefined),
    ],
  },
  {
    name: "several changes on one side count once, at the latest",
    policy: "both",
    steps: [changed("host", 1), changed("app", 2), changed("host", 3), next("host"), next("app"), next(undefined)],
  },
  {
    name: "a change reported out of order does not make a side older",
    policy: "both",
    steps: [changed("host", 3), changed("host", 1), changed("app", 2), next("host"), next("app"), next(undefined)],
  },
];

describe("createClipboardSync", () => {
  test.each(scenarios.map((s) => [s.name, s] as const))("%s", (_, scenario) => {
    expect(run(scenario.policy, scenario.steps, scenario.maxBytes)).toEqual(scenario.steps);
  });

  // Regression: with a one-way policy the receiving side is never read, so a single
  // remembered value once outlived the user's own copy there, and copying the first value
  // again on the sending side was taken for an echo and never arrived.
  test.each<[string, ClipboardPolicy, Side]>([
    ["to-app: copying a value on the host again reaches the app", "to-app", "host"],
    ["from-app: copying a value in the app again reaches the host", "from-app", "app"],
  ])("%s", (_, policy, from) => {
    // Between the two copies the user copied something else on the receiving side, which is never read.
    const steps = [
      ...carry(from, 1, "x", copy(otherSide(from), "x")),
      ...carry(from, 2, "x", copy(otherSide(from), "x")),
    ];
    expect(run(policy, steps)).toEqual(steps);
  });
});

test.each<[ClipboardPolicy, { toApp: boolean; fromApp: boolean }]>([
  ["both", { toApp: true, fromApp: true }],
  ["to-app", { toApp: true, fromApp: false }],
  ["from-app", { toApp: false, fromApp: true }],
  ["explicit", { toApp: false, fromApp: false }],
  ["off", { toApp: false, fromApp: false }],
])("allowedDirections(%p)", (policy, expected) => {
  expect(allowedDirections(policy)).toEqual(expected);
  expect(watchesClipboard(policy)).toBe(expected.toApp || expected.fromApp);
});

test.each<[ClipboardPolicy, ClipDirection, boolean]>([
  ["both", "push", true],
  ["both", "pull", true],
  ["to-app", "push", true],
  ["to-app", "pull", false],
  ["from-app", "push", false],
  ["from-app", "pull", true],
  ["explicit", "push", true],
  ["explicit", "pull", true],
  ["off", "push", false],
  ["off", "pull", false],
])("clipAllowed(%p, %p) is %p", (policy, direction, expected) => {
  expect(clipAllowed(policy, direction)).toBe(expected);
});

test.each<[Side, Side]>([
  ["host", "app"],
  ["app", "host"],
])("otherSide(%p) is %p", (side, expected) => {
  expect(otherSide(side)).toBe(expected);
});

describe("clipboardSelections", () => {
  test.each([
    [false, ["CLIPBOARD"]],
    [true, ["CLIPBOARD", "PRIMARY"]],
  ] as const)("primary %p carries %p", (primary, selections) => {
    expect(clipboardSelections(primary)).toEqual([...selections]);
  });
});
