/**
 * Resource limits (issue 10, point 3): an app cannot take more than its share of the host.
 * The limits are read back from the engine, and tried from inside as the app's user: a /tmp
 * filled past its size, a process that allocates past the memory limit. Each attack has a
 * control that stays under the limit and must succeed.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { totalmem } from "node:os";
import { join } from "node:path";
import { dockerInspect, expectNoStackTrace, type Sandbox } from "./helpers.ts";
import { containerId, createAppSandbox, execIn, leftovers, type RunningSession, startRun } from "./session.ts";

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

let box: Sandbox;
let limited: RunningSession;
let defaults: RunningSession;

beforeAll(async () => {
  box = await createAppSandbox("limits");
  const config = join(box.env.XDG_CONFIG_HOME!, "dockercask");
  mkdirSync(config, { recursive: true });
  writeFileSync(
    join(config, "config.toml"),
    [
      '[instances."attacker#limits"]',
      'memory = "64m"',
      'tmp-size = "8m"',
      "cpu-shares = 300",
      "cpus = 1",
      '[instances."attacker#oom"]',
      'memory = "64m"',
      '[instances."attacker#fits"]',
      'memory = "64m"',
      "",
    ].join("\n"),
  );
  [limited, defaults] = await Promise.all([startRun(box, "attacker#limits"), startRun(box, "attacker#limit-defaults")]);
});

afterAll(async () => {
  await box.run(["stop", "--all"]);
  await Promise.all([limited?.exited, defaults?.exited]);
  box.cleanup();
});

const inLimited = (command: string) => execIn("attacker#limits", ["sh", "-c", command]);

describe("the engine runs the container with the limits", () => {
  test("configured: 64 MiB with no swap on top, 300 shares, 1 CPU, an 8 MiB /tmp and /var/tmp", async () => {
    const host = (await dockerInspect("container", await containerId("attacker#limits"))).HostConfig;
    expect({
      Memory: host.Memory,
      MemorySwap: host.MemorySwap,
      CpuShares: host.CpuShares,
      NanoCpus: host.NanoCpus,
    }).toEqual({
      Memory: 64 * MIB,
      MemorySwap: 64 * MIB,
      CpuShares: 300,
      NanoCpus: 1e9,
    });
    expect(host.Tmpfs["/tmp"]).toContain(`size=${8 * MIB}`);
    expect(host.Tmpfs["/var/tmp"]).toContain(`size=${8 * MIB}`);
  });

  test("by default: half the host's RAM (at most 16 GiB), a quarter of that for /tmp (at most 512 MiB), 512 shares, no cap", async () => {
    const host = (await dockerInspect("container", await containerId("attacker#limit-defaults"))).HostConfig;
    const memory = Math.max(16 * MIB, Math.min(Math.floor(totalmem() / 2 / MIB) * MIB, 16 * GIB));
    expect(host.Memory).toBe(memory);
    expect(host.MemorySwap).toBe(memory);
    expect(host.CpuShares).toBe(512);
    expect(host.NanoCpus ?? 0).toBe(0);
    const tmp = Math.min(512 * MIB, Math.floor(memory / 4 / MIB) * MIB);
    expect(host.Tmpfs["/tmp"]).toContain(`size=${tmp}`);
    // And the kernel enforces it: the container's own cgroup says so.
    const cgroup = await execIn("attacker#limit-defaults", ["cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes"]);
    if (cgroup.code === 0) expect(Number(cgroup.stdout.trim())).toBe(memory);
  });

  test("ps shows them, as text and as JSON", async () => {
    const text = await box.run(["ps"]);
    expect(text.code).toBe(0);
    const line = text.stdout.split("\n").find((l) => l.trimStart().startsWith("attacker#limits "));
    // Its X server's bound follows: the floor, 256 MiB, for a 64 MiB instance.
    expect(line).toMatch(/64 MiB\s+8 MiB\s+300 shares, max 1\s+256 MiB\s+off\s+none\s+off\s*$/);
    expect(text.stdout.split("\n")[0]).toMatch(/MEMORY\s+TMP\s+CPU\s+X MEMORY\s+X SHM\s+NETWORK\s+FILES\s*$/);
    const json = await box.run(["ps", "--json"]);
    const entry = (
      JSON.parse(json.stdout) as { instance: string; limits: unknown; xMemoryBytes: unknown; mitShm: unknown }[]
    ).find((r) => r.instance === "attacker#limits");
    expect(entry?.limits).toEqual({ memoryBytes: 64 * MIB, tmpBytes: 8 * MIB, cpuShares: 300, cpus: 1 });
    expect(entry?.xMemoryBytes).toBe(256 * MIB);
    expect(entry?.mitShm).toBe("off");
  });
});

describe("/tmp and /var/tmp hold no more than their size", () => {
  test.each(["/tmp", "/var/tmp"])(
    "%s: a small write succeeds (the control), one past the size fails with ENOSPC",
    async (dir) => {
      const small = await inLimited(
        `head -c 4m /dev/zero > ${dir}/small && stat -c %s ${dir}/small && rm ${dir}/small`,
      );
      expect(small.stdout.trim()).toBe(String(4 * MIB));
      const big = await inLimited(
        `head -c 16m /dev/zero > ${dir}/big; echo "code $?"; stat -c %s ${dir}/big; rm -f ${dir}/big`,
      );
      expect(big.stderr).toContain("No space left on device");
      expect(big.stdout).toMatch(/^code [1-9]/m);
      // What did land stopped at the size.
      expect(Number(big.stdout.trim().split("\n").pop())).toBeLessThanOrEqual(8 * MIB);
    },
  );
});

describe("memory", () => {
  // GNU tail keeps the whole last line in memory: /dev/zero has no newline, so it holds everything.
  test("a process under the limit runs (the control): 16 MiB in 64 MiB", async () => {
    const r = await inLimited("head -c 16m /dev/zero | tail | wc -c");
    expect(r.stdout.trim()).toBe(String(16 * MIB));
  });

  test("a process past the limit is killed by the kernel; the host gave it no more than 64 MiB", async () => {
    const r = await inLimited("head -c 512m /dev/zero | tail | wc -c");
    expect(r.stdout.trim().split("\n")[0]).not.toBe(String(512 * MIB));
    const usage = await inLimited(
      "cat /sys/fs/cgroup/memory/memory.max_usage_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.peak",
    );
    if (usage.code === 0) expect(Number(usage.stdout.trim())).toBeLessThanOrEqual(64 * MIB);
  });

  test("an app that runs out of memory ends its session with a clear message, exit 137, and nothing is left", async () => {
    const r = await box.run(["run", "attacker#oom", "--", "sh", "-c", "head -c 512m /dev/zero | tail"]);
    expect(r.stderr).toContain("attacker#oom ran out of its 64 MiB memory limit; raise `memory` in config.toml");
    expectNoStackTrace(r.stderr);
    expect(r.code).toBe(137);
    expect(await leftovers(box, "attacker#oom")).toEqual([]);
  });

  test("an app under the limit ends normally (the control): exit 0, no memory message, nothing left", async () => {
    const r = await box.run(["run", "attacker#fits", "--", "sh", "-c", "head -c 16m /dev/zero | tail | wc -c"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("attacker#fits ended: the app exited");
    expect(r.stderr).not.toContain("memory limit");
    expect(await leftovers(box, "attacker#fits")).toEqual([]);
  });
});
