import { describe, expect, test } from "bun:test";
import {
  buildXephyrArgs,
  defaultWindowSize,
  hostDpi,
  isXephyrCommandLine,
  MIN_X_MEMORY_BYTES,
  parseDisplayNumber,
  xephyrCommand,
  xServerMemoryBytes,
} from "../../../../src/core/x11/xephyr.ts";

const options = {
  authFile: "/run/user/1000/dockercask/xeyes/xauth.server",
  title: "xeyes#work",
  windowClass: "dockercask-xeyes.work",
  width: 1024,
  height: 768,
  dpi: 120,
  displayFd: 7,
  mitShm: false,
};

/** The value that follows `flag` in argv, or undefined when the flag is absent. */
function flagValue(args: string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  return index === -1 ? undefined : args[index + 1];
}

describe("buildXephyrArgs", () => {
  const args = buildXephyrArgs(options);

  test.each([
    ["-displayfd", "7"],
    ["-auth", options.authFile],
    ["-nolisten", "tcp"],
    ["-title", "xeyes#work"],
    ["-name", "dockercask-xeyes.work"],
    ["-screen", "1024x768"],
    ["-dpi", "120"],
  ])("passes %s %s", (flag, value) => {
    expect(flagValue(args, flag)).toBe(value);
  });

  test("turns MIT-SHM off unless the instance has it by descriptor, under the guard", () => {
    expect(flagValue(args, "-extension")).toBe("MIT-SHM");
    expect(buildXephyrArgs({ ...options, mitShm: true })).not.toContain("-extension");
  });

  test.each(["-resizeable", "-no-host-grab"])("passes %s", (flag) => {
    expect(args).toContain(flag);
  });

  test("never listens on TCP and never puts a cookie in argv", () => {
    expect(args).not.toContain("-listen");
    expect(args.some((a) => /^[0-9a-f]{32}$/.test(a))).toBe(false);
    expect(args.join(" ")).not.toMatch(/cookie/i);
  });

  test("follows its options", () => {
    const other = buildXephyrArgs({ ...options, width: 640, height: 480, dpi: 96, displayFd: 3, title: "gimp" });
    expect([
      flagValue(other, "-screen"),
      flagValue(other, "-dpi"),
      flagValue(other, "-displayfd"),
      flagValue(other, "-title"),
    ]).toEqual(["640x480", "96", "3", "gimp"]);
  });
});

describe("parseDisplayNumber", () => {
  test.each([
    ["5\n", 5],
    ["  12 \n", 12],
    ["0\n", 0],
    ["42", 42],
    ["", undefined],
    ["\n", undefined],
    ["abc", undefined],
    ["5a\n", undefined],
    ["-1\n", undefined],
    ["3\n4\n", 3],
  ])("%p -> %p", (output, expected) => {
    expect(parseDisplayNumber(output)).toBe(expected);
  });
});

describe("defaultWindowSize", () => {
  test.each([
    ["no host screen", undefined, { width: 1280, height: 800 }],
    ["1280x800", { width: 1280, height: 800 }, { width: 1152, height: 720 }],
    ["1920x1080", { width: 1920, height: 1080 }, { width: 1728, height: 968 }],
    ["3840x2160", { width: 3840, height: 2160 }, { width: 3456, height: 1944 }],
    ["700x500: the minimum wins over 90%", { width: 700, height: 500 }, { width: 640, height: 480 }],
    ["600x400: smaller than the minimum, so the screen wins", { width: 600, height: 400 }, { width: 600, height: 400 }],
  ])("%s", (_, host, expected) => {
    expect(defaultWindowSize(host)).toEqual(expected);
  });

  test.each([
    [320, 200],
    [600, 400],
    [640, 480],
    [700, 500],
    [800, 600],
    [1024, 768],
    [1366, 768],
    [2560, 1440],
    [3840, 2160],
    [7680, 4320],
  ])("on %ix%i: never larger than the screen, at least 640x480 unless the screen is smaller", (width, height) => {
    const size = defaultWindowSize({ width, height });
    expect(size.width).toBeLessThanOrEqual(width);
    expect(size.height).toBeLessThanOrEqual(height);
    expect(size.width).toBeGreaterThanOrEqual(Math.min(640, width));
    expect(size.height).toBeGreaterThanOrEqual(Math.min(480, height));
  });
});

describe("hostDpi", () => {
  test.each([
    ["unknown host", undefined, 96],
    ["size in mm unknown", { width: 1920, widthMm: 0 }, 96],
    ["negative mm", { width: 1920, widthMm: -10 }, 96],
    ["a 96 dpi screen", { width: 1920, widthMm: 508 }, 96],
    ["a 24-inch 1080p screen", { width: 1920, widthMm: 531 }, 92],
    ["a 4k laptop", { width: 3840, widthMm: 344 }, 284],
    ["absurdly high: a bogus size", { width: 3840, widthMm: 10 }, 96],
    ["absurdly low: a projector's bogus size", { width: 1024, widthMm: 5000 }, 96],
  ])("%s -> %p", (_, host, expected) => {
    expect(hostDpi(host)).toBe(expected);
  });
});

describe("isXephyrCommandLine", () => {
  test.each([
    [["/usr/bin/Xephyr", "-displayfd", "3"], true],
    [["Xephyr", ":5"], true],
    [["/usr/bin/firefox-esr"], false],
    [["/usr/bin/Xvfb", ":0"], false],
    // A process that is gone (or a kernel thread) has an empty command line.
    [[], false],
  ] as const)("%p: %p", (argv, expected) => {
    expect(isXephyrCommandLine(argv)).toBe(expected);
  });
});

describe("the X server's memory bound", () => {
  const MIB = 1024 * 1024;
  test.each([
    ["a small instance gets the floor", 64 * MIB, MIN_X_MEMORY_BYTES],
    ["256 MiB of memory: still the floor", 256 * MIB, MIN_X_MEMORY_BYTES],
    ["4 GiB: a quarter", 4096 * MIB, 1024 * MIB],
    ["12 GiB (half of a 24 GiB host, the default): a quarter", 12288 * MIB, 3072 * MIB],
    ["an odd size rounds down to whole MiB", 4096 * MIB + 3, 1024 * MIB],
  ])("%s", (_, memory, expected) => {
    expect(xServerMemoryBytes(memory)).toBe(expected);
  });

  const command = {
    authFile: "/run/d/x; rm -rf ~",
    title: "a$(b)#c",
    width: 800,
    height: 600,
    dpi: 96,
    displayFd: 1,
    memoryBytes: 256 * MIB,
  };

  test.each([false, true])(
    "Xephyr runs under RLIMIT_DATA, set by the shell that then execs it; the argv is positional, never parsed by the shell (MIT-SHM %p)",
    (mitShm) => {
      const argv = xephyrCommand({ ...command, mitShm });
      expect(argv.slice(0, 6)).toEqual([
        "/bin/sh",
        "-c",
        'ulimit -d "$1" && shift && exec "$@"',
        "dockercask-xephyr",
        String(256 * 1024),
        "Xephyr",
      ]);
      expect(argv.slice(6)).toEqual(buildXephyrArgs({ ...command, mitShm }));
    },
  );
});
