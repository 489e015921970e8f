/**
 * An instance's X server counts against it (issue "Bridges under attack", item 4). Xephyr is a
 * host process outside the container's cgroup, and every pixmap an app creates is Xephyr's
 * memory: before this bound a dozen 4096x4096 pixmaps from a container limited to 256 MiB grew
 * the host's Xephyr by about 770 MiB. The attack runs from inside, as the app's user, with an X
 * client of its own (fixtures/x-pixmaps.pl); the server's cost is read from /proc on the host.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Sandbox } from "./helpers.ts";
import { containerId, createAppSandbox, execIn, type RunningSession, readState, startRun } from "./session.ts";

const MIB = 1024 ** 2;
const INSTANCE = "attacker#xmem";
const BOUND = 256 * MIB;
const PIXMAPS = readFileSync(join(import.meta.dir, "fixtures/x-pixmaps.pl"), "utf8");

let box: Sandbox;
let session: RunningSession;

beforeAll(async () => {
  box = await createAppSandbox("x-memory");
  const config = join(box.env.XDG_CONFIG_HOME!, "dockercask");
  mkdirSync(config, { recursive: true });
  // 256 MiB of memory: its X server gets the floor, 256 MiB.
  writeFileSync(join(config, "config.toml"), `[instances."${INSTANCE}"]\nmemory = "256m"\n`);
  session = await startRun(box, INSTANCE);
}, 600_000);

afterAll(async () => {
  await box.run(["stop", "--all"]);
  await session?.exited;
  box.cleanup();
}, 120_000);

/** Xephyr's resident memory now, in bytes. */
function xephyrResident(): number {
  const pid = readState(session).xephyrPid as number;
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) * 1024;
}

/** Runs the pixmap client inside; resolves with its report and the server's growth while it holds them. */
async function allocate(count: number): Promise<{ asked: number; refused: number; growth: number }> {
  const before = xephyrResident();
  const proc = Bun.spawn(
    ["docker", "exec", "-i", await containerId(INSTANCE), "perl", "-", String(count), "4096", "30"],
    { stdin: "pipe", stdout: "pipe", stderr: "pipe" },
  );
  proc.stdin.write(PIXMAPS);
  await proc.stdin.end();
  try {
    const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
    const { value } = await reader.read();
    const line = new TextDecoder().decode(value).trim();
    if (!line.startsWith("{")) throw new Error(`the X client said: ${line}${await new Response(proc.stderr).text()}`);
    // Held now: what they cost the server is in its resident memory.
    return { ...JSON.parse(line), growth: xephyrResident() - before };
  } finally {
    proc.kill();
    await proc.exited;
  }
}

describe("the X server's memory", () => {
  test("ps and the state name the bound: the floor, 256 MiB, for a 256 MiB instance", async () => {
    expect(readState(session).xMemoryBytes).toBe(BOUND);
    const ps = JSON.parse((await box.run(["ps", "--json"])).stdout) as { instance: string; xMemoryBytes?: number }[];
    expect(ps.find((r) => r.instance === INSTANCE)?.xMemoryBytes).toBe(BOUND);
  });

  test("the control: two 64 MiB pixmaps under the bound are made, and cost the server their size", async () => {
    const made = await allocate(2);
    expect(made).toMatchObject({ asked: 2, refused: 0 });
    expect(made.growth).toBeGreaterThan(100 * MIB);
  }, 120_000);

  test("a dozen 64 MiB pixmaps from inside: the server refuses those past the bound, and grows by no more than it", async () => {
    const made = await allocate(12);
    expect(made.refused).toBeGreaterThanOrEqual(12 - BOUND / (64 * MIB));
    expect(made.growth).toBeLessThan(BOUND);
    // The window and its server live on, and serve a new client.
    expect(session.proc.exitCode).toBeNull();
    expect((await execIn(INSTANCE, ["xdpyinfo"])).code).toBe(0);
  }, 120_000);
});
