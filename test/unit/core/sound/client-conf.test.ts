import { describe, expect, test } from "bun:test";
import {
  type ClientConf,
  type ConfigFiles,
  clientConfCandidates,
  loadClientConf,
} from "../../../../src/core/sound/client-conf.ts";

/** A file system of plain text files; folders are the prefixes of their paths. */
function filesOf(tree: Record<string, string>): ConfigFiles {
  return {
    read: (path) => tree[path],
    list: (dir) =>
      Object.keys(tree)
        .filter((p) => p.startsWith(`${dir}/`))
        .map((p) => p.slice(dir.length + 1).split("/")[0]!),
  };
}

const USER = "/h/.config/pulse/client.conf";
const load = (tree: Record<string, string>, env: Record<string, string> = {}) =>
  loadClientConf(env, "/h", filesOf(tree));
const serverOf = (conf: ClientConf) => conf.server && `${conf.server.value} @ ${conf.server.file}:${conf.server.line}`;

describe("which client.conf libpulse opens", () => {
  test.each<[string, Record<string, string>, string | undefined, string[]]>([
    ["the usual", {}, "/h", ["/h/.pulse/client.conf", USER, "/etc/pulse/client.conf"]],
    [
      "XDG_CONFIG_HOME is not where libpulse looks for it",
      { XDG_CONFIG_HOME: "/cfg" },
      "/h",
      ["/h/.pulse/client.conf", USER, "/etc/pulse/client.conf"],
    ],
    [
      "PULSE_CONFIG_PATH in place of the home's",
      { PULSE_CONFIG_PATH: "/p" },
      "/h",
      ["/p/client.conf", "/etc/pulse/client.conf"],
    ],
    ["PULSE_CLIENTCONFIG alone, no fallback", { PULSE_CLIENTCONFIG: "/mine.conf" }, "/h", ["/mine.conf"]],
    ["PULSE_CLIENTCONFIG set but empty: a file that cannot open", { PULSE_CLIENTCONFIG: "" }, "/h", [""]],
    ["no home and no PULSE_CONFIG_PATH: not even the system's", {}, undefined, []],
  ])("%s", (_, env, home, expected) => {
    expect(clientConfCandidates(env, home)).toEqual(expected);
  });
});

describe("default-server, as libpulse ends up with it", () => {
  test.each<[string, Record<string, string>, Record<string, string>, string | undefined]>([
    ["the user's file", { [USER]: "default-server = unix:/a\n" }, {}, `unix:/a @ ${USER}:1`],
    [
      "~/.pulse/client.conf shadows ~/.config's, even without a server",
      { "/h/.pulse/client.conf": "autospawn = no\n", [USER]: "default-server = /a\n" },
      {},
      undefined,
    ],
    [
      "the user's file shadows the system's",
      { [USER]: "autospawn = no", "/etc/pulse/client.conf": "default-server = /etc-one" },
      {},
      undefined,
    ],
    [
      "the system's, without the user's",
      { "/etc/pulse/client.conf": "default-server = /a" },
      {},
      "/a @ /etc/pulse/client.conf:1",
    ],
    [
      "PULSE_CLIENTCONFIG not there: no config at all, not the user's",
      { [USER]: "default-server = /a" },
      { PULSE_CLIENTCONFIG: "/gone.conf" },
      undefined,
    ],
    ["the last assignment wins", { [USER]: "default-server=/a\ndefault-server = /b\n" }, {}, `/b @ ${USER}:2`],
    ["an empty value unsets it", { [USER]: "default-server = /a\ndefault-server =\n" }, {}, undefined],
    [
      "a value keeps its inner spaces: a list",
      { [USER]: "default-server = /a  tcp:h \n" },
      {},
      `/a  tcp:h @ ${USER}:1`,
    ],
    [
      "comments, whole-line and trailing",
      { [USER]: "# x\n ; y\ndefault-server = /a ; the laptop\n" },
      {},
      `/a @ ${USER}:3`,
    ],
    ["a commented assignment", { [USER]: "; default-server = /a\n#default-server=/b" }, {}, undefined],
    ["CRLF line ends", { [USER]: "autospawn = no\r\ndefault-server = /a\r\n" }, {}, `/a @ ${USER}:2`],
    ["any section but [Properties]", { [USER]: "[whatever]\ndefault-server = /a" }, {}, `/a @ ${USER}:2`],
    [
      "a valid boolean, number and string before it",
      { [USER]: "autospawn = Yes\nshm-size-bytes = 0x10000\ndefault-sink = s\ndefault-server = /a" },
      {},
      `/a @ ${USER}:4`,
    ],
    [
      "the .d files in name order, after the main file, only *.conf",
      {
        [USER]: "default-server = /main",
        [`${USER}.d/20-b.conf`]: "default-server = /b",
        [`${USER}.d/10-a.conf`]: "default-server = /a",
        [`${USER}.d/30-c.conf.off`]: "default-server = /off",
      },
      {},
      `/b @ ${USER}.d/20-b.conf:1`,
    ],
    [
      "no .d files without the main file",
      { [`${USER}.d/10.conf`]: "default-server = /a" },
      { PULSE_CLIENTCONFIG: USER },
      undefined,
    ],
    [
      ".include, relative to the including file, read in place",
      {
        [USER]: "default-server = /first\n.include more.conf\n",
        "/h/.config/pulse/more.conf": "default-server = /more",
      },
      {},
      "/more @ /h/.config/pulse/more.conf:1",
    ],
    [
      ".include of a file not there is no error",
      { [USER]: ".include /gone\ndefault-server = /a" },
      {},
      `/a @ ${USER}:2`,
    ],
  ])("%s", (_, tree, env, expected) => {
    expect(serverOf(load(tree, env))).toBe(expected);
  });
});

describe("a line libpulse cannot take ends that file: what came before stands, nothing after is read", () => {
  test.each<[string, string, string]>([
    ["no '='", "this is not a setting", "no '=' in it"],
    ["an unknown key", "defualt-server = /a", 'unknown key "defualt-server"'],
    ["a boolean that is not one", "autospawn = maybe", '"maybe" is not a valid value for autospawn'],
    ["a size that is not a number", "shm-size-bytes = 64k", '"64k" is not a valid value for shm-size-bytes'],
    ["a size with a sign", "shm-size-bytes = +1", '"+1" is not a valid value for shm-size-bytes'],
    ["a section header not closed", "[oops", "a section header without its ]"],
    ["a [Properties] section", "[Properties]", "a [Properties] section, which client.conf may not have"],
    ["a blank line with a CR (a CRLF file's empty line)", "\r", "no '=' in it"],
  ])("%s", (_, bad, why) => {
    const conf = load({
      [USER]: `default-server = /before\n${bad}\ndefault-server = /after\n`,
      [`${USER}.d/50.conf`]: "autospawn = no\n",
    });
    expect(serverOf(conf)).toBe(`/before @ ${USER}:1`);
    expect(conf.stops).toEqual([`${USER} is not read past line 2: ${why}`]);
    // The .d files are still read.
    expect(conf.files).toEqual([USER, `${USER}.d/50.conf`]);
  });

  test("an included file that stops early stops the file that includes it", () => {
    const conf = load({
      [USER]: ".include /inc.conf\ndefault-server = /after\n",
      "/inc.conf": "default-server = /inc\nnonsense\n",
    });
    expect(serverOf(conf)).toBe("/inc @ /inc.conf:1");
    expect(conf.stops).toEqual([
      "/inc.conf is not read past line 2: no '=' in it",
      `${USER} is not read past line 1: /inc.conf stops early`,
    ]);
  });

  test("a file that includes itself stops, where libpulse would overflow its stack", () => {
    const conf = load({ [USER]: `.include ${USER}\n` });
    expect(conf.stops[0]).toContain("includes nested deeper than 16");
  });

  test("a broken .d file does not undo the main file's server", () => {
    const conf = load({ [USER]: "default-server = /a", [`${USER}.d/1.conf`]: "junk" });
    expect(serverOf(conf)).toBe(`/a @ ${USER}:1`);
  });

  test("nothing opened: the paths tried", () => {
    expect(load({})).toEqual({
      files: [],
      stops: [],
      tried: ["/h/.pulse/client.conf", USER, "/etc/pulse/client.conf"],
    });
  });
});
