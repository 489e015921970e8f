import { describe, expect, test } from "bun:test";
import { splitAtDashDash, takeFlag } from "../../../src/core/argv.ts";

test.each([
  [["run", "firefox"], ["run", "firefox"], undefined],
  [
    ["run", "firefox", "--", "https://example.org", "--private"],
    ["run", "firefox"],
    ["https://example.org", "--private"],
  ],
  [["run", "xterm", "--"], ["run", "xterm"], []],
  // Only the first "--" splits: a later one is the app's own.
  [
    ["run", "xterm", "--", "-e", "--", "x"],
    ["run", "xterm"],
    ["-e", "--", "x"],
  ],
  [[], [], undefined],
] as const)("%p: ours %p, the app's %p", (argv, ours, after) => {
  expect(splitAtDashDash(argv)).toEqual({ ours: [...ours], after: after && [...after] });
});

describe("takeFlag", () => {
  test.each<[string[], ReturnType<typeof takeFlag>]>([
    [["run", "xeyes"], { found: false }],
    [["--engine", "podman", "run", "xeyes"], { found: true, value: "podman", rest: ["run", "xeyes"] }],
    [["run", "xeyes", "--engine=podman"], { found: true, value: "podman", rest: ["run", "xeyes"] }],
    [
      ["run", "--engine", "unix:///run/p.sock", "xeyes"],
      { found: true, value: "unix:///run/p.sock", rest: ["run", "xeyes"] },
    ],
    [["run", "xeyes", "--engine"], { found: true, missing: true }],
    [["--engine", "--verbose", "ps"], { found: true, missing: true }],
    [["--engine=", "ps"], { found: true, missing: true }],
    // After "--" it is the app's.
    [["run", "xeyes", "--", "--engine", "x"], { found: false }],
    [
      ["--engine", "podman", "run", "app", "--", "--engine", "x"],
      { found: true, value: "podman", rest: ["run", "app", "--", "--engine", "x"] },
    ],
    // A flag that only starts like it is not it.
    [["--engines", "x"], { found: false }],
  ])("%p", (argv, expected) => {
    expect(takeFlag(argv, "--engine")).toEqual(expected);
  });
});
