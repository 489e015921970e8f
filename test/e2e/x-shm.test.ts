/**
 * MIT-SHM across the box (issue "Pixels at host speed"): an instance with `mit-shm = "fd"`
 * shares memory with its own X server by descriptor, and with nothing else. Xephyr runs in the
 * host's IPC namespace, so a System V id an app names would be looked up there: the attacks
 * below name the host's own segment and another instance's screen, from inside, with an X
 * client of their own (fixtures/apps/attacker/x-shm-probe.c). The control runs the same probe,
 * from a container, against a Xephyr with MIT-SHM and no guard: it reads the host's secret.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Sandbox } from "./helpers.ts";
import { createAppSandbox, execIn, type RunningSession, readState, startRun } from "./session.ts";

const FAST = "attacker#shm";
const PLAIN = "attacker#plain";
const SECRET = "DOCKERCASK-SECRET-0123456789";

let box: Sandbox;
let fast: RunningSession;
let plain: RunningSession;
let secret: { id: number; holder: ReturnType<typeof Bun.spawn> };

/** A System V segment of the host's, mode 0666 so any uid passes the server's access check. */
async function hostSegment(): Promise<typeof secret> {
  const script = `$|=1; use IPC::SysV qw(IPC_PRIVATE IPC_CREAT IPC_RMID);
    my $id = shmget(IPC_PRIVATE, 4096, 0666|IPC_CREAT) // die "shmget: $!";
    shmwrite($id, "${SECRET}", 0, ${SECRET.length}) or die "shmwrite: $!";
    print "$id\\n"; <STDIN>; shmctl($id, IPC_RMID, 0);`;
  const holder = Bun.spawn(["perl", "-e", script], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
  const reader = (holder.stdout as ReadableStream<Uint8Array>).getReader();
  const { value } = await reader.read();
  return { id: Number(new TextDecoder().decode(value).trim()), holder };
}

/** The probe inside an instance: its one line of JSON. */
async function probe(instance: string, ...args: string[]): Promise<Record<string, unknown>> {
  const result = await execIn(instance, ["x-shm-probe", ...args]);
  if (!result.stdout.trim().startsWith("{")) throw new Error(`x-shm-probe said: ${result.stdout}${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** The three bytes of each pixel a depth-24 image keeps, as hex. */
const rgb = (hex: string) => (hex.match(/.{8}/g) ?? []).map((pixel) => pixel.slice(0, 6)).join("");

/** The segments a process made, from the kernel's list of the host's namespace. */
function segmentsOf(pid: number): number[] {
  return readFileSync("/proc/sysvipc/shm", "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => Number(fields[4]) === pid)
    .map((fields) => Number(fields[1]));
}

beforeAll(async () => {
  box = await createAppSandbox("x-shm");
  const config = join(box.env.XDG_CONFIG_HOME!, "dockercask");
  mkdirSync(config, { recursive: true });
  writeFileSync(join(config, "config.toml"), `[instances."${FAST}"]\nmit-shm = "fd"\n`);
  secret = await hostSegment();
  [fast, plain] = await Promise.all([startRun(box, FAST), startRun(box, PLAIN)]);
}, 600_000);

afterAll(async () => {
  await box.run(["stop", "--all"]);
  await Promise.all([fast?.exited, plain?.exited]);
  secret?.holder.stdin && (secret.holder.stdin as import("bun").FileSink).end();
  await secret?.holder.exited;
  box.cleanup();
}, 120_000);

describe("MIT-SHM by descriptor", () => {
  test("the instance's Xephyr runs under the guard, with MIT-SHM; the default instance's has none", () => {
    const status = (pid: unknown) => readFileSync(`/proc/${pid}/status`, "utf8");
    const commandLine = (pid: unknown) => readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    expect(status(readState(fast).xephyrPid)).toMatch(/^Seccomp_filters:\s+1$/m);
    expect(commandLine(readState(fast).xephyrPid)).not.toContain("-extension");
    expect(commandLine(readState(plain).xephyrPid)).toContain("MIT-SHM");
  });

  test("the fast path works from inside: memory of the app's own crosses by descriptor and reads back intact", async () => {
    expect(await probe(FAST, "fd", String(1024 * 1024))).toEqual({ attach: "ok", match: true, bytes: 1024 * 1024 });
  });

  test("an ordinary app's System V images go by descriptor too (dockercask-shm): x11perf's ShmPutImage runs inside", async () => {
    const result = await execIn(FAST, ["x11perf", "-repeat", "1", "-time", "1", "-shmput100"]);
    expect(result.stdout).toMatch(/reps @ .*ShmPutImage 100x100 square/);
  });

  test("doctor says the guard installs on this host", async () => {
    const report = JSON.parse((await box.run(["doctor", "--json"])).stdout) as {
      checks: { name: string; ok: boolean; required: boolean }[];
    };
    expect(report.checks.find((c) => c.name === "mit-shm")).toMatchObject({ ok: true, required: false });
  });

  test("ps says which has it", async () => {
    const ps = JSON.parse((await box.run(["ps", "--json"])).stdout) as { instance: string; mitShm?: string }[];
    expect(Object.fromEntries(ps.map((r) => [r.instance, r.mitShm]))).toEqual({ [FAST]: "fd", [PLAIN]: "off" });
  });

  test("an instance without it has no MIT-SHM at all", async () => {
    expect(await probe(PLAIN, "fd", "4096")).toEqual({ attach: "no-extension" });
  });
});

describe("attacks from inside, with MIT-SHM on", () => {
  test("the control: without the guard, the same probe in a container reads the host's segment through its X server", async () => {
    const xephyr = Bun.spawn(["Xephyr", "-displayfd", "1", "-ac", "-nolisten", "tcp", "-screen", "320x240"], {
      env: { ...process.env, DISPLAY: box.env.DISPLAY },
      stdout: "pipe",
      stderr: "ignore",
    });
    try {
      const { value } = await (xephyr.stdout as ReadableStream<Uint8Array>).getReader().read();
      const display = new TextDecoder().decode(value).trim();
      const socket = `/tmp/.X11-unix/X${display}`;
      const run = Bun.spawnSync(
        ["docker", "run", "--rm", "--network", "none", "--user", "65534:65534", "-v", `${socket}:${socket}`]
          .concat(["-e", `DISPLAY=:${display}`, "--entrypoint", "x-shm-probe", "dockercask/attacker"])
          .concat(["sysv", String(secret.id), "32"]),
      );
      const report = JSON.parse(run.stdout.toString());
      expect(report.attach).toBe("ok");
      expect(rgb(report.data)).toStartWith(rgb(Buffer.from(SECRET).toString("hex")).slice(0, 36));
    } finally {
      xephyr.kill();
      await xephyr.exited;
    }
  }, 120_000);

  test("the host's own segment, by its id: refused (BadAccess), nothing read, the server lives", async () => {
    expect(await probe(FAST, "sysv", String(secret.id), "32")).toEqual({ attach: "refused", error: 10, alive: true });
  });

  test("another instance's System V segment, by its id: refused", async () => {
    // Made inside the other instance, in its own IPC namespace: the id means nothing in this
    // one's, and in the host's, where Xephyr would look it up, it may name something else.
    const made = await execIn(PLAIN, ["x-shm-probe", "make", SECRET]);
    expect(made.stdout.trim()).toMatch(/^\d+$/);
    expect(await probe(FAST, "sysv", made.stdout.trim(), "32")).toEqual({ attach: "refused", error: 10, alive: true });
  });

  test("no System V id is left to name on the host's side: the X servers' own screens are memfds (MIT-SHM 1.2 to the desktop)", () => {
    for (const session of [fast, plain]) expect(segmentsOf(readState(session).xephyrPid as number)).toEqual([]);
  });

  test("memory shrunk under the server after the attach: the server reads nothing past the end, and lives", async () => {
    expect(await probe(FAST, "truncate")).toEqual({ attach: "ok", alive: true });
    expect(fast.proc.exitCode).toBeNull();
    expect((await execIn(FAST, ["xdpyinfo"])).code).toBe(0);
  });

  test("a FIFO passed as memory: refused, and the server lives", async () => {
    expect(await probe(FAST, "fifo")).toEqual({ attach: "refused", error: 8, alive: true });
  });
});
