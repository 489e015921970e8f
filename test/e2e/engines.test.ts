/**
 * The engine under test (scripts/test.ts runs this file once per engine, with DOCKER_HOST set):
 * what it says it applied matches rootful Docker, and the kernel agrees; files in the home
 * belong to the user. Rootless engines run as the unprivileged test user of scripts/testbed.sh.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, dockerInspect, expectNoStackTrace, type Sandbox, sh } from "./helpers.ts";
import { containerId, createAppSandbox, execIn, startRun, visibleWindows, waitFor, waitUntilClean } from "./session.ts";

const ENGINE = process.env.DOCKERCASK_TEST_ENGINE ?? "docker";
const hostUid = process.getuid!();
const appUid = hostUid === 0 ? 1000 : hostUid;

let box: Sandbox;
beforeAll(async () => {
  box = await createAppSandbox(`engines-${ENGINE}`, ["xeyes", "attacker"]);
});
afterAll(() => box.cleanup());

/** The fields of /proc/<pid>/status that say what a process may do. */
function processStatus(pid: number): Record<string, string> {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  return Object.fromEntries(
    text
      .split("\n")
      .map((l) => l.split(":\t"))
      .filter((p) => p.length === 2)
      .map(([k, v]) => [k!, v!.trim()]),
  );
}

describe(`on ${ENGINE}`, () => {
  test("the doctor names this engine", async () => {
    const doctor = await box.run(["doctor"]);
    const kind = ENGINE.startsWith("podman") ? "Podman" : "Docker";
    expect(doctor.stdout).toMatch(new RegExp(`engine\\s+rootful ${kind} `));
  });

  test("xeyes opens; the engine's inspect shows the whole hardening set, and the kernel agrees", async () => {
    const session = await startRun(box, "xeyes#engine");
    try {
      await waitFor("the xeyes window", async () => (await visibleWindows(session.xenv, "xeyes")).length > 0);
      const info = await dockerInspect("container", await containerId("xeyes#engine"));
      const host = info.HostConfig;
      // What rootful Docker reports for the same spec (Podman lists the dropped caps by name).
      const dropped = (host.CapDrop as string[]).map((c) => c.replace(/^CAP_/, ""));
      expect(
        dropped.includes("ALL") ||
          ["CHOWN", "DAC_OVERRIDE", "SETUID", "SETGID", "NET_RAW", "SYS_CHROOT"].every((c) => dropped.includes(c)),
      ).toBe(true);
      expect(host.CapAdd ?? []).toEqual([]);
      expect(host.SecurityOpt).toContain("no-new-privileges");
      expect(host.Init).toBe(true);
      expect(host.PidsLimit).toBe(1024);
      expect(host.ReadonlyRootfs).toBe(true);
      expect(host.Privileged).toBe(false);
      expect(host.NetworkMode).toBe("none");
      expect(host.Memory).toBeGreaterThan(0);
      expect(host.MemorySwap).toBe(host.Memory);
      expect(host.CpuShares).toBe(512);
      expect(Object.keys(host.Tmpfs ?? {})).toEqual(expect.arrayContaining(["/tmp", "/var/tmp"]));
      expect(info.Config.User).toBe(`${appUid}:${appUid}`);

      // The kernel's view of the app's process: no capability at all, no-new-privileges, seccomp
      // filtering, an IPC namespace of its own. Positive control: this test process, on the same
      // host, reads as privileged and in the host's namespace, so the check can tell.
      const pid = Number(info.State.Pid);
      const app = processStatus(pid);
      expect([app.CapEff, app.CapBnd, app.NoNewPrivs, app.Seccomp]).toEqual([
        "0000000000000000",
        "0000000000000000",
        "1",
        "2",
      ]);
      const ours = processStatus(process.pid);
      expect(ours.CapBnd).not.toBe("0000000000000000");
      expect(ours.Seccomp).toBe("0");
      const { readlinkSync } = await import("node:fs");
      expect(readlinkSync(`/proc/${pid}/ns/ipc`)).not.toBe(readlinkSync(`/proc/${process.pid}/ns/ipc`));
      expect(readlinkSync(`/proc/${pid}/ns/net`)).not.toBe(readlinkSync(`/proc/${process.pid}/ns/net`));
    } finally {
      session.proc.kill("SIGTERM");
      await session.exited;
    }
    expect(await waitUntilClean(box, "xeyes#engine")).toEqual([]);
  });

  // Podman only: defined there, not skipped on the others (CI fails on an unlisted skip).
  if (ENGINE === "podman")
    test("a shared folder is refused, naming it and the engine, since Podman would mount an empty volume", async () => {
      const docs = join(box.env.HOME!, "engine-docs");
      mkdirSync(docs, { recursive: true });
      const { writeFileSync } = await import("node:fs");
      writeFileSync(
        join(box.env.XDG_CONFIG_HOME!, "dockercask/config.toml"),
        `[instances."attacker#shared"]\nshared = ["${docs}:ro"]\n`,
      );
      try {
        const run = await box.run(["run", "attacker#shared", "--", "true"]);
        expect(run.code).not.toBe(0);
        expect(run.stderr).toMatch(/rootful Podman [^ ]+ cannot apply Mounts \(shared folders\)/);
        expectNoStackTrace(run.stderr);
        // Control: without the folder, the same instance runs.
        rmSync(join(box.env.XDG_CONFIG_HOME!, "dockercask/config.toml"));
        expect((await box.run(["run", "attacker#shared", "--", "true"])).code).toBe(0);
      } finally {
        rmSync(join(box.env.XDG_CONFIG_HOME!, "dockercask/config.toml"), { force: true });
      }
      expect(await waitUntilClean(box, "attacker#shared")).toEqual([]);
    });

  test("what the app writes in its home belongs to the user on the host", async () => {
    const session = await startRun(box, "attacker#home", ["--", "sleep", "600"]);
    try {
      const made = await execIn("attacker#home", [
        "sh",
        "-c",
        "mkdir -p ~/made/deeper && echo x > ~/made/deeper/file && id -u",
      ]);
      expect(made.code).toBe(0);
      const home = join(box.env.XDG_DATA_HOME!, "dockercask/homes/attacker#home");
      const owners = new Set<number>();
      const walk = (dir: string) => {
        owners.add(statSync(dir).uid);
        for (const e of readdirSync(dir)) {
          const p = join(dir, e);
          if (statSync(p).isDirectory()) walk(p);
          else owners.add(statSync(p).uid);
        }
      };
      walk(home);
      expect([...owners]).toEqual([appUid]);
      // The user can delete all of it again.
      rmSync(join(home, "made"), { recursive: true });
    } finally {
      session.proc.kill("SIGTERM");
      await session.exited;
    }
    expect(await waitUntilClean(box, "attacker#home")).toEqual([]);
  });
});

/**
 * Rootless engines, driven as the unprivileged test user (once, from the rootful Docker pass).
 * On cgroup v1 they cannot enforce limits, and dockercask refuses them.
 */
const rootless = (process.env.DOCKERCASK_TEST_ROOTLESS_ENGINES ?? "")
  .split(",")
  .filter(Boolean)
  .map((e) => e.split("=") as [string, string]);
const testUser = process.env.DOCKERCASK_TEST_USER ?? "dctest";
const cgroupV1 = process.env.DOCKERCASK_TEST_CGROUP === "1";

// Defined where it applies, not skipped elsewhere: the rootful Docker pass of the matrix is the
// one that drives the rootless engines (CI counts a skip as a failure unless it is listed).
if (ENGINE === "docker" && rootless.length > 0 && hostUid === 0)
  describe("rootless engines, as the test user", () => {
    let dir: string;
    let uid: number;
    let runtime: string;
    beforeAll(async () => {
      uid = Number((await sh(["id", "-u", testUser])).stdout.trim());
      runtime = `/run/user/${uid}`;
      dir = mkdtempSync(join(tmpdir(), "dockercask-e2e-rootless-"));
      chmodSync(dir, 0o755);
      // A copy the user can run: the checkout may sit below a folder only root may enter.
      copyFileSync(BIN, join(dir, "dockercask"));
      chmodSync(join(dir, "dockercask"), 0o755);
      for (const sub of ["home", "config", "data"]) mkdirSync(join(dir, sub));
      await sh(["chown", "-R", `${testUser}:${testUser}`, join(dir, "home"), join(dir, "config"), join(dir, "data")]);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    /** `dockercask <args>` as the test user, in a world of its own. */
    const asUserArgv = (args: string[]) => [
      "runuser",
      "-u",
      testUser,
      "--",
      "env",
      "-i",
      `PATH=${process.env.PATH}`,
      `HOME=${dir}/home`,
      `XDG_CONFIG_HOME=${dir}/config`,
      `XDG_DATA_HOME=${dir}/data`,
      `XDG_RUNTIME_DIR=${runtime}`,
      `DISPLAY=${process.env.DISPLAY ?? ":0"}`,
      "NO_COLOR=1",
      join(dir, "dockercask"),
      ...args,
    ];
    const asUser = (args: string[]) => sh(asUserArgv(args));

    test("found without configuration: the user's own engine comes before the system's", async () => {
      const doctor = await asUser(["doctor"]);
      const first = rootless.find(([n]) => n === "docker-rootless") ?? rootless[0]!;
      expect(doctor.stdout).toContain(`at ${first[1].slice("unix://".length)}`);
      expect(doctor.stdout).toMatch(/engine\s+rootless /);
    });

    for (const [name, host] of rootless) {
      const kind = name.startsWith("podman") ? "Podman" : "Docker";
      test(`${name}: chosen with --engine, and doctor says rootless and where`, async () => {
        const doctor = await asUser(["--engine", name, "doctor"]);
        expect(doctor.stdout).toMatch(
          new RegExp(`engine\\s+rootless ${kind} [^\\n]* at ${host.slice("unix://".length)}`),
        );
      });

      // Which of the two runs depends on the host's cgroup version: each one where it is true.
      if (cgroupV1)
        test(`${name} on cgroup v1: run is refused, naming the settings and the engine, and leaves nothing`, async () => {
          const run = await asUser(["--engine", name, "run", "xeyes#rootless"]);
          expect(run.code).not.toBe(0);
          expect(run.stderr).toMatch(
            new RegExp(`rootless ${kind} [^ ]+ cannot apply Memory, MemorySwap, CpuShares, PidsLimit`),
          );
          expect(run.stderr).toContain("hint: Rootless engines need cgroup v2");
          expectNoStackTrace(run.stderr);
          const left = await sh([
            "runuser",
            "-u",
            testUser,
            "--",
            "docker",
            "-H",
            host,
            "ps",
            "-aq",
            "--filter",
            "label=io.dockercask.instance=xeyes#rootless",
          ]);
          expect(left.code).toBe(0);
          expect(left.stdout.trim()).toBe("");
          expect((await sh(["pgrep", "-f", "Xephyr .*-title xeyes#rootless "])).stdout.trim()).toBe("");
          expect(readdirSync(`${runtime}/dockercask`).filter((e) => e.startsWith("xeyes#rootless"))).toEqual([]);
        });
      else
        test(`${name}: xeyes opens, and what the app writes in its home is the user's`, async () => {
          const run = Bun.spawn(
            asUserArgv([
              "--engine",
              name,
              "run",
              "attacker#rootless",
              "--",
              "sh",
              "-c",
              "echo x > ~/written; sleep 600",
            ]),
            { stdout: "pipe", stderr: "pipe" },
          );
          const file = join(dir, "data/dockercask/homes/attacker#rootless/written");
          try {
            await waitFor(
              "the app to write its file",
              () => statSync(file, { throwIfNoEntry: false }) !== undefined,
              300_000,
            );
            expect(statSync(file).uid).toBe(uid);
          } finally {
            run.kill("SIGTERM");
            await run.exited;
          }
        });
    }
  });
