import { describe, expect, test } from "bun:test";
import {
  defaultMemoryBytes,
  defaultTmpBytes,
  formatCpu,
  formatSizeValue,
  type LimitSettings,
  OutOfMemoryError,
  type ResourceLimits,
  resolveLimits,
} from "../../../../src/core/container/limits.ts";

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

describe("defaultMemoryBytes: half the host's RAM, at most 16 GiB", () => {
  test.each([
    ["a 4 GiB laptop", 4 * GIB, 2 * GIB],
    ["a desktop whose RAM is not a round number of MiB: rounded down", 24 * GIB - 12345, 12 * GIB - MIB],
    ["a 64 GiB workstation", 64 * GIB, 16 * GIB],
    ["a tiny VM", 20 * MIB, 16 * MIB],
  ])("%s", (_name, host, expected) => {
    expect(defaultMemoryBytes(host)).toBe(expected);
  });
});

test.each([
  [8 * GIB, 512 * MIB],
  [1 * GIB, 256 * MIB],
  [64 * MIB, 16 * MIB],
  [2 * MIB, 1 * MIB],
])("defaultTmpBytes(%p): a quarter of memory, at most 512 MiB", (memory, expected) => {
  expect(defaultTmpBytes(memory)).toBe(expected);
});

describe("resolveLimits: config over label over default; a label only tightens", () => {
  const host = { memoryBytes: 16 * GIB, cpus: 4 };
  const defaults: ResourceLimits = { memoryBytes: 8 * GIB, tmpBytes: 512 * MIB, cpuShares: 512 };
  test.each<[string, LimitSettings, LimitSettings, ResourceLimits]>([
    ["nothing asked: the defaults", {}, {}, defaults],
    [
      "a label lowers memory, and /tmp follows it",
      { memoryBytes: 1 * GIB },
      {},
      { memoryBytes: 1 * GIB, tmpBytes: 256 * MIB, cpuShares: 512 },
    ],
    [
      "a label cannot raise memory, /tmp or shares",
      { memoryBytes: 64 * GIB, tmpBytes: 8 * GIB, cpuShares: 4096 },
      {},
      defaults,
    ],
    [
      "the config raises memory past the default",
      { memoryBytes: 1 * GIB },
      { memoryBytes: 12 * GIB },
      { memoryBytes: 12 * GIB, tmpBytes: 512 * MIB, cpuShares: 512 },
    ],
    [
      "the config sets /tmp beyond its default",
      {},
      { memoryBytes: 64 * MIB, tmpBytes: 1 * GIB },
      { memoryBytes: 64 * MIB, tmpBytes: 1 * GIB, cpuShares: 512 },
    ],
    ["the config raises shares", { cpuShares: 100 }, { cpuShares: 2048 }, { ...defaults, cpuShares: 2048 }],
    ["a label's CPU cap", { cpus: 1.5 }, {}, { ...defaults, cpus: 1.5 }],
    ["the config's cap wins over the label's", { cpus: 1 }, { cpus: 3 }, { ...defaults, cpus: 3 }],
    ["a cap past the host's CPUs is the host's CPUs", {}, { cpus: 64 }, { ...defaults, cpus: 4 }],
  ])("%s", (_name, label, configured, expected) => {
    expect(resolveLimits({ label, configured, host })).toEqual(expected);
  });
});

test.each([
  [8 * GIB, "8g"],
  [128 * MIB, "128m"],
  [3 * GIB + 512 * MIB, "3584m"],
  [1536, "1536"],
])("formatSizeValue(%p) is %p", (bytes, text) => {
  expect(formatSizeValue(bytes)).toBe(text);
});

test.each([
  [{ cpuShares: 512 }, "512 shares"],
  [{ cpuShares: 512, cpus: 1.5 }, "512 shares, max 1.5"],
])("formatCpu(%p)", (limits, text) => {
  expect(formatCpu(limits)).toBe(text);
});

test("OutOfMemoryError names the instance and its limit, says which key to raise, and exits 137", () => {
  const error = new OutOfMemoryError("firefox#work", 4 * GIB);
  expect(error.message).toBe("firefox#work ran out of its 4 GiB memory limit; raise `memory` in config.toml");
  expect(error.hint).toContain('memory = "8g" under [instances."firefox#work"]');
  expect(error.exitCode).toBe(137);
});
