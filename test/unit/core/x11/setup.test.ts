import { describe, expect, test } from "bun:test";
import {
  connectionAddress,
  encodeSetupRequest,
  encodeXauthority,
  FAMILY,
  isLocalDisplay,
  parseDisplayName,
  parseSetupReply,
  parseXauthority,
  pickCookie,
  type XauthEntry,
} from "../../../../src/core/x11/setup.ts";
import { ROOT, setupAccepted } from "../../../support/x11-replies.ts";

const text = (s: string) => new TextEncoder().encode(s);
const bytes = (...values: number[]) => Uint8Array.from(values);

/** One Xauthority entry as libXau writes it: big-endian lengths, each field counted. */
function xauthEntry(family: number, address: Uint8Array, number: string, name: string, data: Uint8Array): Uint8Array {
  const field = (value: Uint8Array) => [value.length >> 8, value.length & 0xff, ...value];
  return Uint8Array.from([
    family >> 8,
    family & 0xff,
    ...field(address),
    ...field(text(number)),
    ...field(text(name)),
    ...field(data),
  ]);
}

const COOKIE = bytes(...Array.from({ length: 16 }, (_, i) => i));
const OTHER = bytes(...Array.from({ length: 16 }, () => 0xee));

describe("parseDisplayName", () => {
  test.each([
    [":0", { transport: "unix", path: "/tmp/.X11-unix/X0", number: "0" }],
    [":12.1", { transport: "unix", path: "/tmp/.X11-unix/X12", number: "12" }],
    ["unix:3", { transport: "unix", path: "/tmp/.X11-unix/X3", number: "3" }],
    [" :1 ", { transport: "unix", path: "/tmp/.X11-unix/X1", number: "1" }],
    ["localhost:10.0", { transport: "tcp", host: "localhost", port: 6010, number: "10" }],
    ["192.168.1.5:1", { transport: "tcp", host: "192.168.1.5", port: 6001, number: "1" }],
    ["[::1]:2", { transport: "tcp", host: "::1", port: 6002, number: "2" }],
    [":01", { transport: "unix", path: "/tmp/.X11-unix/X1", number: "1" }],
  ])("%p", (display, expected) => {
    expect(parseDisplayName(display)).toEqual(expected as never);
  });

  test.each(["", "0", ":", ":x", "host", ":0.", "decnet::0", "/tmp/launch-a/org.xquartz:0", "far:99999"])(
    "%p is not a display we can reach",
    (display) => {
      expect(parseDisplayName(display)).toBeUndefined();
    },
  );
});

describe("parseXauthority", () => {
  test("reads every entry, in order", () => {
    const file = Uint8Array.from([
      ...xauthEntry(FAMILY.local, text("desk"), "0", "MIT-MAGIC-COOKIE-1", COOKIE),
      ...xauthEntry(FAMILY.wild, bytes(), "", "MIT-MAGIC-COOKIE-1", OTHER),
    ]);
    expect(parseXauthority(file)).toEqual([
      { family: FAMILY.local, address: text("desk"), number: "0", name: "MIT-MAGIC-COOKIE-1", data: COOKIE },
      { family: FAMILY.wild, address: bytes(), number: "", name: "MIT-MAGIC-COOKIE-1", data: OTHER },
    ]);
  });

  test.each([
    ["an empty file", bytes(), 0],
    ["one byte", bytes(1), 0],
    [
      "a whole entry, then a family alone",
      Uint8Array.from([...xauthEntry(FAMILY.local, text("a"), "0", "X", COOKIE), 1, 0]),
      1,
    ],
    ["an entry cut inside its cookie", xauthEntry(FAMILY.local, text("a"), "0", "X", COOKIE).subarray(0, 20), 0],
    ["a length past the end", bytes(0xff, 0xff, 0xff, 0xff), 0],
  ])("keeps what is whole in %s", (_, file, count) => {
    expect(parseXauthority(file)).toHaveLength(count);
  });
});

describe("encodeXauthority", () => {
  test.each<[string, XauthEntry]>([
    [
      "a wild entry with no address or display",
      { family: FAMILY.wild, address: bytes(), number: "", name: "MIT-MAGIC-COOKIE-1", data: COOKIE },
    ],
    [
      "a local entry for display 12",
      { family: FAMILY.local, address: text("desk"), number: "12", name: "MIT-MAGIC-COOKIE-1", data: OTHER },
    ],
  ])("writes %s as libXau does, and parseXauthority reads it back", (_, entry) => {
    const file = encodeXauthority([entry, entry]);
    const one = xauthEntry(entry.family, entry.address, entry.number, entry.name, entry.data);
    expect(file).toEqual(Uint8Array.from([...one, ...one]));
    expect(parseXauthority(file)).toEqual([entry, entry]);
  });
});

describe("pickCookie", () => {
  const entry = (
    family: number,
    address: string,
    number: string,
    data: Uint8Array,
    name = "MIT-MAGIC-COOKIE-1",
  ): XauthEntry => ({
    family,
    address: text(address),
    number,
    name,
    data,
  });
  const local = (number: string) => ({ family: FAMILY.local, address: text("desk"), number });

  test.each<[string, XauthEntry[], ReturnType<typeof local>, Uint8Array | undefined]>([
    ["our host and display", [entry(FAMILY.local, "desk", "0", COOKIE)], local("0"), COOKIE],
    ["another display of ours", [entry(FAMILY.local, "desk", "1", COOKIE)], local("0"), undefined],
    ["another host", [entry(FAMILY.local, "laptop", "0", COOKIE)], local("0"), undefined],
    ["a wild entry for any display", [entry(FAMILY.wild, "", "", COOKIE)], local("7"), COOKIE],
    ["a wild entry for another display", [entry(FAMILY.wild, "", "1", COOKIE)], local("0"), undefined],
    ["an entry without a display number", [entry(FAMILY.local, "desk", "", COOKIE)], local("3"), COOKIE],
    [
      "the first match, not the last",
      [entry(FAMILY.local, "desk", "0", COOKIE), entry(FAMILY.wild, "", "", OTHER)],
      local("0"),
      COOKIE,
    ],
    [
      "a protocol we do not speak, skipped",
      [entry(FAMILY.local, "desk", "0", OTHER, "XDM-AUTHORIZATION-1"), entry(FAMILY.wild, "", "", COOKIE)],
      local("0"),
      COOKIE,
    ],
    ["the same address in another family", [entry(FAMILY.internet, "desk", "0", COOKIE)], local("0"), undefined],
    ["an empty file", [], local("0"), undefined],
  ])("%s", (_, entries, connection, expected) => {
    expect(pickCookie(entries, connection)).toEqual(expected as never);
  });
});

describe("connectionAddress", () => {
  const unix = parseDisplayName(":0")!;
  const tcp = parseDisplayName("far:0")!;
  test.each<[string, ReturnType<typeof parseDisplayName>, string | undefined, number, number[]]>([
    ["a unix socket: our host name", unix, undefined, FAMILY.local, [...text("desk")]],
    ["TCP to loopback (ssh -X): our host name", tcp, "127.0.0.1", FAMILY.local, [...text("desk")]],
    ["TCP to ::1: our host name", tcp, "::1", FAMILY.local, [...text("desk")]],
    [
      "TCP to another loopback address: that address, as libxcb does",
      tcp,
      "127.0.0.2",
      FAMILY.internet,
      [127, 0, 0, 2],
    ],
    ["TCP to another machine: its IPv4 address", tcp, "192.168.1.5", FAMILY.internet, [192, 168, 1, 5]],
    ["an IPv4-mapped peer: the IPv4 address", tcp, "::ffff:10.0.0.2", FAMILY.internet, [10, 0, 0, 2]],
    [
      "TCP over IPv6: 16 bytes",
      tcp,
      "fe80::1:2",
      FAMILY.internet6,
      [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2],
    ],
  ])("%s", (_, target, peer, family, address) => {
    const result = connectionAddress(target!, "desk", peer);
    expect([result.family, [...result.address], result.number]).toEqual([family, address, "0"]);
  });
});

describe("isLocalDisplay", () => {
  test.each([
    [":0", true],
    ["unix:1", true],
    ["localhost:10.0", true],
    ["127.0.0.1:2", true],
    ["127.0.0.2:2", false],
    ["[::1]:3", true],
    ["192.168.1.5:0", false],
    ["far.example:0", false],
  ])("%p: %p", (display, local) => {
    expect(isLocalDisplay(parseDisplayName(display)!)).toBe(local);
  });
});

describe("encodeSetupRequest", () => {
  test("without a cookie: the 12-byte header, little-endian, protocol 11.0", () => {
    expect([...encodeSetupRequest()]).toEqual([0x6c, 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  test("with a cookie: the protocol name and the cookie, each padded to 4 bytes", () => {
    const request = encodeSetupRequest(COOKIE);
    expect(request.length).toBe(12 + 20 + 16);
    expect([...request.subarray(6, 10)]).toEqual([18, 0, 16, 0]);
    expect(new TextDecoder().decode(request.subarray(12, 30))).toBe("MIT-MAGIC-COOKIE-1");
    expect([...request.subarray(30, 32)]).toEqual([0, 0]);
    expect([...request.subarray(32)]).toEqual([...COOKIE]);
  });
});

describe("parseSetupReply", () => {
  const accepted = setupAccepted;
  const first = { width: 1920, height: 1080, widthMm: 508, heightMm: 286 };

  test.each([
    ["the usual reply", accepted()],
    ["a vendor name that needs padding", accepted({ vendor: `Xvfb${"x".repeat(5)}` })],
    ["no pixmap formats", accepted({ formats: 0 })],
    ["two screens: the first one", accepted({ screens: 2 })],
  ])("reads the first screen from %s", (_, reply) => {
    expect(parseSetupReply(reply)).toEqual({ status: "accepted", screen: first, root: ROOT, length: reply.length });
  });

  test.each([
    ["a success reply with only its header", Uint8Array.from([1, 0, 11, 0, 0, 0, 0, 0])],
    [
      "a success reply cut before the screen count",
      Uint8Array.from([1, 0, 11, 0, 0, 0, 5, 0, ...new Array(20).fill(0)]),
    ],
    [
      "a screen cut short of its 40 bytes",
      (() => {
        const whole = accepted({ formats: 0 });
        const cut = whole.slice(0, whole.length - 12);
        new DataView(cut.buffer).setUint16(6, (cut.length - 8) / 4, true);
        return cut;
      })(),
    ],
  ])("%s: accepted, with no screen (and no throw)", (_, reply) => {
    expect(parseSetupReply(reply)).toEqual({ status: "accepted", screen: undefined, length: reply.length });
  });

  test("a reply without screens is accepted, with no screen", () => {
    const reply = accepted({ screens: 0 });
    expect(parseSetupReply(reply)).toEqual({ status: "accepted", screen: undefined, length: reply.length });
  });

  test.each([0, 1, 7, 8, 100])("waits for the rest when only %i bytes have come", (length) => {
    expect(parseSetupReply(accepted().subarray(0, length))).toEqual({ status: "incomplete" });
  });

  test.each([
    [
      "Failed, with its reason",
      Uint8Array.from([0, 22, 11, 0, 0, 0, 6, 0, ...text("Authorization required"), 0, 0]),
      "Authorization required",
    ],
    ["Authenticate, padded with zeros", Uint8Array.from([2, 0, 0, 0, 0, 0, 2, 0, ...text("more"), 0, 0, 0, 0]), "more"],
    ["Failed, without a reason", Uint8Array.from([0, 0, 11, 0, 0, 0, 0, 0]), "refused"],
  ])("a refusal: %s", (_, reply, reason) => {
    expect(parseSetupReply(reply)).toEqual({ status: "refused", reason });
  });
});
