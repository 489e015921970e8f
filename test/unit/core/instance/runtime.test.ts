import { describe, expect, test } from "bun:test";
import {
  parseProcStartTime,
  parseSessionState,
  readSessionState,
  runtimeRoot,
} from "../../../../src/core/instance/runtime.ts";

describe("runtimeRoot", () => {
  test.each([
    [
      "XDG_RUNTIME_DIR set",
      { XDG_RUNTIME_DIR: "/run/user/1000", XDG_CACHE_HOME: "/c", HOME: "/home/me" },
      "/run/user/1000/dockercask",
    ],
    [
      "XDG_RUNTIME_DIR with a trailing slash",
      { XDG_RUNTIME_DIR: "/run/user/1000/", HOME: "/home/me" },
      "/run/user/1000/dockercask",
    ],
    [
      "XDG_RUNTIME_DIR relative: ignored, as the spec says",
      { XDG_RUNTIME_DIR: "run/user/1000", HOME: "/home/me" },
      "/home/me/.cache/dockercask/runtime",
    ],
    ["XDG_RUNTIME_DIR empty", { XDG_RUNTIME_DIR: "", HOME: "/home/me" }, "/home/me/.cache/dockercask/runtime"],
    [
      "unset, with XDG_CACHE_HOME",
      { XDG_CACHE_HOME: "/var/cache/me", HOME: "/home/me" },
      "/var/cache/me/dockercask/runtime",
    ],
    [
      "unset, with a relative XDG_CACHE_HOME",
      { XDG_CACHE_HOME: "cache", HOME: "/home/me" },
      "/home/me/.cache/dockercask/runtime",
    ],
    ["unset, HOME only", { HOME: "/home/me" }, "/home/me/.cache/dockercask/runtime"],
    ["nothing at all", {}, "/.cache/dockercask/runtime"],
  ])("%s", (_, env, expected) => {
    expect(runtimeRoot(env)).toBe(expected);
  });

  test("never a shared folder such as /tmp", () => {
    for (const env of [{}, { HOME: "" }, { XDG_RUNTIME_DIR: "tmp" }]) expect(runtimeRoot(env)).not.toMatch(/^\/tmp/);
  });
});

/** A /proc/<pid>/stat line with `comm` and the given start time (field 22). */
function statLine(pid: number, comm: string, start: string): string {
  // Fields 3..21, then 22 (starttime), then a few more, as the kernel prints them.
  const middle = [
    "S",
    "1",
    String(pid),
    String(pid),
    "34816",
    String(pid),
    "4194560",
    "1234",
    "0",
    "0",
    "0",
    "12",
    "3",
    "0",
    "0",
    "20",
    "0",
    "1",
  ];
  return `${pid} (${comm}) ${[...middle, "0", start, "12345678", "789", "18446744073709551615"].join(" ")}\n`;
}

describe("parseProcStartTime", () => {
  test.each([
    ["a plain name", statLine(1234, "dockercask", "8812345"), "8812345"],
    ["a name with spaces", statLine(1234, "Web Content", "42"), "42"],
    ["a name with parentheses and spaces", statLine(1234, "my (weird) proc", "777"), "777"],
    ["a name ending in ') '", statLine(99, "a) b) ", "31337"), "31337"],
    [
      "a name that looks like fields",
      statLine(5, ") S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20", "555"),
      "555",
    ],
  ])("%s", (_, stat, expected) => {
    expect(parseProcStartTime(stat)).toBe(expected);
  });

  test("a real line copied from /proc", () => {
    const line =
      "1 (systemd) S 0 1 1 0 -1 4194560 68133 4522412 98 2171 188 298 7036 3347 20 0 1 0 29 172433408 3262 18446744073709551615 1 1 0 0 0 0 671173123 4096 1260 0 0 0 17 3 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
    expect(parseProcStartTime(line)).toBe("29");
  });

  test.each([
    ["empty", ""],
    ["truncated before field 22", "1234 (x) S 1 2 3"],
  ])("%s -> undefined", (_, stat) => {
    expect(parseProcStartTime(stat)).toBeUndefined();
  });
});

describe("parseSessionState", () => {
  const good = { instance: "xeyes#work", pid: 4242, pidStart: "987", startedAt: "2024-05-01T10:00:00.000Z" };

  test.each([
    ["the minimum", good],
    [
      "a full state",
      { ...good, display: 3, xephyrPid: 4300, xephyrStart: "990", container: "abc123", pulseModule: 27 },
    ],
  ])("accepts %s", (_, state) => {
    expect(parseSessionState(JSON.stringify(state))).toEqual(state);
  });

  test.each([
    ["empty", ""],
    ["not JSON", "{instance: xeyes"],
    ["half a file", JSON.stringify(good).slice(0, 20)],
    ["null", "null"],
    ["an array", "[]"],
    ["a number", "42"],
    ["no instance", JSON.stringify({ ...good, instance: undefined })],
    ["no pid", JSON.stringify({ ...good, pid: undefined })],
    ["a pid as a string", JSON.stringify({ ...good, pid: "4242" })],
    ["an instance as a number", JSON.stringify({ ...good, instance: 7 })],
  ])("rejects %s", (_, text) => {
    expect(parseSessionState(text)).toBeUndefined();
  });
});

describe("readSessionState: the fields a command acts on", () => {
  const good = { instance: "xeyes#work", pid: 4242, pidStart: "987", startedAt: "2024-05-01T10:00:00.000Z" };

  test.each([
    ["display 0", { ...good, display: 0 }],
    ["display 99", { ...good, display: 99 }],
    ...["both", "to-app", "from-app", "explicit", "off"].map(
      (clipboard) => [`clipboard ${clipboard}`, { ...good, clipboard }] as const,
    ),
    ["the smallest cap", { ...good, clipboardMaxBytes: 1 }],
    ["the largest cap (64 MiB)", { ...good, clipboardMaxBytes: 64 * 1024 * 1024 }],
    ["all of them", { ...good, display: 3, container: "c1", clipboard: "explicit", clipboardMaxBytes: 1024 * 1024 }],
  ])("accepts %s", (_, state) => {
    expect(readSessionState(JSON.stringify(state))).toEqual({ ok: true, state: state as never });
  });

  test.each([
    ["not JSON", "{", "not JSON"],
    ["an array", "[]", "not a JSON object"],
    ["pid 0 (kill(0) is the whole group)", JSON.stringify({ ...good, pid: 0 }), "pid"],
    ["a negative pid", JSON.stringify({ ...good, pid: -1 }), "pid"],
    ["a fractional pid", JSON.stringify({ ...good, pid: 1.5 }), "pid"],
    ["a negative display", JSON.stringify({ ...good, display: -1 }), "display"],
    ["a fractional display", JSON.stringify({ ...good, display: 1.5 }), "display"],
    ["a display as a string", JSON.stringify({ ...good, display: "0" }), "display"],
    ["a display with a path in it", JSON.stringify({ ...good, display: "0/../../etc" }), "display"],
    [
      "an unknown clipboard policy",
      JSON.stringify({ ...good, clipboard: "all" }),
      "clipboard is not one of both, to-app, from-app, explicit, off",
    ],
    ["a clipboard policy as a number", JSON.stringify({ ...good, clipboard: 1 }), "clipboard is not"],
    ["a cap of 0", JSON.stringify({ ...good, clipboardMaxBytes: 0 }), "clipboardMaxBytes"],
    ["a negative cap", JSON.stringify({ ...good, clipboardMaxBytes: -5 }), "clipboardMaxBytes"],
    ["a cap past 64 MiB", JSON.stringify({ ...good, clipboardMaxBytes: 64 * 1024 * 1024 + 1 }), "clipboardMaxBytes"],
    ["a fractional cap", JSON.stringify({ ...good, clipboardMaxBytes: 10.5 }), "clipboardMaxBytes"],
    ["a cap as a string", JSON.stringify({ ...good, clipboardMaxBytes: "1m" }), "clipboardMaxBytes"],
    ["an endless cap", '{"instance":"a","pid":1,"clipboardMaxBytes":1e999}', "clipboardMaxBytes"],
  ])("refuses %s, naming the field", (_, text, problem) => {
    const read = readSessionState(text);
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.problem).toContain(problem);
    expect(parseSessionState(text)).toBeUndefined();
  });
});
