import { describe, expect, test } from "bun:test";
import { buildXauthMergeArgs, generateCookie, wildcardAuthEntry } from "../../../../src/core/x11/xauth.ts";

/** A random source that fills every byte with `value`, so the expected hex is known. */
const filledWith = (value: number) => (bytes: Uint8Array) => bytes.fill(value);

describe("generateCookie", () => {
  test.each([
    [0x00, "00".repeat(16)],
    [0xab, "ab".repeat(16)],
    [0xff, "ff".repeat(16)],
  ])("bytes all %i become 32 lower-case hex characters", (value, expected) => {
    expect(generateCookie(filledWith(value))).toBe(expected);
  });

  test("asks for exactly 16 bytes and encodes them in order", () => {
    const asked: number[] = [];
    const cookie = generateCookie((bytes) => {
      asked.push(bytes.length);
      return bytes.map((_, i) => i);
    });
    expect(asked).toEqual([16]);
    expect(cookie).toBe("000102030405060708090a0b0c0d0e0f");
  });

  test("different bytes give different cookies", () => {
    expect(generateCookie(filledWith(1))).not.toBe(generateCookie(filledWith(2)));
  });

  test("the default source is random: 200 cookies, all well formed and distinct", () => {
    const cookies = Array.from({ length: 200 }, () => generateCookie());
    for (const c of cookies) expect(c).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(cookies).size).toBe(cookies.length);
  });
});

describe("wildcardAuthEntry", () => {
  const cookie = "0123456789abcdef0123456789abcdef";

  test("is exactly the line `xauth nlist` prints for a FamilyWild entry without a display number", () => {
    expect(wildcardAuthEntry(cookie)).toBe(
      `ffff 0000  0000  0012 4d49542d4d414749432d434f4f4b49452d31 0010 ${cookie}\n`,
    );
  });

  test("carries the cookie it was given", () => {
    const other = generateCookie(filledWith(0x5a));
    expect(wildcardAuthEntry(other).trimEnd().split(" ").at(-1)).toBe(other);
  });

  test.each([
    ["empty", ""],
    ["too short", cookie.slice(0, 30)],
    ["too long", `${cookie}00`],
    ["upper case", cookie.toUpperCase()],
    ["not hex", "g".repeat(32)],
    ["a newline smuggling a second entry", `${cookie}\nffff 0000`],
    ["surrounding space", ` ${cookie.slice(1)}`],
  ])("rejects a cookie that is %s", (_, bad) => {
    expect(() => wildcardAuthEntry(bad)).toThrow();
  });
});

describe("buildXauthMergeArgs", () => {
  // The whole argv is pinned: the entry (and its cookie) comes on stdin ("-"), never here.
  test.each(["/run/x/xauth.client", "/run/x/xauth.server"])("merges into %s from stdin", (file) => {
    expect(buildXauthMergeArgs(file)).toEqual(["-q", "-f", file, "nmerge", "-"]);
  });
});
