import { expect, test } from "bun:test";
import { splitAtDashDash } from "../../../src/core/argv.ts";

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
