import { describe, expect, test } from "bun:test";
import {
  ATOM_TYPE,
  answerOf,
  isOwnerChange,
  type PropertyReply,
  SELECTION_NOTIFY,
  targetAtoms,
} from "../../../../src/core/clipboard/selection-targets.ts";

const atomsData = (...ids: number[]) => {
  const data = new Uint8Array(ids.length * 4);
  for (const [i, id] of ids.entries()) new DataView(data.buffer).setUint32(i * 4, id, true);
  return data;
};
const reply = (over: Partial<PropertyReply> = {}): PropertyReply => ({
  type: ATOM_TYPE,
  format: 32,
  bytesAfter: 0,
  data: atomsData(300, 301, 4),
  ...over,
});

describe("targetAtoms", () => {
  test.each<[string, PropertyReply, number[] | undefined]>([
    ["a list of atoms, in the owner's order", reply(), [300, 301, 4]],
    ["None and repeats dropped", reply({ data: atomsData(300, 0, 300, 301) }), [300, 301]],
    ["an empty list", reply({ data: new Uint8Array() }), []],
    [
      "exactly the cap",
      reply({ data: atomsData(...Array.from({ length: 8 }, (_, i) => i + 100)) }),
      Array.from({ length: 8 }, (_, i) => i + 100),
    ],
    ["over the cap", reply({ data: atomsData(...Array.from({ length: 9 }, (_, i) => i + 100)) }), undefined],
    ["more than was read", reply({ bytesAfter: 4 }), undefined],
    ["INCR (or any type but ATOM)", reply({ type: 400 }), undefined],
    ["no property at all (type None)", reply({ type: 0, format: 0, data: new Uint8Array() }), undefined],
    ["8-bit", reply({ format: 8 }), undefined],
    ["16-bit", reply({ format: 16 }), undefined],
    ["a length that is no whole number of atoms", reply({ data: new Uint8Array(6) }), undefined],
  ])("%s", (_, input, expected) => {
    expect(targetAtoms(input, 8)).toEqual(expected);
  });

  test("reads a slice of a larger buffer at its own offset", () => {
    const big = atomsData(9, 300, 301);
    expect(targetAtoms(reply({ data: big.subarray(4) }))).toEqual([300, 301]);
  });
});

describe("answerOf", () => {
  const pending = { requestor: 0x200001, selection: 69, target: 70, property: 71 };
  const notify = {
    type: SELECTION_NOTIFY,
    name: "SelectionNotify",
    requestor: 0x200001,
    selection: 69,
    target: 70,
    property: 71,
  };
  test.each<[string, object, typeof pending | undefined, ReturnType<typeof answerOf>]>([
    ["the answer, in our property", notify, pending, "answered"],
    ["refused: property None", { ...notify, property: 0 }, pending, "refused"],
    ["a property we did not ask for", { ...notify, property: 99 }, pending, "refused"],
    ["nothing waiting: unsolicited", notify, undefined, "ignore"],
    ["another window (an old one of ours)", { ...notify, requestor: 0x200002 }, pending, "ignore"],
    ["another selection", { ...notify, selection: 1 }, pending, "ignore"],
    ["another target", { ...notify, target: 31 }, pending, "ignore"],
    [
      "XFixes' SelectionNotify: same name, no requestor",
      { type: 87, name: "SelectionNotify", selection: 69, window: 1 },
      pending,
      "ignore",
    ],
    ["another event type with the same fields", { ...notify, type: 30 }, pending, "ignore"],
  ])("%s", (_, event, waiting, expected) => {
    expect(answerOf(event, waiting)).toBe(expected);
  });
});

describe("isOwnerChange", () => {
  const raw = (code: number) => new Uint8Array([code, 0, 0, 0]);
  test.each<[string, { type?: number; rawData?: Uint8Array }, boolean]>([
    ["XFixes' event from the server", { type: 87, rawData: raw(87) }, true],
    ["the same event sent by a client (SendEvent)", { type: 87, rawData: raw(87 | 0x80) }, false],
    ["a core SelectionNotify (an owner's answer)", { type: 31, rawData: raw(31) }, false],
    ["a core SelectionNotify sent by a client", { type: 31, rawData: raw(31 | 0x80) }, false],
    ["no raw bytes to tell", { type: 87 }, false],
  ])("%s", (_, event, expected) => {
    expect(isOwnerChange(event, 87)).toBe(expected);
  });
});
