import { describe, expect, test } from "bun:test";
import { type DockercaskConfig, parseConfig, settingsFor, settingsForApp } from "../../../../src/core/config/config.ts";
import { ConfigError } from "../../../../src/core/errors.ts";
import { refusalRules } from "../../../../src/core/files/shared-folders.ts";
import { explainInvalidSize, parseSizeSpec } from "../../../../src/core/x11/window-size.ts";

const HOME = "/home/u";
const OPTIONS = { file: "/c/config.toml", home: HOME };
const parse = (text: string) => parseConfig(text, OPTIONS);
const lines = (...text: string[]) => text.join("\n");

/** The ConfigError's message, or a failure when parsing succeeded. */
function errorOf(text: string): ConfigError {
  try {
    parse(text);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for:\n${text}`);
}

const FULL = lines(
  "# comment",
  "[defaults]",
  'size = "1280x800"',
  "dpi = 96",
  'network = "none"',
  'clipboard = "both"',
  "audio = false",
  'shared = ["~/Downloads", "~/Music:ro"]',
  "",
  "[apps.firefox]",
  'network = "bridge"',
  "dpi = 120",
  'shared = ["/srv/photos:ro"]',
  "",
  '[instances."firefox#work"]',
  'size = "1920X1080"',
  'clipboard = "to-app"',
  "shared = []",
  "",
  '[instances."xeyes#1"]',
  "audio = true",
);

const DOWNLOADS = { host: "/home/u/Downloads", target: "/home/app/Downloads", readOnly: false };
const MUSIC = { host: "/home/u/Music", target: "/home/app/Music", readOnly: true };
const PHOTOS = { host: "/srv/photos", target: "/home/app/photos", readOnly: true };

describe("parseConfig accepts", () => {
  test.each<[string, string, DockercaskConfig]>([
    ["an empty file", "", { defaults: {}, apps: {}, instances: {} }],
    ["only comments", "# nothing yet\n\n", { defaults: {}, apps: {}, instances: {} }],
    [
      "an engine by name",
      'engine = "podman-rootless"\n',
      { engine: "podman-rootless", defaults: {}, apps: {}, instances: {} },
    ],
    [
      "an engine by socket",
      'engine = "unix:///srv/podman.sock"\n',
      { engine: "unix:///srv/podman.sock", defaults: {}, apps: {}, instances: {} },
    ],
    [
      "every key in every table kind",
      FULL,
      {
        defaults: {
          size: { width: 1280, height: 800 },
          dpi: 96,
          network: "none",
          clipboard: "both",
          audio: false,
          shared: [DOWNLOADS, MUSIC],
        },
        apps: { firefox: { network: "bridge", dpi: 120, shared: [PHOTOS] } },
        instances: {
          "firefox#work": { size: { width: 1920, height: 1080 }, clipboard: "to-app", shared: [] },
          "xeyes#1": { audio: true },
        },
      },
    ],
    [
      "dotted keys and inline tables",
      lines("defaults.dpi = 144", "apps = { xeyes = { audio = true } }", 'instances.firefox.clipboard = "off"'),
      { defaults: { dpi: 144 }, apps: { xeyes: { audio: true } }, instances: { firefox: { clipboard: "off" } } },
    ],
    [
      "a multi-line shared list with a literal string",
      lines("[defaults]", "shared = [", "  '~/Downloads:rw',", '  "/mnt/data/",', "]"),
      {
        defaults: { shared: [DOWNLOADS, { host: "/mnt/data", target: "/home/app/data", readOnly: false }] },
        apps: {},
        instances: {},
      },
    ],
    [
      "resource limits, by table",
      lines(
        "[defaults]",
        'memory = "4g"',
        'tmp-size = "256m"',
        "cpu-shares = 256",
        "[apps.a]",
        "cpus = 1.5",
        '[instances."a#b"]',
        'memory = "64m"',
        "cpus = 2",
      ),
      {
        defaults: { memoryBytes: 4 * 1024 ** 3, tmpBytes: 256 * 1024 ** 2, cpuShares: 256 },
        apps: { a: { cpus: 1.5 } },
        instances: { "a#b": { memoryBytes: 64 * 1024 ** 2, cpus: 2 } },
      },
    ],
    [
      "open-max",
      lines("[defaults]", 'open-max = "16m"', "[apps.a]", 'open-max = "1k"'),
      { defaults: { openMaxBytes: 16 * 1024 ** 2 }, apps: { a: { openMaxBytes: 1024 } }, instances: {} },
    ],
  ])("%s", (_, text, expected) => {
    expect(parse(text)).toEqual(expected);
  });
});

describe("settingsFor merges instance > app > defaults", () => {
  const config = parse(FULL);
  const defaults = config.defaults;
  test.each<[string, { app: string; full: string }, object]>([
    ["an app with no table gets the defaults", { app: "gimp", full: "gimp" }, defaults],
    [
      "the app table overrides key by key",
      { app: "firefox", full: "firefox" },
      { ...defaults, network: "bridge", dpi: 120, shared: [PHOTOS] },
    ],
    [
      "an instance table overrides the app's, and shared = [] shares nothing",
      { app: "firefox", full: "firefox#work" },
      {
        ...defaults,
        network: "bridge",
        dpi: 120,
        size: { width: 1920, height: 1080 },
        clipboard: "to-app",
        shared: [],
      },
    ],
    [
      "another instance of the app gets only the app's table",
      { app: "firefox", full: "firefox#home" },
      { ...defaults, network: "bridge", dpi: 120, shared: [PHOTOS] },
    ],
    ["an instance table applies to its instance only", { app: "xeyes", full: "xeyes#1" }, { ...defaults, audio: true }],
    ["a name that is an Object.prototype key finds nothing", { app: "constructor", full: "constructor" }, defaults],
  ])("%s", (_, instance, expected) => {
    expect(settingsFor(config, instance)).toEqual(expected);
  });
  test("a disposable instance gets the defaults and its app's table, never an instance's", () => {
    expect(settingsForApp(config, "firefox")).toEqual({ ...defaults, network: "bridge", dpi: 120, shared: [PHOTOS] });
  });
  test("an empty config gives empty settings", () => {
    expect(settingsFor(parse(""), { app: "firefox", full: "firefox" })).toEqual({});
  });
});

describe("parseConfig rejects, naming the file and line", () => {
  test.each<[string, string, string]>([
    ["bad TOML", lines("[defaults]", "dpi = ", ""), "/c/config.toml:2: invalid TOML"],
    [
      "an unknown engine",
      lines("", 'engine = "lxd"'),
      ':2: engine must be one of "docker", "docker-rootless", "podman", "podman-rootless" or "unix:///path/to/socket"',
    ],
    ["a duplicate key", lines("[defaults]", "dpi = 96", "dpi = 97"), "/c/config.toml:3: invalid TOML"],
    [
      "an unknown table",
      lines("", "[default]", "dpi = 96"),
      "/c/config.toml:2: unknown table [default] (did you mean [defaults]?",
    ],
    [
      "an unknown top-level key",
      lines("[apps.a]", "[colour]", "x = 1", "", "verbose = true"),
      ":2: unknown table [colour]",
    ],
    [
      "a setting outside any table",
      lines("# top", "dpi = 96"),
      ":2: dpi is outside any table; put it under [defaults]",
    ],
    [
      "an unknown key in [defaults]",
      lines("[defaults]", "dpi = 96", "dpy = 96"),
      ":3: unknown key dpy in [defaults] (did you mean dpi?",
    ],
    [
      "an unknown key in [apps.x]",
      lines("[apps.firefox]", "", "netwrok = 'none'"),
      ":3: unknown key netwrok in [apps.firefox] (did you mean network?",
    ],
    [
      "an unknown key in [instances.x]",
      lines('[instances."firefox#work"]', "colour = 1"),
      ':2: unknown key colour in [instances."firefox#work"]',
    ],
    ["an unknown sub-table", lines("[defaults]", "[defaults.extra]", "a = 1"), ":2: unknown key extra in [defaults]"],
    ["a dotted unknown key", lines("defaults.sise = '1x1'"), ":1: unknown key sise in [defaults] (did you mean size?"],
    [
      "dpi as a string",
      lines("[defaults]", 'dpi = "96"'),
      ':2: dpi in [defaults]: must be an integer such as 96, not the string "96"',
    ],
    [
      "dpi as a float",
      lines("[defaults]", "dpi = 96.5"),
      ":2: dpi in [defaults]: must be an integer such as 96, not the number 96.5",
    ],
    [
      "audio as a string",
      lines("[apps.a]", 'audio = "yes"'),
      ':2: audio in [apps.a]: must be true or false, not the string "yes"',
    ],
    ["size as a number", lines("[defaults]", "size = 1280"), ":2: size in [defaults]: must be a string WxH"],
    ["size without a height", lines("[defaults]", 'size = "1280"'), ":2: size in [defaults]: must be a string WxH"],
    [
      "shared as a string",
      lines("[defaults]", 'shared = "~/a"'),
      ":2: shared in [defaults]: must be a list of folders",
    ],
    [
      "a shared entry that is not a string",
      lines("[defaults]", "shared = [1]"),
      ":2: shared entry the integer 1 in [defaults]: must be a string",
    ],
    [
      "network as a number",
      lines("[defaults]", "network = 1"),
      ':2: network in [defaults]: must be one of "none", "internet", "bridge", not the integer 1',
    ],
    [
      "an unknown network",
      lines("[defaults]", "network = 'lan'"),
      ':2: network in [defaults]: must be one of "none", "internet", "bridge"',
    ],
    [
      "allow as a string",
      lines("[defaults]", "allow = 'nas.lan'"),
      ':2: allow in [defaults]: must be a list of strings such as ["192.168.1.20:631", "nas.lan", "10.0.0.0/24"], not the string "nas.lan"',
    ],
    [
      "an allow entry with a bad port",
      lines("[apps.firefox]", "allow = ['nas.lan:0']"),
      ':2: allow in [apps.firefox]: "nas.lan:0": the port must be a number from 1 to 65535, not "0"',
    ],
    [
      "an only pattern with a wildcard inside",
      lines("[apps.slack]", "only = ['slack.*.com']"),
      ':2: only in [apps.slack]: "slack.*.com": a wildcard is allowed only as the whole first label (`*.example.com`)',
    ],
    [
      "an unknown files policy",
      lines("[apps.firefox]", "files = true"),
      ':2: files in [apps.firefox]: must be one of "ask", "off", not the boolean true',
    ],
    [
      "an unknown mit-shm",
      lines("[apps.firefox]", "mit-shm = 'sysv'"),
      ':2: mit-shm in [apps.firefox]: must be one of "off", "fd", not the string "sysv"',
    ],
    [
      "an unknown clipboard",
      lines("[defaults]", "clipboard = 'sometimes'"),
      ':2: clipboard in [defaults]: must be one of "both", "to-app", "from-app", "explicit", "off"',
    ],
    [
      "dpi too low",
      lines("[defaults]", "dpi = 10"),
      ":2: dpi in [defaults]: 10 is out of range: must be between 24 and 960",
    ],
    ["dpi too high", lines("[apps.a]", "dpi = 961"), ":2: dpi in [apps.a]: 961 is out of range"],
    [
      "a window too narrow",
      lines("[defaults]", "size = '100x800'"),
      ":2: size in [defaults]: 100x800: each side must be between 200 and 16384 pixels",
    ],
    [
      "a window too tall",
      lines("[defaults]", "size = '1280x16385'"),
      ":2: size in [defaults]: 1280x16385: each side must be between 200 and 16384",
    ],
    [
      "host network",
      lines("", '[instances."a#b"]', "network = 'host'"),
      ':3: network in [instances."a#b"]: host networking is never allowed',
    ],
    [
      "an upper-case instance name",
      lines("[defaults]", '[instances."Firefox#work"]', "dpi = 96"),
      ':2: invalid instance name in [instances."Firefox#work"]: names are lower case',
    ],
    [
      "an instance name with an empty id",
      lines('[instances."firefox#"]'),
      ":1: invalid instance name in [instances.\"firefox#\"]: the id after '#' is empty",
    ],
    [
      "a path in an instance name",
      lines("[instances.'../../etc']"),
      ':1: invalid instance name in [instances."../../etc"]: it contains a path separator',
    ],
    [
      "an app name with an id",
      lines('[apps."firefox#work"]'),
      ":1: invalid app name in [apps.\"firefox#work\"]: an app name has no '#id' part",
    ],
    [
      "an upper-case app name",
      lines("", "[apps.Firefox]"),
      ":2: invalid app name in [apps.Firefox]: names are lower case",
    ],
    [
      "an array of app tables",
      lines("[[apps]]", "name = 'a'"),
      ":1: apps must hold tables such as [apps.<name>], not a list",
    ],
    [
      "an app that is not a table",
      lines("[apps]", "firefox = 1"),
      ":2: [apps.firefox] must be a table, not the integer 1",
    ],
    [
      "defaults that is not a table",
      lines("defaults = 1"),
      ":1: defaults must be a table, [defaults], not the integer 1",
    ],
    [
      "a key in an inline table, at the enclosing line",
      lines("", "apps = { a = { dpi = 1 } }"),
      ":2: dpi in [apps.a]: 1 is out of range",
    ],
    [
      "a refused shared folder",
      lines("[defaults]", "shared = ['/etc']"),
      ':2: shared entry "/etc" in [defaults]: refused: /etc holds',
    ],
    [
      "..",
      lines("[defaults]", "shared = ['~/../../etc']"),
      ':2: shared entry "~/../../etc" in [defaults]: ".." is not allowed',
    ],
    [
      "memory as a number",
      lines("[defaults]", "memory = 4"),
      ':2: memory in [defaults]: must be a size such as "4g" or "512m", not the integer 4',
    ],
    [
      "memory too small",
      lines("[apps.a]", 'memory = "1m"'),
      ":2: memory in [apps.a]: 1m is too small: at least 16 MiB",
    ],
    [
      "open-max not a size",
      lines("[defaults]", "open-max = 5"),
      ':2: open-max in [defaults]: must be a size such as "256m" or "1g", not the integer 5',
    ],
    [
      "open-max too large",
      lines("[defaults]", 'open-max = "5g"'),
      ":2: open-max in [defaults]: 5g is out of range: at most 4g",
    ],
    [
      "tmp-size not a size",
      lines("[defaults]", 'tmp-size = "half"'),
      ':2: tmp-size in [defaults]: must be a size such as "512m" or "1g", not the string "half"',
    ],
    [
      "cpu-shares as a string",
      lines("[defaults]", 'cpu-shares = "512"'),
      ":2: cpu-shares in [defaults]: must be a whole number such as 512",
    ],
    [
      "cpu-shares out of range",
      lines("[defaults]", "cpu-shares = 1"),
      ":2: cpu-shares in [defaults]: 1 is out of range: from 2 to 262144",
    ],
    ["cpus as zero", lines("[defaults]", "cpus = 0"), ":2: cpus in [defaults]: 0 is out of range: from 0.01 to 1024"],
    [
      "a misspelt limit",
      lines("[defaults]", 'memroy = "1g"'),
      ":2: unknown key memroy in [defaults] (did you mean memory?",
    ],
    ["a limit outside any table", lines('memory = "1g"'), ":1: memory is outside any table"],
    [
      "a refused entry in a multi-line list, at its own line",
      lines("[apps.a]", "shared = [", "  '~/Downloads',", "  '~/.ssh',", "]"),
      ':4: shared entry "~/.ssh" in [apps.a]: refused: /home/u/.ssh holds your SSH keys',
    ],
    [
      "two entries that land on one target",
      lines("[defaults]", "shared = [", "  '/mnt/a/data',", "  '/srv/data:ro',", "]"),
      ':4: shared entry "/srv/data:ro" in [defaults]: it would appear at /home/app/data, as "/mnt/a/data" already does',
    ],
  ])("%s", (_, text, expected) => {
    const error = errorOf(text);
    expect(error.message).toContain(expected);
    expect(error.message.startsWith("/c/config.toml:")).toBe(true);
  });

  test("reports every problem, one per line, in file order", () => {
    const error = errorOf(lines("[instances.a]", "dpi = 1", "[defaults]", "audio = 'yes'", "bogus = 1", "[extra]"));
    expect(error.message.split("\n").map((line) => line.split(": ")[0])).toEqual([
      "/c/config.toml:2",
      "/c/config.toml:4",
      "/c/config.toml:5",
      "/c/config.toml:6",
    ]);
    expect(error.problems).toHaveLength(4);
  });

  test("is a usage-style error with a hint", () => {
    const error = errorOf("[nope]");
    expect(error).toMatchObject({ code: "E_CONFIG", exitCode: 2, file: "/c/config.toml" });
    expect(error.hint).toContain("docs/config.md");
  });
});

describe("parseSizeSpec", () => {
  test.each<[string, { width: number; height: number } | undefined]>([
    ["1280x800", { width: 1280, height: 800 }],
    ["1920X1080", { width: 1920, height: 1080 }],
    [" 640x480 ", { width: 640, height: 480 }],
    ["99999x1", { width: 99999, height: 1 }],
    ["", undefined],
    ["1280", undefined],
    ["1280x", undefined],
    ["x800", undefined],
    ["1280*800", undefined],
    ["1280 x 800", undefined],
    ["0x800", undefined],
    ["-1x800", undefined],
    ["12.5x800", undefined],
    ["0800x600", undefined],
    ["1280x800x2", undefined],
  ])("%p", (input, expected) => {
    expect(parseSizeSpec(input)).toEqual(expected);
  });

  test.each<[{ width: number; height: number }, boolean]>([
    [{ width: 200, height: 16384 }, true],
    [{ width: 199, height: 800 }, false],
    [{ width: 800, height: 16385 }, false],
  ])("explainInvalidSize(%p) fine: %p", (size, fine) => {
    expect(explainInvalidSize(size) === undefined).toBe(fine);
  });
});

describe("parseConfig refuses by the host's own rules", () => {
  test("dockercask's folders where XDG puts them, given as refusals", () => {
    const refusals = refusalRules({
      home: HOME,
      config: "/x/conf/dockercask",
      data: "/x/data/dockercask",
      runtime: "/x/run/dockercask",
    });
    const text = lines("[defaults]", "shared = ['/x/data']");
    expect(() => parseConfig(text, { ...OPTIONS, refusals })).toThrow(
      /:2: shared entry "\/x\/data" in \[defaults\]: refused: it contains \/x\/data\/dockercask, which holds dockercask's instance homes/,
    );
    // Without them, the same folder is only a folder.
    expect(parse(text).defaults.shared?.[0]?.host).toBe("/x/data");
  });
});
