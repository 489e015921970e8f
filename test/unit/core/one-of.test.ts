import { expect, test } from "bun:test";
import { isOneOf } from "../../../src/core/one-of.ts";

const NETWORKS = ["none", "bridge"] as const;

test.each([
  ["none", true],
  ["bridge", true],
  ["host", false],
  ["None", false],
  ["", false],
  [1, false],
  [undefined, false],
  [["none"], false],
] as const)("%p: %p", (value, expected) => {
  expect(isOneOf(NETWORKS, value)).toBe(expected);
});
