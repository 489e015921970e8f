import { expect, test } from "bun:test";
import { formatBytes, parseSize } from "../../../../src/core/text/size.ts";

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

test.each([
  [4 * GIB, "4 GiB"],
  [1.5 * GIB, "1.5 GiB"],
  [64 * MIB, "64 MiB"],
  [512 * 1024, "512 KiB"],
  [100, "100 B"],
])("formatBytes(%p) is %p", (bytes, text) => {
  expect(formatBytes(bytes)).toBe(text);
});

test.each([
  ["64m", 64 * MIB],
  ["2g", 2 * GIB],
  ["512k", 512 * 1024],
  ["1048576", MIB],
  ["64MB", 64 * MIB],
  ["lots", undefined],
  ["-1m", undefined],
])("parseSize(%p) is %p", (text, bytes) => {
  expect(parseSize(text)).toBe(bytes);
});
