import { describe, expect, test } from "bun:test";
import {
  type DiscoveryHost,
  findSoundServer,
  homeOf,
  machineIdOf,
  parseXpropString,
  rootPropertyQuery,
} from "../../../../src/core/sound/discovery.ts";

const ID = "3d1219c7c4c5404aaa1f6d2a48adfda4";
const USER_CONF = "/h/.config/pulse/client.conf";

interface Setup {
  env?: Record<string, string>;
  root?: DiscoveryHost["root"];
  files?: Record<string, string>;
  sockets?: string[];
  home?: string;
}

function hostOf(setup: Setup): DiscoveryHost {
  const files = setup.files ?? {};
  const sockets = new Set(setup.sockets ?? []);
  return {
    env: setup.env ?? {},
    home: "home" in setup ? setup.home : "/h",
    machineId: ID,
    root: setup.root ?? { value: undefined },
    read: (path) => files[path],
    list: (dir) =>
      Object.keys(files)
        .filter((p) => p.startsWith(`${dir}/`))
        .map((p) => p.slice(dir.length + 1).split("/")[0]!),
    exists: (path) => Object.keys(files).some((p) => p === path || p.startsWith(`${path}/`)),
    isSocket: (path) => sockets.has(path),
  };
}
const found = (setup: Setup) => {
  const d = findSoundServer(hostOf(setup));
  return d.found ? { socket: d.socket, via: d.via } : { tried: d.tried };
};

const ALL = [
  "/env/native",
  "/x11/native",
  "/conf/native",
  "/rtp/native",
  "/run/user/1000/pulse/native",
  "/var/run/pulse/native",
];
const SSH = { SSH_CONNECTION: "192.0.2.9 50000 192.0.2.1 22" };

describe("finding the host's sound server, in libpulse's order", () => {
  test.each<[string, Setup, { socket: string; via: string }]>([
    [
      "1. PULSE_SERVER",
      { env: { PULSE_SERVER: "unix:/env/native" }, sockets: ALL },
      { socket: "/env/native", via: "PULSE_SERVER" },
    ],
    [
      "2. the X root window's property, in an SSH session",
      { env: SSH, root: { value: `{${ID}}unix:/x11/native tcp:host:4713` }, sockets: ALL },
      { socket: "/x11/native", via: "the X root window's PULSE_SERVER" },
    ],
    [
      "3. client.conf",
      { files: { [USER_CONF]: "default-server = /conf/native\n" }, sockets: ALL },
      { socket: "/conf/native", via: `default-server in ${USER_CONF}` },
    ],
    [
      "4. PULSE_RUNTIME_PATH, over XDG_RUNTIME_DIR",
      { env: { PULSE_RUNTIME_PATH: "/rtp", XDG_RUNTIME_DIR: "/run/user/1000" }, sockets: ALL },
      { socket: "/rtp/native", via: "$PULSE_RUNTIME_PATH/native" },
    ],
    [
      "5. XDG_RUNTIME_DIR",
      { env: { XDG_RUNTIME_DIR: "/run/user/1000" }, sockets: ALL },
      { socket: "/run/user/1000/pulse/native", via: "$XDG_RUNTIME_DIR/pulse/native" },
    ],
    [
      "without XDG_RUNTIME_DIR: the old runtime link under ~/.config/pulse",
      { sockets: [`/h/.config/pulse/${ID}-runtime/native`] },
      { socket: `/h/.config/pulse/${ID}-runtime/native`, via: "the old runtime link (XDG_RUNTIME_DIR is not set)" },
    ],
    [
      "without XDG_RUNTIME_DIR: the old runtime link under ~/.pulse, when that folder is there",
      { files: { "/h/.pulse/cookie": "" }, sockets: [`/h/.pulse/${ID}-runtime/native`] },
      { socket: `/h/.pulse/${ID}-runtime/native`, via: "the old runtime link (XDG_RUNTIME_DIR is not set)" },
    ],
    [
      "the system-wide server, after the user's own",
      { env: { XDG_RUNTIME_DIR: "/run/user/2000" }, sockets: ALL },
      { socket: "/var/run/pulse/native", via: "the system-wide server's socket" },
    ],
    // Precedence: each way over every one after it.
    [
      "PULSE_SERVER over the X property",
      { env: { ...SSH, PULSE_SERVER: "/env/native" }, root: { value: "/x11/native" }, sockets: ALL },
      { socket: "/env/native", via: "PULSE_SERVER" },
    ],
    [
      "the X property over client.conf",
      { env: SSH, root: { value: "/x11/native" }, files: { [USER_CONF]: "default-server=/conf/native" }, sockets: ALL },
      { socket: "/x11/native", via: "the X root window's PULSE_SERVER" },
    ],
    [
      "client.conf over the runtime dir",
      { env: { PULSE_RUNTIME_PATH: "/rtp" }, files: { [USER_CONF]: "default-server=/conf/native" }, sockets: ALL },
      { socket: "/conf/native", via: `default-server in ${USER_CONF}` },
    ],
    [
      "outside an SSH session the X property is not weighed (libpulse 13 and later)",
      { root: { unread: "not in SSH" }, files: { [USER_CONF]: "default-server=/conf/native" }, sockets: ALL },
      { socket: "/conf/native", via: `default-server in ${USER_CONF}` },
    ],
    // A server string with several entries: the first local socket that is there.
    [
      "the first local socket of several, saying what it passed over",
      {
        env: { PULSE_SERVER: "tcp:remote:4713 unix:/missing {0bad}/x11/native /env/native /conf/native" },
        sockets: ALL,
      },
      {
        socket: "/env/native",
        via: "PULSE_SERVER (passed over: tcp:remote:4713 is a TCP server, which is not relayed; /missing is not a socket; {0bad}/x11/native is another machine's (its {id} is not this machine's))",
      },
    ],
  ])("%s", (_, setup, expected) => {
    expect(found(setup)).toEqual(expected);
  });

  test.each<[string, Setup, string[]]>([
    [
      "nothing anywhere",
      {
        env: { XDG_RUNTIME_DIR: "/run/user/1000" },
        root: { unread: "the X root window's PULSE_SERVER is read only in an SSH session (SSH_CONNECTION is not set)" },
      },
      [
        "PULSE_SERVER is not set",
        "the X root window's PULSE_SERVER is read only in an SSH session (SSH_CONNECTION is not set)",
        `no client.conf (/h/.pulse/client.conf, ${USER_CONF}, /etc/pulse/client.conf: none is there)`,
        "$XDG_RUNTIME_DIR/pulse/native (/run/user/1000/pulse/native) is not a socket",
        "the system-wide server's socket (/var/run/pulse/native) is not a socket",
      ],
    ],
    [
      "an SSH session whose X root window has no property; a client.conf that stops before its server",
      {
        env: { ...SSH, XDG_RUNTIME_DIR: "/run/user/2000" },
        files: { "/etc/pulse/client.conf": "; autospawn = no\nbogus\ndefault-server = /conf/native\n" },
        sockets: ["/conf/native"],
      },
      [
        "PULSE_SERVER is not set",
        "the X root window has no PULSE_SERVER",
        "no default-server in /etc/pulse/client.conf (/etc/pulse/client.conf is not read past line 2: no '=' in it)",
        "$XDG_RUNTIME_DIR/pulse/native (/run/user/2000/pulse/native) is not a socket",
        "the system-wide server's socket (/var/run/pulse/native) is not a socket",
      ],
    ],
    // The first way that names a server decides, as in libpulse: one not there is not passed over.
    [
      "PULSE_SERVER names a socket that is not there",
      { env: { PULSE_SERVER: "unix:/gone", XDG_RUNTIME_DIR: "/run/user/1000" }, sockets: ALL },
      ['PULSE_SERVER names "unix:/gone": /gone is not a socket'],
    ],
    [
      "PULSE_SERVER set but empty: libpulse's Invalid server, not a fallback",
      { env: { PULSE_SERVER: "", XDG_RUNTIME_DIR: "/run/user/1000" }, sockets: ALL },
      ['PULSE_SERVER is set but names no server, which libpulse refuses too ("Invalid server")'],
    ],
    [
      "only a TCP server",
      { env: { PULSE_SERVER: "tcp:192.0.2.1:4713" }, sockets: ALL },
      ['PULSE_SERVER names "tcp:192.0.2.1:4713": tcp:192.0.2.1:4713 is a TCP server, which is not relayed'],
    ],
    [
      "a remote desktop's property: its socket is another machine's, its TCP server not relayed",
      { env: SSH, root: { value: "{0123abcd}unix:/run/user/1000/pulse/native tcp:desk:4713" }, sockets: ALL },
      [
        "PULSE_SERVER is not set",
        `the X root window's PULSE_SERVER names "{0123abcd}unix:/run/user/1000/pulse/native tcp:desk:4713": {0123abcd}unix:/run/user/1000/pulse/native is another machine's (its {id} is not this machine's); tcp:desk:4713 is a TCP server, which is not relayed`,
      ],
    ],
    [
      "client.conf names a server that is not there: the runtime dir is not tried",
      { env: { XDG_RUNTIME_DIR: "/run/user/1000" }, files: { [USER_CONF]: "default-server = /gone" }, sockets: ALL },
      [
        "PULSE_SERVER is not set",
        "the X root window has no PULSE_SERVER",
        `default-server in ${USER_CONF} names "/gone": /gone is not a socket`,
      ],
    ],
    [
      "PULSE_RUNTIME_PATH set but empty: no runtime dir, not XDG_RUNTIME_DIR's",
      { env: { PULSE_RUNTIME_PATH: "", XDG_RUNTIME_DIR: "/run/user/1000" }, sockets: ["/run/user/1000/pulse/native"] },
      [
        "PULSE_SERVER is not set",
        "the X root window has no PULSE_SERVER",
        `no client.conf (/h/.pulse/client.conf, ${USER_CONF}, /etc/pulse/client.conf: none is there)`,
        "PULSE_RUNTIME_PATH is set but empty, so libpulse has no runtime dir",
        "the system-wide server's socket (/var/run/pulse/native) is not a socket",
      ],
    ],
    [
      "no home: no client.conf to look for, no old runtime link",
      { home: undefined },
      [
        "PULSE_SERVER is not set",
        "the X root window has no PULSE_SERVER",
        "no client.conf: libpulse reads none without a home directory or PULSE_CONFIG_PATH",
        "XDG_RUNTIME_DIR is not set, and there is no home or machine id for the old runtime link",
        "the system-wide server's socket (/var/run/pulse/native) is not a socket",
      ],
    ],
  ])("not found: %s, and what was tried is said", (_, setup, tried) => {
    expect(found(setup)).toEqual({ tried });
  });

  test("a property longer than libpulse reads is none", () => {
    expect(found({ env: SSH, root: { value: `/x11/native ${"x".repeat(1100)}` }, sockets: ["/x11/native"] })).toEqual({
      tried: expect.arrayContaining(["the X root window has no PULSE_SERVER"]),
    });
  });
});

describe("the parts read from the host", () => {
  test.each<[string, Record<string, string>, { display: string } | { unread: string }]>([
    [
      "not in an SSH session",
      { DISPLAY: ":0" },
      { unread: "the X root window's PULSE_SERVER is read only in an SSH session (SSH_CONNECTION is not set)" },
    ],
    ["SSH, no display", { SSH_CONNECTION: "" }, { unread: "the X root window was not asked: DISPLAY is not set" }],
    ["SSH with X forwarding", { ...SSH, DISPLAY: "localhost:10.0" }, { display: "localhost:10" }],
    ["screen 0's root, as libpulse reads it", { ...SSH, DISPLAY: ":0.1" }, { display: ":0" }],
  ])("rootPropertyQuery: %s", (_, env, expected) => {
    expect(rootPropertyQuery(env)).toEqual(expected);
  });

  test.each<[string, string | undefined]>([
    [
      'PULSE_SERVER(STRING) = "{4a1b}unix:/run/user/1000/pulse/native tcp:box:4713"\n',
      "{4a1b}unix:/run/user/1000/pulse/native tcp:box:4713",
    ],
    ['PULSE_SERVER(STRING) = "unix:/a\\"b\\\\c\\nd\\011e"', 'unix:/a"b\\c\nd\te'],
    // libpulse asks for a STRING; a property of another type is none to it.
    ['PULSE_SERVER(UTF8_STRING) = "unix:/a"', undefined],
    ["PULSE_SERVER:  not found.\n", undefined],
  ])("parseXpropString(%p)", (output, expected) => {
    expect(parseXpropString(output)).toBe(expected);
  });

  test.each<[string, (string | undefined)[], string | undefined, string | undefined]>([
    ["/etc/machine-id", [`${ID}\n`, "other\n"], "box", ID],
    ["dbus's, when /etc's is empty", ["\n", `${ID}\n`], "box", ID],
    ["at most 32 characters", [`${ID}ffff\n`], "box", ID],
    ["the host name, without either", [undefined, undefined], "box", "box"],
    ["nothing", [undefined], "", undefined],
  ])("machineIdOf: %s", (_, files, hostname, expected) => {
    expect(machineIdOf(files, hostname)).toBe(expected);
  });

  test.each<[string, Record<string, string>, string | undefined, string | undefined]>([
    ["HOME", { HOME: "/h" }, "/p", "/h"],
    ["the password database's", {}, "/p", "/p"],
    ["a relative HOME is none", { HOME: "h" }, "/p", undefined],
    ["an empty HOME is none, not the database's", { HOME: "" }, "/p", undefined],
  ])("homeOf: %s", (_, env, passwd, expected) => {
    expect(homeOf(env, passwd)).toBe(expected);
  });
});
