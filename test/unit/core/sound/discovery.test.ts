import { describe, expect, test } from "bun:test";
import {
  clientConfPaths,
  type DiscoveryInput,
  defaultServerOf,
  findSoundServer,
  parseServerString,
  parseXpropString,
} from "../../../../src/core/sound/discovery.ts";

const SOCKETS = new Set([
  "/run/user/1000/pulse/native",
  "/tmp/pa/native",
  "/x11/native",
  "/conf/native",
  "/env/native",
]);
const input = (over: Partial<DiscoveryInput>): DiscoveryInput => ({
  env: {},
  clientConf: [],
  isSocket: (path) => SOCKETS.has(path),
  ...over,
});
const found = (over: Partial<DiscoveryInput>) => {
  const d = findSoundServer(input(over));
  return d.found ? { socket: d.socket, via: d.via } : { tried: d.tried };
};

describe("finding the host's sound server, in libpulse's order", () => {
  test.each<[string, Partial<DiscoveryInput>, { socket: string; via: string } | { tried: string[] }]>([
    ["1. PULSE_SERVER", { env: { PULSE_SERVER: "unix:/env/native" } }, { socket: "/env/native", via: "PULSE_SERVER" }],
    [
      "2. the X root window",
      { rootProperty: "{0123abcd}unix:/x11/native tcp:host:4713" },
      { socket: "/x11/native", via: "the X root window's PULSE_SERVER" },
    ],
    [
      "3. client.conf",
      { clientConf: [{ path: "/home/u/.config/pulse/client.conf", text: "default-server = /conf/native\n" }] },
      { socket: "/conf/native", via: "default-server in /home/u/.config/pulse/client.conf" },
    ],
    [
      "4. PULSE_RUNTIME_PATH",
      { env: { PULSE_RUNTIME_PATH: "/tmp/pa", XDG_RUNTIME_DIR: "/run/user/1000" } },
      { socket: "/tmp/pa/native", via: "$PULSE_RUNTIME_PATH/native" },
    ],
    [
      "5. XDG_RUNTIME_DIR",
      { env: { XDG_RUNTIME_DIR: "/run/user/1000" } },
      { socket: "/run/user/1000/pulse/native", via: "$XDG_RUNTIME_DIR/pulse/native" },
    ],
    // Precedence: each way over the ones after it.
    [
      "PULSE_SERVER over the X property",
      { env: { PULSE_SERVER: "/env/native" }, rootProperty: "/x11/native" },
      { socket: "/env/native", via: "PULSE_SERVER" },
    ],
    [
      "the X property over client.conf",
      { rootProperty: "/x11/native", clientConf: [{ path: "/c", text: "default-server=/conf/native" }] },
      { socket: "/x11/native", via: "the X root window's PULSE_SERVER" },
    ],
    [
      "client.conf over the runtime dir",
      { env: { XDG_RUNTIME_DIR: "/run/user/1000" }, clientConf: [{ path: "/c", text: "default-server=/conf/native" }] },
      { socket: "/conf/native", via: "default-server in /c" },
    ],
    [
      "a later drop-in wins",
      {
        clientConf: [
          { path: "/c", text: "default-server=/nope" },
          { path: "/c.d/10.conf", text: "default-server = /conf/native" },
        ],
      },
      { socket: "/conf/native", via: "default-server in /c.d/10.conf" },
    ],
    [
      "the first local socket of several",
      { env: { PULSE_SERVER: "tcp:remote:4713 unix:/missing /env/native" } },
      { socket: "/env/native", via: "PULSE_SERVER" },
    ],
  ])("%s", (_, over, expected) => {
    expect(found(over)).toEqual(expected);
  });

  test.each<[string, Partial<DiscoveryInput>, string[]]>([
    [
      "nothing anywhere",
      {},
      [
        "PULSE_SERVER is not set",
        "the X root window has no PULSE_SERVER",
        "no client.conf",
        "neither PULSE_RUNTIME_PATH nor XDG_RUNTIME_DIR is set",
      ],
    ],
    [
      "a runtime dir with no server",
      {
        env: { XDG_RUNTIME_DIR: "/run/user/2000" },
        rootUnreadable: "the X root window was not asked: xprop is not installed (x11-utils)",
        clientConf: [{ path: "/etc/pulse/client.conf", text: "; autospawn = no\n" }],
      },
      [
        "PULSE_SERVER is not set",
        "the X root window was not asked: xprop is not installed (x11-utils)",
        "no default-server in /etc/pulse/client.conf",
        "$XDG_RUNTIME_DIR/pulse/native (/run/user/2000/pulse/native) is not a socket",
      ],
    ],
    // The first way that names a server decides, as in libpulse: a missing one is not passed over.
    [
      "PULSE_SERVER names a socket that is not there",
      { env: { PULSE_SERVER: "unix:/gone", XDG_RUNTIME_DIR: "/run/user/1000" } },
      ['PULSE_SERVER names "unix:/gone": /gone is not a socket'],
    ],
    [
      "only a TCP server",
      { env: { PULSE_SERVER: "tcp:192.0.2.1:4713" } },
      ['PULSE_SERVER names "tcp:192.0.2.1:4713": tcp:192.0.2.1:4713 is a TCP server, which is not relayed'],
    ],
  ])("not found: %s, and what was tried is said", (_, over, tried) => {
    expect(found(over)).toEqual({ tried });
  });
});

describe("the parts", () => {
  test.each([
    [
      "unix:/a /b tcp:h:1 {id}unix:/c h2",
      [{ socket: "/a" }, { socket: "/b" }, { tcp: "tcp:h:1" }, { socket: "/c" }, { tcp: "h2" }],
    ],
    ["  ", []],
  ])("parseServerString(%p)", (value, expected) => {
    expect(parseServerString(value)).toEqual(expected);
  });

  test.each([
    ["default-server = unix:/a", "unix:/a"],
    ["default-server=/a\ndefault-server = /b", "/b"],
    ["# default-server = /a", undefined],
    ["; default-server = /a\nautospawn = no", undefined],
    ["default-server = /a ; the laptop", "/a"],
    ["default-server =", undefined],
    ["not-default-server = /a", undefined],
  ])("defaultServerOf(%p)", (text, expected) => {
    expect(defaultServerOf(text)).toBe(expected);
  });

  test.each([
    [
      'PULSE_SERVER(STRING) = "{4a1b}unix:/run/user/1000/pulse/native tcp:box:4713"\n',
      "{4a1b}unix:/run/user/1000/pulse/native tcp:box:4713",
    ],
    ['PULSE_SERVER(UTF8_STRING) = "unix:/a\\"b"', 'unix:/a"b'],
    ["PULSE_SERVER:  not found.\n", undefined],
  ])("parseXpropString(%p)", (output, expected) => {
    expect(parseXpropString(output)).toBe(expected);
  });

  test.each<[string, Record<string, string>, string[], string[]]>([
    [
      "the user's, then its drop-ins by name",
      { HOME: "/h" },
      ["/h/.config/pulse/client.conf", "/h/.config/pulse/client.conf.d"],
      [
        "/h/.config/pulse/client.conf",
        "/h/.config/pulse/client.conf.d/10-a.conf",
        "/h/.config/pulse/client.conf.d/20-b.conf",
      ],
    ],
    [
      "XDG_CONFIG_HOME",
      { HOME: "/h", XDG_CONFIG_HOME: "/cfg" },
      ["/cfg/pulse/client.conf"],
      ["/cfg/pulse/client.conf"],
    ],
    [
      "PULSE_CLIENTCONFIG over both",
      { HOME: "/h", PULSE_CLIENTCONFIG: "/mine.conf" },
      ["/mine.conf", "/h/.config/pulse/client.conf"],
      ["/mine.conf"],
    ],
    ["no user file: the system's", { HOME: "/h" }, ["/etc/pulse/client.conf"], ["/etc/pulse/client.conf"]],
    ["none at all", { HOME: "/h" }, [], []],
  ])("clientConfPaths: %s", (_, env, existing, expected) => {
    const dirs: Record<string, string[]> = { "/h/.config/pulse/client.conf.d": ["20-b.conf", "README", "10-a.conf"] };
    expect(
      clientConfPaths(
        env,
        (p) => existing.includes(p),
        (d) => (existing.includes(d) ? (dirs[d] ?? []) : []),
      ),
    ).toEqual(expected);
  });
});
