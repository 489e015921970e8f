import { describe, expect, test } from "bun:test";
import {
  CONTROL_CHANNEL,
  controlPacket,
  createPacketReader,
  encodeBoolean,
  encodePacket,
  encodeString,
  encodeU32,
  ProtocolError,
  parseTagstruct,
  readBoolean,
  readString,
  readU32,
  replaceItems,
} from "../../../../src/core/sound/protocol.ts";

const bytes = (...parts: (number[] | Uint8Array)[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const u32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const str = (s: string) => [0x74, ...new TextEncoder().encode(s), 0];
const proplist = (entries: [string, string][]) => [
  0x50,
  ...entries.flatMap(([k, v]) => {
    const value = [...new TextEncoder().encode(v), 0];
    return [...str(k), 0x4c, ...u32(value.length), 0x78, ...u32(value.length), ...value];
  }),
  0x4e,
];

describe("parseTagstruct", () => {
  test.each<[string, Uint8Array, string[]]>([
    ["u32, string, null string", bytes([0x4c, ...u32(8)], str("abc"), [0x4e]), ["L", "t", "N"]],
    [
      "booleans, u8, u64, s64, usec",
      bytes(
        [0x31, 0x30, 0x42, 7],
        [0x52, ...Array(8).fill(1)],
        [0x72, ...Array(8).fill(2)],
        [0x55, ...Array(8).fill(3)],
      ),
      ["1", "0", "B", "R", "r", "U"],
    ],
    [
      "sample spec, timeval, volume",
      bytes([0x61, 3, 2, ...u32(48000)], [0x54, ...u32(1), ...u32(2)], [0x56, ...u32(65536)]),
      ["a", "T", "V"],
    ],
    ["arbitrary", bytes([0x78, ...u32(3), 1, 2, 3]), ["x"]],
    ["channel map and cvolume", bytes([0x6d, 2, 1, 2], [0x76, 2, ...u32(1), ...u32(2)]), ["m", "v"]],
    [
      "a property list",
      bytes(
        proplist([
          ["application.name", "pacat"],
          ["a", ""],
        ]),
      ),
      ["P"],
    ],
    ["an empty property list", bytes([0x50, 0x4e]), ["P"]],
    ["a format info", bytes([0x66, 0x42, 1], proplist([["format.rate", "48000"]])), ["f"]],
  ])("%s", (_, payload, tags) => {
    expect(parseTagstruct(payload).map((i) => i.tag)).toEqual(tags);
  });

  test.each<[string, Uint8Array]>([
    ["an unknown type", bytes([0x4c, ...u32(1), 0x7a])],
    ["a u32 cut short", bytes([0x4c, 0, 0])],
    ["a string without its NUL", bytes([0x74, 0x61, 0x62])],
    ["an arbitrary longer than the packet", bytes([0x78, ...u32(100), 1])],
    ["an arbitrary of 4 GiB", bytes([0x78, ...u32(0xffffffff)])],
    ["a cvolume with more channels than bytes", bytes([0x76, 200, 1, 2])],
    ["a property list that never ends", bytes([0x50, ...str("k"), 0x4c, ...u32(1), 0x78, ...u32(1), 0])],
    ["a property list entry without its length", bytes([0x50, ...str("k"), 0x78, ...u32(1), 0, 0x4e])],
    ["a property list entry that is not a string", bytes([0x50, 0x4c, ...u32(1), 0x4e])],
    ["a format info without its encoding", bytes([0x66, 0x50, 0x4e])],
    ["a tag byte alone at the end", bytes([0x4c, ...u32(1), 0x61])],
  ])("refuses %s", (_, payload) => {
    expect(() => parseTagstruct(payload)).toThrow(ProtocolError);
  });
});

describe("reading and rewriting values", () => {
  const payload = bytes([0x4c, ...u32(20)], str("dockercask"), [0x4e, 0x31]);
  const items = parseTagstruct(payload);

  test("reads each value by its type, and nothing of another type", () => {
    expect([
      readU32(payload, items[0]),
      readString(payload, items[1]),
      readString(payload, items[2]),
      readBoolean(items[3]),
    ]).toEqual([20, "dockercask", null, true]);
    expect([
      readU32(payload, items[1]),
      readString(payload, items[0]),
      readBoolean(items[0]),
      readU32(payload, undefined),
    ]).toEqual([undefined, undefined, undefined, undefined]);
  });

  test("replaces the named items and keeps every other byte", () => {
    const next = replaceItems(
      payload,
      items,
      new Map([
        [1, encodeString("x")],
        [3, encodeBoolean(false)],
      ]),
    );
    const again = parseTagstruct(next);
    expect([
      readU32(next, again[0]),
      readString(next, again[1]),
      readString(next, again[2]),
      readBoolean(again[3]),
    ]).toEqual([20, "x", null, false]);
  });
});

describe("createPacketReader", () => {
  const limits = { maxControl: 64, maxAudio: 1024 };
  const control = controlPacket(encodeU32(20), encodeU32(1));
  const audio = encodePacket({ channel: 3, payload: new Uint8Array(100).fill(7), flags: 1 });

  test("cuts packets out of chunks of any size, in order", () => {
    const stream = bytes(control, audio, control);
    for (const size of [1, 3, 19, 20, 21, 64, stream.length]) {
      const reader = createPacketReader(limits);
      const packets = [];
      for (let at = 0; at < stream.length; at += size) packets.push(...reader.push(stream.subarray(at, at + size)));
      expect(packets.map((p) => [p.channel, p.payload.length, p.flags])).toEqual([
        [CONTROL_CHANNEL, 10, 0],
        [3, 100, 1],
        [CONTROL_CHANNEL, 10, 0],
      ]);
      expect(reader.pending).toBe(0);
    }
  });

  test("holds an unfinished packet, and gives it out once complete", () => {
    const reader = createPacketReader(limits);
    expect(reader.push(audio.subarray(0, 50))).toEqual([]);
    expect(reader.pending).toBe(50);
    expect(reader.push(audio.subarray(50))).toHaveLength(1);
  });

  test.each<[string, Uint8Array]>([
    ["a control packet over its limit", encodePacket({ channel: CONTROL_CHANNEL, payload: new Uint8Array(65) })],
    ["an audio packet over its limit", encodePacket({ channel: 1, payload: new Uint8Array(1025) })],
    ["a length of 4 GiB (the descriptor alone)", bytes(u32(0xffffffff), u32(CONTROL_CHANNEL), u32(0), u32(0), u32(0))],
  ])("refuses %s as soon as its descriptor is in", (_, packet) => {
    expect(() => createPacketReader(limits).push(packet.subarray(0, 20))).toThrow(ProtocolError);
  });
});
