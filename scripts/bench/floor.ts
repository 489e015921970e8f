/**
 * The floor: the same work as `dockercask run`, done by hand. Its `docker run` (the container spec
 * dockercask would send, as flags) is shared by the startup benchmark (scripts/bench/startup.ts)
 * and the scale one (scripts/bench/scale.ts); one measured floor start is the startup part's.
 */
import { chownSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import type { parsePolicy } from "../../src/core/catalog/policy.ts";
import { resolveLimits } from "../../src/core/container/limits.ts";
import { buildContainerSpec } from "../../src/core/container/spec.ts";
import { parseInstanceName } from "../../src/core/instance/name.ts";
import { buildXephyrArgs } from "../../src/core/x11/xephyr.ts";
import { BenchError, fail } from "./errors.ts";
import {
  collect,
  containersLabelled,
  exitWithin,
  now,
  type Proc,
  readDisplayNumber,
  sh,
  untilGone,
  withTimeout,
} from "./process.ts";
import type { Sandbox } from "./sandbox.ts";
import { type Watch, type WatchStats, watchForWindow as watchFor, xauthorityEntry } from "./x-watch.ts";

let seccomp: { file: string; json: string } | undefined;

/** A file holding the seccomp profile `json`, in the sandbox (removed with it): written by the first floor run, reused by the next. */
function seccompFile(json: string, dir: string): string {
  if (seccomp?.json !== json) {
    const file = join(dir, "seccomp.json");
    writeFileSync(file, json);
    seccomp = { file, json };
  }
  return seccomp.file;
}

/** The container spec dockercask would send to the Engine API, as `docker run` flags. */
export function dockerRunArgs(
  spec: ReturnType<typeof buildContainerSpec>,
  name: string,
  label: string,
  dir: string,
): string[] {
  const {
    HostConfig: host = {},
    Image,
    Cmd,
    Hostname,
    User,
    WorkingDir,
    Env,
    Labels: _labels,
    name: _name,
    ...rest
  } = spec;
  if (Object.keys(rest).length)
    fail(`the floor does not know how to pass ${Object.keys(rest).join(", ")} to docker run`);
  const args = ["--rm", "--name", name, "--label", label];
  if (Hostname) args.push("--hostname", Hostname);
  if (User) args.push("--user", User);
  if (WorkingDir) args.push("--workdir", WorkingDir);
  for (const e of Env ?? []) args.push("--env", e);
  for (const [key, value] of Object.entries(host)) {
    if (value === undefined) continue;
    switch (key) {
      case "Binds":
        for (const b of value as string[]) args.push("--volume", b);
        break;
      case "CapDrop":
        for (const c of value as string[]) args.push("--cap-drop", c);
        break;
      case "CapAdd":
        for (const c of value as string[]) args.push("--cap-add", c);
        break;
      case "SecurityOpt":
        for (const s of value as string[]) {
          // The Engine API takes a seccomp profile inline; the docker CLI wants a file.
          if (s.startsWith("seccomp={"))
            args.push("--security-opt", `seccomp=${seccompFile(s.slice("seccomp=".length), dir)}`);
          else args.push("--security-opt", s);
        }
        break;
      case "Init":
        if (value) args.push("--init");
        break;
      case "PidsLimit":
        args.push("--pids-limit", String(value));
        break;
      case "ReadonlyRootfs":
        if (value) args.push("--read-only");
        break;
      case "Tmpfs":
        for (const [path, o] of Object.entries(value as Record<string, string>)) args.push("--tmpfs", `${path}:${o}`);
        break;
      case "ShmSize":
        args.push("--shm-size", String(value));
        break;
      case "IpcMode":
        args.push("--ipc", String(value));
        break;
      case "NetworkMode":
        args.push("--network", String(value));
        break;
      case "Devices":
        for (const d of value as { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }[])
          args.push("--device", `${d.PathOnHost}:${d.PathInContainer}:${d.CgroupPermissions}`);
        break;
      case "Memory":
        args.push("--memory", String(value));
        break;
      case "MemorySwap":
        args.push("--memory-swap", String(value));
        break;
      case "CpuShares":
        args.push("--cpu-shares", String(value));
        break;
      case "NanoCpus":
        args.push("--cpus", String((value as number) / 1e9));
        break;
      case "AutoRemove":
        break; // --rm above: the floor's own teardown is docker rm -f anyway
      default:
        fail(`the floor does not know how to pass HostConfig.${key} to docker run`);
    }
  }
  // No --entrypoint: the image's own, so the window manager starts before the app, as in dockercask.
  return [...args, Image!, ...(Cmd as string[])];
}

/** One measured start, of dockercask or of the floor. */
export interface Sample {
  /** Launch to window mapped, ms. */
  total: number;
  /** Milestones since launch, ms. */
  marks: Record<string, number>;
  watch: WatchStats;
  /** CPU this script used while it waited for the window, ms. */
  benchCpuMs: number;
  /** What dockercask printed (shown with --verbose). */
  stderr?: string;
}

/** The sandbox, the startup part's options, and what it learned of the app's image. */
export interface StartupSetup extends Sandbox {
  app: string;
  appClass: string;
  pollMs: number;
  instance: string;
  /** What `dockercask run` is given when it is not the instance's name: `deb:galculator#bench-1`. */
  runAs?: string;
  policy: ReturnType<typeof parsePolicy> & { ok: true };
  user: { uid: number; gid: number };
}

/** The shared watcher, with this run's options. */
export const watchForWindow = (setup: StartupSetup, display: number, cookie: string): Watch =>
  watchFor(display, cookie, { appClass: setup.appClass, pollMs: setup.pollMs });

/** performance.now() as wall-clock ms, to compare with Docker's timestamps. */
const wallOf = (t: number) => performance.timeOrigin + t;

/** Docker's Created and StartedAt of a container, as ms since `t0`. */
export async function containerMarks(id: string, t0: number): Promise<Record<string, number>> {
  const result = await sh(["docker", "inspect", "-f", "{{.Created}} {{.State.StartedAt}}", id]);
  if (result.code !== 0) return {};
  const [created, started] = result.stdout
    .trim()
    .split(" ")
    .map((s) => Date.parse(s) - wallOf(t0));
  return { "container created": created!, "container started": started! };
}

let floorCount = 0;

export async function measureFloor(setup: StartupSetup): Promise<Sample> {
  const n = ++floorCount;
  const dir = join(setup.dir, `floor-${n}`);
  const home = join(dir, "home");
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const authFile = join(dir, "xauth");
  const clientAuthFile = join(dir, "xauth.client");
  const cookie = crypto.getRandomValues(new Uint8Array(16));
  writeFileSync(authFile, xauthorityEntry(cookie), { mode: 0o600 });
  writeFileSync(clientAuthFile, xauthorityEntry(cookie), { mode: 0o600 });
  if (setup.user.uid !== process.getuid!()) {
    chownSync(clientAuthFile, setup.user.uid, setup.user.gid);
    chownSync(home, setup.user.uid, setup.user.gid);
  }
  const name = `dockercask-bench-floor-${process.pid}-${n}`;
  const label = `io.dockercask.bench=${process.pid}-${n}`;

  const cpu0 = process.cpuUsage();
  const t0 = now();
  const xephyr = Bun.spawn(
    [
      "Xephyr",
      ...buildXephyrArgs({
        authFile,
        title: `${setup.app}#bench-floor`,
        width: setup.screen.width,
        height: setup.screen.height,
        dpi: setup.screen.dpi,
        displayFd: 1,
        mitShm: false,
      }),
    ],
    {
      env: setup.env,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  const xephyrErr = collect(xephyr.stderr);
  let docker: Proc | undefined;
  let dockerErr: ReturnType<typeof collect> | undefined;
  let watch: Watch | undefined;
  const teardown = async () => {
    await sh(["docker", "rm", "-f", name]);
    if (docker) {
      await exitWithin(docker, 15_000);
      // Again: a CLI interrupted between its create and our first rm may have created it since.
      await sh(["docker", "rm", "-f", name]);
    }
    xephyr.kill("SIGTERM");
    await exitWithin(xephyr, 5_000);
  };
  setup.live.add(teardown);
  const marks: Record<string, number> = {};
  try {
    const display = await withTimeout(readDisplayNumber(xephyr), setup.timeoutMs, "Xephyr's display number");
    if (display === undefined) fail(`Xephyr did not start:\n${xephyrErr.text()}`);
    marks["Xephyr ready"] = now() - t0;
    const spec = buildContainerSpec({
      instance: parseInstanceName(`${setup.app}#bench-floor`),
      policy: setup.policy.policy,
      limits: resolveLimits({
        label: setup.policy.policy.limits,
        configured: {},
        host: { memoryBytes: totalmem(), cpus: cpus().length },
      }),
      display,
      clientAuthFile,
      home,
      user: setup.user,
      supervisor: { pid: process.pid, start: "" },
    });
    docker = Bun.spawn(["docker", "run", ...dockerRunArgs(spec, name, label, setup.dir)], {
      env: setup.env,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    collect(docker.stdout as ReadableStream<Uint8Array>);
    dockerErr = collect(docker.stderr as ReadableStream<Uint8Array>);
    const early = docker.exited.then((code) => {
      throw new BenchError(`docker run exited with ${code} before the window was mapped:\n${dockerErr!.text()}`);
    });
    early.catch(() => {});
    watch = watchForWindow(setup, display, Buffer.from(cookie).toString("latin1"));
    const mapped =
      (await withTimeout(
        Promise.race([watch.mapped, early]),
        setup.timeoutMs,
        `the ${setup.app} window of the floor`,
      )) - t0;
    const cpu = process.cpuUsage(cpu0);
    Object.assign(marks, await containerMarks(name, t0));
    marks["window mapped"] = mapped;
    return { total: mapped, marks, watch: watch.stats, benchCpuMs: (cpu.user + cpu.system) / 1000 };
  } finally {
    watch?.close();
    await teardown();
    setup.live.delete(teardown);
    await untilGone(`container ${name}`, async () => (await containersLabelled(label)).length === 0);
    await untilGone(`Xephyr pid ${xephyr.pid}`, () => xephyr.exitCode !== null || xephyr.signalCode !== null);
    rmSync(dir, { recursive: true, force: true });
  }
}
