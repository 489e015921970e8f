import { expect, test } from "bun:test";
import { formatUptime } from "../../../../src/core/text/uptime.ts";

test.each([
  [0, "0s"],
  [42, "42s"],
  [60, "1m00s"],
  [187, "3m07s"],
  [3599, "59m59s"],
  [3600, "1h00m"],
  [7500, "2h05m"],
  [90061, "25h01m"],
])("%p seconds read %p", (seconds, shown) => {
  expect(formatUptime(seconds)).toBe(shown);
});
