import { describe, expect, test } from "bun:test";
import { DockercaskError } from "../../../../src/core/errors.ts";
import {
  allocateDisposable,
  disposableHomeBytes,
  disposableName,
  isDisposableName,
} from "../../../../src/core/instance/disposable.ts";
import { parseInstanceName } from "../../../../src/core/instance/name.ts";

describe("allocateDisposable", () => {
  test.each<[string, string[], string]>([
    ["none running: the first", [], "xterm#tmp-1"],
    ["the lowest free one", ["xterm#tmp-1", "xterm#tmp-2"], "xterm#tmp-3"],
    ["a gap is reused", ["xterm#tmp-1", "xterm#tmp-3"], "xterm#tmp-2"],
    ["other apps' names do not count", ["evince#tmp-1"], "xterm#tmp-1"],
  ])("%s", (_, held, expected) => {
    const tried: string[] = [];
    const { name, taken } = allocateDisposable("xterm", (n) => {
      tried.push(n.full);
      return held.includes(n.full) ? undefined : `dir of ${n.full}`;
    });
    expect(name.full).toBe(expected);
    expect(taken).toBe(`dir of ${expected}`);
    // Tried in order, and nothing past the one it took.
    expect(tried.at(-1)).toBe(expected);
  });

  test("two starts racing: the lock gives each its own name", () => {
    const locks = new Set<string>();
    const take = (n: { full: string }) => {
      if (locks.has(n.full)) return undefined;
      locks.add(n.full);
      return n.full;
    };
    expect([allocateDisposable("xterm", take).name.full, allocateDisposable("xterm", take).name.full]).toEqual([
      "xterm#tmp-1",
      "xterm#tmp-2",
    ]);
  });

  test("all taken: an error with a hint, not an endless loop", () => {
    expect(() => allocateDisposable("xterm", () => undefined, 5)).toThrow(DockercaskError);
  });
});

describe("disposable names", () => {
  test.each([
    ["xterm#tmp-1", true],
    ["xterm#tmp-12", true],
    ["xterm", false],
    ["xterm#work", false],
    ["xterm#tmpx", false],
  ])("%p is disposable: %p", (input, expected) => {
    expect(isDisposableName(parseInstanceName(input))).toBe(expected);
  });

  test("a disposable name is a valid instance name", () => {
    expect(parseInstanceName(disposableName("libre-office", 999).full)).toEqual(disposableName("libre-office", 999));
  });

  test("the home is as large as /tmp", () => {
    expect(disposableHomeBytes({ tmpBytes: 123 * 1024 ** 2 })).toBe(123 * 1024 ** 2);
  });
});
