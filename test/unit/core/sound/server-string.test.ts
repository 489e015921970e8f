import { describe, expect, test } from "bun:test";
import { parseServerString, type ServerEntry, whyPassedOver } from "../../../../src/core/sound/server-string.ts";

const ID = "3d1219c7c4c5404aaa1f6d2a48adfda4";

describe("a server string, read as libpulse reads it", () => {
  test.each<[string, string, ServerEntry[]]>([
    [
      "a path",
      "/run/user/1000/pulse/native",
      [{ socket: "/run/user/1000/pulse/native", entry: "/run/user/1000/pulse/native" }],
    ],
    ["unix:", "unix:/a", [{ socket: "/a", entry: "unix:/a" }]],
    ["this machine's id", `{${ID}}unix:/a`, [{ socket: "/a", entry: `{${ID}}unix:/a` }]],
    ["this machine's id before a path", `{${ID}}/a`, [{ socket: "/a", entry: `{${ID}}/a` }]],
    [
      "another machine's id: its socket is not ours, whatever is at that path here",
      "{0123abcd}unix:/a",
      [{ skip: "another machine's (its {id} is not this machine's)", entry: "{0123abcd}unix:/a" }],
    ],
    [
      "an id that is not closed",
      `{${ID}unix:/a`,
      [{ skip: "another machine's (its {id} is not this machine's)", entry: `{${ID}unix:/a` }],
    ],
    ["a relative path", "unix:native", [{ skip: "not an absolute socket path", entry: "unix:native" }]],
    [
      "TCP, in each spelling",
      "tcp:h:4713 tcp4:127.0.0.1 tcp6:[::1]:4713 box",
      [
        { tcp: "tcp:h:4713", entry: "tcp:h:4713" },
        { tcp: "tcp4:127.0.0.1", entry: "tcp4:127.0.0.1" },
        { tcp: "tcp6:[::1]:4713", entry: "tcp6:[::1]:4713" },
        { tcp: "box", entry: "box" },
      ],
    ],
    [
      "several, in order, split by any white space",
      `tcp:h:1\tunix:/a\n  {${ID}}/b\r\n{other}/c`,
      [
        { tcp: "tcp:h:1", entry: "tcp:h:1" },
        { socket: "/a", entry: "unix:/a" },
        { socket: "/b", entry: `{${ID}}/b` },
        { skip: "another machine's (its {id} is not this machine's)", entry: "{other}/c" },
      ],
    ],
    ["nothing but white space", " \t ", []],
    ["empty", "", []],
  ])("%s", (_, value, expected) => {
    expect(parseServerString(value, ID)).toEqual(expected);
  });

  test("with no machine id known, every {id} entry is another machine's", () => {
    expect(parseServerString("{x}/a", undefined)).toEqual([
      { skip: "another machine's (its {id} is not this machine's)", entry: "{x}/a" },
    ]);
  });

  test.each<[string, ServerEntry, string]>([
    ["a socket not there", { socket: "/a", entry: "unix:/a" }, "/a is not a socket"],
    ["TCP", { tcp: "tcp:h:1", entry: "tcp:h:1" }, "tcp:h:1 is a TCP server, which is not relayed"],
    ["skipped", { skip: "not an absolute socket path", entry: "unix:a" }, "unix:a is not an absolute socket path"],
  ])("whyPassedOver: %s", (_, entry, why) => {
    expect(whyPassedOver(entry)).toBe(why);
  });
});
