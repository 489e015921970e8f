/**
 * The startup benchmark (issue 3): the time from launching `dockercask run <app>#bench-<pid>` to the
 * app's window being mapped (viewable) inside the instance's Xephyr, against a floor measured
 * in the same run, interleaved run by run: this script starts Xephyr itself (the same argv,
 * built by buildXephyrArgs) and a plain `docker run --rm` of the same image with the same
 * mounts and hardening (translated from buildContainerSpec), and times Xephyr start to window.
 *
 * The clipboard benchmark (issue 4): the idle CPU of `dockercask run <clip-app>#bench-clip-<pid>`
 * with its clipboard bridge on, and how long a copy takes to cross (desktop -> app and
 * app -> desktop), side by side with a baseline in the same run: an x11docker-style loop that
 * polls both clipboards every second with xclip. See "How it is measured" in docs/benchmarks.md.
 *
 *   npx bun scripts/bench.ts [--startup | --clipboard] [--write] [--bin PATH] [--verbose]
 *       startup:   [--runs N] [--app xeyes] [--class WM_CLASS] [--poll-ms N] [--timeout-ms N]
 *       clipboard: [--clip-app attacker] [--copies N] [--idle-s N] [--settle-s N] [--clip-poll-ms N]
 *
 * Both parts run unless --startup or --clipboard picks one. --write puts the results into
 * docs/benchmarks.md (each part between its own markers); without it they are only printed.
 * --verbose shows each run's milestones and what dockercask logged.
 *
 * Everything it starts lives in a private XDG sandbox and is torn down (and checked to be
 * gone) after every run, and on Ctrl+C. Exits non-zero on errors, not on a missed target.
 */
import { chmodSync, chownSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { queryHostScreen } from "../src/adapters/host-display.ts";
import { BenchError, dockerRunArgs as floorDockerRunArgs, fail, readCookie, readDisplayNumber, watchForWindow as watchFor, xauthorityEntry, type Watch, type WatchStats } from "./bench/floor.ts";
import { processStartTime } from "../src/adapters/process.ts";
import { buildContainerSpec, CONTAINER_LABEL, containerUser } from "../src/core/container-spec.ts";
import { parseInstanceName } from "../src/core/instance-name.ts";
import { resolveLimits } from "../src/core/limits.ts";
import { parsePolicy } from "../src/core/policy.ts";
import { CLIENT_AUTH_FILE, parseSessionState, type SessionState, STATE_FILE } from "../src/core/runtime.ts";
import { buildXephyrArgs, defaultWindowSize, hostDpi } from "../src/core/xephyr.ts";
import { percentile, sorted } from "./bench/stats.ts";

const ROOT = join(import.meta.dir, "..");
/** Issue 3: xeyes, the smoke-test app, shows the tool's overhead as a ratio; a heavy app, in ms. */
const TARGET_RATIO = 1.15;
const HEAVY_TARGET_EXTRA_MS = 150;
const MARKERS = ["<!-- bench:start -->", "<!-- bench:end -->"] as const;
const CLIP_MARKERS = ["<!-- bench-clipboard:start -->", "<!-- bench-clipboard:end -->"] as const;
/** Issue 4's targets: an idle instance's supervisor, % of one core; a copy's p95, ms. */
const CLIP_TARGET_IDLE_PCT = 0.5;
const CLIP_TARGET_P95_MS = 250;
/** The pause before each measured copy: random, so a copy lands anywhere in the baseline's 1 s cycle. */
const CLIP_GAP_MIN_MS = 300;
const CLIP_GAP_SPAN_MS = 1000;
/** A copy that has not arrived by then is counted as lost. */
const CLIP_COPY_TIMEOUT_MS = 5000;
/** How often state.json is read while dockercask starts: milestones to the ms, at a small CPU cost. */
const STATE_POLL_MS = 2;

const USAGE =
  "usage: bun scripts/bench.ts [--startup | --clipboard] [--write] [--bin PATH] [--verbose]\n" +
  "  startup:   [--runs N (>= 5, default 15)] [--app NAME (default xeyes)] [--class WM_CLASS] [--poll-ms N] [--timeout-ms N]\n" +
  "  clipboard: [--clip-app NAME (default attacker)] [--copies N each way (>= 5, default 30)] [--idle-s N (default 20)] [--settle-s N (default 3)] [--clip-poll-ms N (default 5)]";

function parseOptions() {
  try {
    const { values } = parseArgs({
      options: {
        runs: { type: "string", default: "15" },
        app: { type: "string", default: "xeyes" },
        class: { type: "string" },
        bin: { type: "string", default: join(ROOT, "dist/dockercask") },
        "poll-ms": { type: "string", default: "5" },
        "timeout-ms": { type: "string", default: "30000" },
        startup: { type: "boolean", default: false },
        clipboard: { type: "boolean", default: false },
        "clip-app": { type: "string", default: "attacker" },
        copies: { type: "string", default: "30" },
        "idle-s": { type: "string", default: "20" },
        "settle-s": { type: "string", default: "3" },
        "clip-poll-ms": { type: "string", default: "5" },
        write: { type: "boolean", default: false },
        verbose: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    const runs = Number(values.runs);
    const pollMs = Number(values["poll-ms"]);
    const timeoutMs = Number(values["timeout-ms"]);
    if (!Number.isInteger(runs) || runs < 5) fail("--runs must be a whole number of at least 5");
    if (!(pollMs >= 0) || !(timeoutMs > 0)) fail("--poll-ms and --timeout-ms must be numbers");
    const copies = Number(values.copies);
    const idleS = Number(values["idle-s"]);
    const settleS = Number(values["settle-s"]);
    const clipPollMs = Number(values["clip-poll-ms"]);
    if (!Number.isInteger(copies) || copies < 5) fail("--copies must be a whole number of at least 5");
    if (!(idleS >= 5) || !(settleS >= 0) || !(clipPollMs >= 0)) fail("--idle-s must be at least 5; --settle-s and --clip-poll-ms must be numbers");
    if (values.startup && values.clipboard) fail("--startup and --clipboard each pick one part; give neither for both");
    const app = values.app!;
    const clipApp = values["clip-app"]!;
    parseInstanceName(`${app}#bench-${process.pid}`);
    parseInstanceName(`${clipApp}#bench-clip-${process.pid}`);
    const sections = { startup: !values.clipboard, clipboard: !values.startup };
    return { ...values, runs, pollMs, timeoutMs, app, appClass: (values.class ?? app).toLowerCase(), bin: values.bin!, sections, clipApp, copies, idleS, settleS, clipPollMs };
  } catch (error) {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    process.exit(2);
  }
}

// The bridge part (issue 11) has its own module and options: npx bun scripts/bench.ts --bridge [--help].
if (process.argv.includes("--bridge")) process.exit(await (await import("./bench/bridge.ts")).runBridgeBench(process.argv.slice(2)));
const opts = parseOptions();
const { runs: RUNS, pollMs: POLL_MS, timeoutMs: TIMEOUT_MS, app: APP, appClass: APP_CLASS, bin: BIN } = opts;
// Our pid in the name: two benchmarks (or a benchmark and the e2e tests) never share a container name.
const INSTANCE = `${APP}#bench-${process.pid}`;
const CLIP_INSTANCE = `${opts.clipApp}#bench-clip-${process.pid}`;

// ---------------------------------------------------------------------------------------------
// Cleanup: every resource registers how to tear it down; Ctrl+C tears down whatever is live.

const live = new Set<() => Promise<void>>();
let sandbox: string | undefined;
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${signal}: tearing down\n`);
    void Promise.allSettled([...live].map((teardown) => teardown())).finally(() => {
      if (sandbox) rmSync(sandbox, { recursive: true, force: true });
      process.exit({ SIGHUP: 129, SIGINT: 130, SIGTERM: 143 }[signal]);
    });
  });
}

const log = (message: string) => process.stderr.write(`${message}\n`);
const now = () => performance.now();
/** performance.now() as wall-clock ms, to compare with Docker's timestamps. */
const wallOf = (t: number) => performance.timeOrigin + t;

// ---------------------------------------------------------------------------------------------
// Processes

type Proc = ReturnType<typeof Bun.spawn>;

function collect(stream: ReadableStream<Uint8Array> | null | undefined): { text: () => string; done: Promise<void> } {
  let text = "";
  const done = (async () => {
    if (!stream) return;
    const decoder = new TextDecoder();
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  })().catch(() => {});
  return { text: () => text, done };
}

async function sh(argv: string[], env: Record<string, string | undefined> = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn(argv, { env: env as Record<string, string>, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [code, stdout, stderr] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { code, stdout, stderr };
}

async function shChecked(argv: string[]): Promise<string> {
  const result = await sh(argv);
  if (result.code !== 0) fail(`${argv.join(" ")} failed (exit ${result.code}): ${result.stderr.trim()}`);
  return result.stdout.trim();
}

/** Waits for a process to exit; SIGKILL after `ms`. */
async function exitWithin(proc: Proc, ms: number): Promise<number> {
  const timer = setTimeout(() => proc.kill("SIGKILL"), ms);
  try {
    return await proc.exited;
  } finally {
    clearTimeout(timer);
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: Timer | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BenchError(`${what}: nothing after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The shared watcher and `docker run` translation (scripts/bench/floor.ts), with this run's options. */
const watchForWindow = (display: number, cookie: string): Watch => watchFor(display, cookie, { appClass: APP_CLASS, pollMs: POLL_MS });
const dockerRunArgs = (spec: ReturnType<typeof buildContainerSpec>, name: string, label: string) => floorDockerRunArgs(spec, name, label, sandbox!);

// ---------------------------------------------------------------------------------------------
// One measured start of each kind

interface Sample {
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

/** The sandbox, and what the startup part learned of the app's image. */
interface Setup extends Sandbox {
  policy: ReturnType<typeof parsePolicy> & { ok: true };
  user: { uid: number; gid: number };
}

/** Docker's Created and StartedAt of a container, as ms since `t0`. */
async function containerMarks(id: string, t0: number): Promise<Record<string, number>> {
  const result = await sh(["docker", "inspect", "-f", "{{.Created}} {{.State.StartedAt}}", id]);
  if (result.code !== 0) return {};
  const [created, started] = result.stdout
    .trim()
    .split(" ")
    .map((s) => Date.parse(s) - wallOf(t0));
  return { "container created": created!, "container started": started! };
}

async function containersLabelled(label: string): Promise<string[]> {
  return (await shChecked(["docker", "ps", "-aq", "--filter", `label=${label}`])).split("\n").filter(Boolean);
}

async function untilGone(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = now() + 15_000;
  while (!(await check())) {
    if (now() > deadline) fail(`left behind after teardown: ${what}`);
    await Bun.sleep(20);
  }
}

/** A `dockercask run` this script started, with its runtime dir and what it last wrote in its state.json. */
interface Instance {
  proc: Proc;
  dir: string;
  stateFile: string;
  /** now() just before it was spawned. */
  t0: number;
  err: ReturnType<typeof collect>;
  /** The last state that read() found. */
  readonly state: SessionState | undefined;
  /** Reads state.json; a state that parses becomes `state`. */
  read(): SessionState | undefined;
  /** Stops it (and what a killed supervisor left behind), then checks its container, Xephyr and runtime dir are gone. */
  stop(): Promise<void>;
}

/** Spawns `dockercask run <instance> <extraArgs>` in the sandbox; it is torn down on Ctrl+C until stop(). */
function startInstance(box: Sandbox, instance: string, extraArgs: string[]): Instance {
  const dir = join(box.runtimeRoot, instance);
  const stateFile = join(dir, STATE_FILE);
  const t0 = now();
  const proc = Bun.spawn([box.bin, "run", instance, ...extraArgs, ...(opts.verbose ? ["--verbose"] : [])], { env: box.env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const out = collect(proc.stdout);
  const err = collect(proc.stderr);
  let state: SessionState | undefined;
  const teardown = () => stopSupervisor(proc, state);
  live.add(teardown);
  return {
    proc,
    dir,
    stateFile,
    t0,
    err,
    get state() {
      return state;
    },
    read() {
      let next: SessionState | undefined;
      try {
        next = parseSessionState(readFileSync(stateFile, "utf8"));
      } catch {
        // Not written yet, or being replaced.
      }
      if (next) state = next;
      return next;
    },
    async stop() {
      await teardown();
      live.delete(teardown);
      await Promise.all([out.done, err.done]);
      await untilGone(`containers of ${instance}`, async () => (await containersLabelled(`${CONTAINER_LABEL.instance}=${instance}`)).length === 0);
      const last = state;
      if (last?.xephyrPid) await untilGone(`Xephyr pid ${last.xephyrPid}`, () => processStartTime(last.xephyrPid!) !== last.xephyrStart);
      await untilGone(`runtime dir ${dir}`, () => !existsSync(dir));
    },
  };
}

async function measureDockercask(setup: Setup): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const instance = startInstance(setup, INSTANCE, []);
  const { t0, err, stateFile } = instance;
  let exited = false;
  const early = instance.proc.exited.then((code) => {
    exited = true;
    throw new BenchError(`dockercask run exited with ${code} before the window was mapped:\n${err.text()}`);
  });
  early.catch(() => {});
  const marks: Record<string, number> = {};
  let watch: Watch | undefined;
  // Milestones from state.json, which dockercask rewrites atomically: taken, display, container.
  let polling = true;
  const poller = (async () => {
    while (polling && !exited && !instance.state?.container) {
      const next = instance.read();
      if (next) {
        const t = now() - t0;
        marks["runtime dir taken"] ??= t;
        if (next.display !== undefined) marks["Xephyr ready"] ??= t;
        if (next.container) marks["container in state.json"] ??= t;
      }
      await Bun.sleep(STATE_POLL_MS);
    }
  })();
  try {
    while (marks["Xephyr ready"] === undefined) {
      if (exited) await early;
      if (now() - t0 > TIMEOUT_MS) fail(`no display in ${stateFile} after ${TIMEOUT_MS} ms:\n${err.text()}`);
      await Bun.sleep(STATE_POLL_MS);
    }
    watch = watchForWindow(instance.state!.display!, readCookie(join(instance.dir, CLIENT_AUTH_FILE)));
    const mapped = (await withTimeout(Promise.race([watch.mapped, early]), TIMEOUT_MS, `the ${APP} window of dockercask`)) - t0;
    const cpu = process.cpuUsage(cpu0);
    // The window can be mapped before dockercask hears back from the engine's start call.
    await withTimeout(poller, TIMEOUT_MS, "the container id in state.json");
    const container = instance.state?.container;
    if (!container) fail(`dockercask ended before it recorded its container:\n${err.text()}`);
    Object.assign(marks, await containerMarks(container, t0));
    marks["window mapped"] = mapped;
    return { total: mapped, marks, watch: watch.stats, benchCpuMs: (cpu.user + cpu.system) / 1000, stderr: err.text() };
  } finally {
    // The poller reads nothing more once `polling` is false.
    polling = false;
    watch?.close();
    await instance.stop();
    await poller;
  }
}

let floorCount = 0;

async function measureFloor(setup: Setup): Promise<Sample> {
  const n = ++floorCount;
  const dir = join(sandbox!, `floor-${n}`);
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
  const xephyr = Bun.spawn(["Xephyr", ...buildXephyrArgs({ authFile, title: `${APP}#bench-floor`, width: setup.screen.width, height: setup.screen.height, dpi: setup.screen.dpi, displayFd: 1 })], {
    env: setup.env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
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
  live.add(teardown);
  const marks: Record<string, number> = {};
  try {
    const display = await withTimeout(readDisplayNumber(xephyr), TIMEOUT_MS, "Xephyr's display number");
    if (display === undefined) fail(`Xephyr did not start:\n${xephyrErr.text()}`);
    marks["Xephyr ready"] = now() - t0;
    const spec = buildContainerSpec({
      instance: parseInstanceName(`${APP}#bench-floor`),
      policy: setup.policy.policy,
      limits: resolveLimits({ label: setup.policy.policy.limits, configured: {}, host: { memoryBytes: totalmem(), cpus: cpus().length } }),
      display,
      clientAuthFile,
      home,
      user: setup.user,
      supervisor: { pid: process.pid, start: "" },
    });
    docker = Bun.spawn(["docker", "run", ...dockerRunArgs(spec, name, label)], { env: setup.env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    collect(docker.stdout as ReadableStream<Uint8Array>);
    dockerErr = collect(docker.stderr as ReadableStream<Uint8Array>);
    const early = docker.exited.then((code) => {
      throw new BenchError(`docker run exited with ${code} before the window was mapped:\n${dockerErr!.text()}`);
    });
    early.catch(() => {});
    watch = watchForWindow(display, Buffer.from(cookie).toString("latin1"));
    const mapped = (await withTimeout(Promise.race([watch.mapped, early]), TIMEOUT_MS, `the ${APP} window of the floor`)) - t0;
    const cpu = process.cpuUsage(cpu0);
    Object.assign(marks, await containerMarks(name, t0));
    marks["window mapped"] = mapped;
    return { total: mapped, marks, watch: watch.stats, benchCpuMs: (cpu.user + cpu.system) / 1000 };
  } finally {
    watch?.close();
    await teardown();
    live.delete(teardown);
    await untilGone(`container ${name}`, async () => (await containersLabelled(label)).length === 0);
    await untilGone(`Xephyr pid ${xephyr.pid}`, () => xephyr.exitCode !== null || xephyr.signalCode !== null);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Stops a `dockercask run` this script started. A supervisor that had to be killed leaves its
 * Xephyr and container behind: end them too, from what its state file said.
 */
async function stopSupervisor(proc: Proc, state: SessionState | undefined): Promise<void> {
  proc.kill("SIGTERM");
  await exitWithin(proc, 15_000);
  if (state?.container) await sh(["docker", "rm", "-f", state.container]);
  if (state?.xephyrPid && state.xephyrStart && processStartTime(state.xephyrPid) === state.xephyrStart) process.kill(state.xephyrPid, "SIGKILL");
}

// ---------------------------------------------------------------------------------------------
// Statistics and the report

function median(xs: number[]): number {
  const s = sorted(xs);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
const ms = (x: number) => x.toFixed(1);

function table(header: string[], rows: string[][]): string {
  const lines = [header, header.map((h) => "-".repeat(Math.max(3, h.length))), ...rows];
  const widths = header.map((_, i) => Math.max(...lines.map((r) => r[i]!.length)));
  return lines.map((r) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`).join("\n");
}

async function machineFacts(bin: string) {
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpus()[0]?.model ?? "unknown";
  const dockerVersion = await shChecked(["docker", "version", "--format", "{{.Server.Version}}"]).catch(() => "unknown");
  // Xephyr has no --version; the Debian package says which server it is.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a dpkg-query format field, not a JS placeholder.
  const xephyrVersion = (await sh(["dpkg-query", "-W", "-f", "${Version}", "xserver-xephyr"]).catch(() => undefined))?.stdout.trim() || "unknown";
  const version = (await shChecked([bin, "--version"])).replace(/^dockercask /, "");
  return { nproc: cpus().length, cpuModel, kernel: release(), dockerVersion, xephyrVersion, bun: Bun.version, version };
}

async function versionWallTime(argv: string[], times: number): Promise<number> {
  const walls: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = now();
    const proc = Bun.spawn(argv, { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    const code = await proc.exited;
    walls.push(now() - t);
    if (code !== 0) fail(`${argv.join(" ")} exited with ${code}`);
  }
  return median(walls);
}

// ---------------------------------------------------------------------------------------------

/** A private XDG sandbox and a private copy of the binary under test, shared by both parts. */
interface Sandbox {
  /** A private copy of the binary under test: a rebuild of dist/ during the run cannot mix versions. */
  bin: string;
  env: Record<string, string>;
  runtimeRoot: string;
  configHome: string;
  /** The size and dpi dockercask gives an instance's Xephyr on this desktop; the floor's and the baseline's get the same. */
  screen: { width: number; height: number; dpi: number };
}

async function main(): Promise<number> {
  if (!process.env.DISPLAY) fail("DISPLAY is not set: the benchmark needs an X display (e.g. Xvfb :0)");
  if (!existsSync(BIN)) fail(`${BIN} does not exist; build it with: npx bun scripts/build.ts`);

  sandbox = mkdtempSync(join(tmpdir(), "dockercask-bench-"));
  const xdg = { XDG_CONFIG_HOME: join(sandbox, "config"), XDG_DATA_HOME: join(sandbox, "data"), XDG_RUNTIME_DIR: join(sandbox, "run") };
  for (const d of Object.values(xdg)) mkdirSync(d, { mode: 0o700 });
  const env = { ...(process.env as Record<string, string>), ...xdg, NO_COLOR: "1" };
  const bin = join(sandbox, "dockercask");
  copyFileSync(BIN, bin);
  chmodSync(bin, 0o755);
  const hostScreen = await queryHostScreen(process.env.DISPLAY!);
  const screen = { ...defaultWindowSize(hostScreen), dpi: hostDpi(hostScreen) };
  const box: Sandbox = { bin, env, runtimeRoot: join(xdg.XDG_RUNTIME_DIR, "dockercask"), configHome: xdg.XDG_CONFIG_HOME, screen };

  const startup = opts.sections.startup ? await runStartup(box) : undefined;
  const clipboard = opts.sections.clipboard ? await runClipboard(box) : undefined;
  const machine = await machineFacts(box.bin);
  rmSync(sandbox, { recursive: true, force: true });
  sandbox = undefined;

  if (startup) process.stdout.write(`\n${startup}\n`);
  if (clipboard) process.stdout.write(`\n${clipboard}\n`);

  if (opts.write) {
    const machineText = [
      `- date: ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}`,
      `- dockercask ${machine.version}, Bun ${machine.bun}`,
      `- machine: ${machine.nproc} CPUs (\`nproc\`), ${machine.cpuModel}, kernel ${machine.kernel}, Docker ${machine.dockerVersion}, Xephyr ${machine.xephyrVersion}`,
    ].join("\n");
    if (startup) {
      const command = `- command: \`npx bun scripts/bench.ts --runs ${RUNS} --app ${APP}${POLL_MS !== 5 ? ` --poll-ms ${POLL_MS}` : ""} --write\``;
      writeDoc(`${MARKERS[0]}\n${machineText}\n${command}\n\n${startup}\n${MARKERS[1]}`, MARKERS, DOC_TEMPLATE);
    }
    if (clipboard) {
      const flags = [
        opts.clipApp !== "attacker" && `--clip-app ${opts.clipApp}`,
        opts.copies !== 30 && `--copies ${opts.copies}`,
        opts.idleS !== 20 && `--idle-s ${opts.idleS}`,
        opts.settleS !== 3 && `--settle-s ${opts.settleS}`,
        opts.clipPollMs !== 5 && `--clip-poll-ms ${opts.clipPollMs}`,
      ].filter(Boolean);
      const command = `- command: \`npx bun scripts/bench.ts --clipboard ${[...flags, "--write"].join(" ")}\` (or as part of the default run)`;
      writeDoc(`${CLIP_MARKERS[0]}\n${machineText}\n${command}\n\n${clipboard}\n${CLIP_MARKERS[1]}`, CLIP_MARKERS, CLIP_DOC_SECTION);
    }
    log(`wrote docs/benchmarks.md`);
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// The startup part (issue 3)

async function runStartup(box: Sandbox): Promise<string> {
  const image = `dockercask/${APP}`;
  const labels = JSON.parse(
    await shChecked(["docker", "image", "inspect", "-f", "{{json .Config.Labels}}", image]).catch(() => fail(`the image ${image} is missing; build it with: dist/dockercask build ${APP}`)),
  );
  const policy = parsePolicy(labels ?? {});
  if (!policy.ok) fail(`the labels of ${image} are not a valid policy: ${policy.problems.join("; ")}`);
  const setup: Setup = { ...box, policy, user: containerUser({ uid: process.getuid!(), gid: process.getgid!() }) };

  const results = { dockercask: [] as Sample[], floor: [] as Sample[] };
  log(`${INSTANCE}: 1 warm-up + ${RUNS} runs each, interleaved; window watcher polls every ${POLL_MS || "-"} ms`);
  for (let i = 0; i <= RUNS; i++) {
    // Alternate which goes first, so neither always runs on a machine the other just warmed.
    const order = i % 2 === 0 ? (["dockercask", "floor"] as const) : (["floor", "dockercask"] as const);
    for (const kind of order) {
      const sample = kind === "dockercask" ? await measureDockercask(setup) : await measureFloor(setup);
      if (i > 0) results[kind].push(sample);
      log(`  ${i === 0 ? "warm-up" : `run ${i}`} ${kind.padEnd(10)} ${ms(sample.total).padStart(7)} ms  (${sample.watch.walks} walks, ${sample.watch.events} events)`);
      if (opts.verbose)
        log(
          `      ${Object.entries(sample.marks)
            .sort((a, b) => a[1] - b[1])
            .map(([k, v]) => `${k} ${ms(v)}`)
            .join(", ")}${sample.stderr ? `\n      ${sample.stderr.trim().split("\n").join("\n      ")}` : ""}`,
        );
    }
  }
  const versionMs = await versionWallTime([setup.bin, "--version"], 20);
  const trueMs = await versionWallTime(["/bin/true"], 20);

  const totals = (kind: keyof typeof results) => results[kind].map((s) => s.total);
  const row = (label: string, xs: number[]) => [label, ms(median(xs)), ms(percentile(xs, 90)), ms(Math.min(...xs)), ms(Math.max(...xs))];
  const dc = median(totals("dockercask"));
  const floor = median(totals("floor"));
  const ratio = dc / floor;
  const paired = results.dockercask.map((s, i) => s.total - results.floor[i]!.total);
  const heavy = APP !== "xeyes";
  const pass = heavy ? dc - floor <= HEAVY_TARGET_EXTRA_MS : ratio <= TARGET_RATIO;

  const markNames = ["runtime dir taken", "Xephyr ready", "container created", "container started", "window mapped", "container in state.json"];
  const markMedian = (kind: keyof typeof results, mark: string) => {
    const xs = results[kind].map((s) => s.marks[mark]).filter((x): x is number => x !== undefined);
    return xs.length ? ms(median(xs)) : "-";
  };
  const allWatch = [...results.dockercask, ...results.floor];
  const walks = allWatch.reduce((a, s) => a + s.watch.walks, 0);
  const walkMs = allWatch.reduce((a, s) => a + s.watch.walkMs, 0);

  return [
    `Startup of \`${APP}\` to its window mapped, ms (median of ${RUNS} runs each, after 1 warm-up each, interleaved):`,
    "",
    table(["", "median", "p90", "min", "max"], [row(`dockercask run ${APP}#bench-<pid>`, totals("dockercask")), row("floor (Xephyr + docker run)", totals("floor"))]),
    "",
    `ratio dockercask/floor: ${ratio.toFixed(3)} (${dc - floor >= 0 ? "+" : ""}${ms(dc - floor)} ms; median of paired differences ${ms(median(paired))} ms)`,
    `target ${APP} <= ${heavy ? `floor + ${HEAVY_TARGET_EXTRA_MS} ms (a heavy app)` : `${TARGET_RATIO} x floor`}: ${pass ? "PASS" : "FAIL"}`,
    "",
    "Milestones, median ms since launch (dockercask: from spawning `dockercask run`; floor: from spawning Xephyr):",
    "",
    table(
      ["milestone", "dockercask", "floor"],
      markNames.map((m) => [m, markMedian("dockercask", m), markMedian("floor", m)]),
    ),
    "",
    `\`dockercask --version\`: ${ms(versionMs)} ms wall, median of 20 (spawning /bin/true: ${ms(trueMs)} ms).`,
    `Window watcher: ${walks} tree walks in ${allWatch.length} runs, ${(walkMs / walks).toFixed(2)} ms each on average; ` +
      `this script's CPU while waiting: median ${ms(median(results.dockercask.map((s) => s.benchCpuMs)))} ms per dockercask run, ` +
      `${ms(median(results.floor.map((s) => s.benchCpuMs)))} ms per floor run.`,
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------
// The clipboard part (issue 4)

/** One side of a clipboard copy: an X display, as xclip reaches it. */
interface ClipEnd {
  label: string;
  env: Record<string, string>;
}

const XCLIP = ["xclip", "-selection", "clipboard"];

/** `xclip -i`: resolves when xclip owns the selection (it then forks a daemon to serve it, which outlives this call). */
async function clipWrite(end: ClipEnd, text: string): Promise<void> {
  // stdout and stderr go nowhere: the daemon inherits them and would hold a pipe open.
  const proc = Bun.spawn([...XCLIP, "-i", "-t", "UTF8_STRING"], { env: end.env, stdin: new Blob([text]), stdout: "ignore", stderr: "ignore" });
  const code = await exitWithin(proc, CLIP_COPY_TIMEOUT_MS);
  if (code !== 0) fail(`xclip -i on the ${end.label} (${end.env.DISPLAY}) exited with ${code}`);
}

async function clipRead(end: ClipEnd): Promise<string | undefined> {
  const proc = Bun.spawn([...XCLIP, "-o", "-t", "UTF8_STRING"], { env: end.env, stdin: "ignore", stdout: "pipe", stderr: "ignore" });
  const [text, code] = await Promise.all([new Response(proc.stdout).text(), exitWithin(proc, CLIP_COPY_TIMEOUT_MS)]);
  return code === 0 ? text : undefined;
}

/**
 * Reads `end` every --clip-poll-ms until it holds `value`: ms from `t0` to the end of the first
 * read that returns it (an upper bound), or undefined after `timeoutMs`.
 */
async function arrival(end: ClipEnd, value: string, t0: number, timeoutMs: number, readMs?: number[]): Promise<number | undefined> {
  for (;;) {
    const started = now();
    const got = await clipRead(end);
    const done = now();
    readMs?.push(done - started);
    if (got === value) return done - t0;
    if (done - t0 > timeoutMs) return undefined;
    await Bun.sleep(opts.clipPollMs);
  }
}

// CPU accounting from /proc: utime + stime of a process, plus cutime + cstime (its reaped
// children), plus the same of each living descendant.

let clockTicks = 100;

function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields from the 3rd (state) on: the command name in parentheses may hold spaces.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) => readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").split(" ").filter(Boolean).map(Number));
  } catch {
    return [];
  }
}

/** Clock ticks of `pid` and its descendants, living and reaped; `exclude` (and what is below it) is left out. */
function treeTicks(pid: number, exclude: ReadonlySet<number>): number {
  const f = statFields(pid);
  if (!f) return 0;
  let ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  for (const child of childPids(pid)) if (!exclude.has(child)) ticks += treeTicks(child, exclude);
  return ticks;
}

/** The living descendants of `pid`, as "pid:start time" (a reused pid is another process). */
function descendants(pid: number, exclude: ReadonlySet<number>, into = new Set<string>()): Set<string> {
  for (const child of childPids(pid)) {
    if (exclude.has(child)) continue;
    into.add(`${child}:${processStartTime(child)}`);
    descendants(child, exclude, into);
  }
  return into;
}

/** On-CPU ns of each living thread of `pid` (/proc/<pid>/task/<tid>/schedstat): exact, where ticks are coarse. */
function threadNs(pid: number): Map<string, number> {
  const ns = new Map<string, number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) ns.set(tid, Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]));
  } catch {
    // Gone, or a thread ended while listed.
  }
  return ns;
}

interface IdleSubject {
  label: string;
  pid: number;
  /** Children that are not part of the cost (dockercask's Xephyr: the window, not the bridge). */
  exclude: ReadonlySet<number>;
}

interface IdleResult {
  cpuMs: number;
  pct: number;
  /** Processes below the subject that were not there when the window opened (listed every 50 ms). */
  spawned: number;
  /** The subject process's own threads' on-CPU time, ms (threads that ended in the window are missing). */
  threadMs: number;
}

/** The CPU of each subject over the same window of `seconds`. */
async function idleWindow(subjects: IdleSubject[], seconds: number): Promise<IdleResult[]> {
  const before = subjects.map((s) => descendants(s.pid, s.exclude));
  const seen = subjects.map(() => new Set<string>());
  const ticks0 = subjects.map((s) => treeTicks(s.pid, s.exclude));
  const threads0 = subjects.map((s) => threadNs(s.pid));
  const start = now();
  while (now() - start < seconds * 1000) {
    await Bun.sleep(Math.min(50, seconds * 1000 - (now() - start)));
    for (const [i, s] of subjects.entries()) descendants(s.pid, s.exclude, seen[i]);
  }
  const ticks1 = subjects.map((s) => treeTicks(s.pid, s.exclude));
  const threads1 = subjects.map((s) => threadNs(s.pid));
  const elapsed = now() - start;
  return subjects.map((s, i) => {
    if (!statFields(s.pid)) fail(`${s.label} (pid ${s.pid}) ended during the idle window`);
    const cpuMs = ((ticks1[i]! - ticks0[i]!) * 1000) / clockTicks;
    const threadMs = [...threads1[i]!].reduce((sum, [tid, ns]) => sum + ns - (threads0[i]!.get(tid) ?? 0), 0) / 1e6;
    return { cpuMs, pct: (cpuMs / elapsed) * 100, spawned: [...seen[i]!].filter((k) => !before[i]!.has(k)).length, threadMs };
  });
}

interface Latencies {
  toApp: number[];
  toHost: number[];
  lost: { toApp: number; toHost: number };
  /** How long each poll (one `xclip -o`) took, ms. */
  readMs: number[];
}

/** --copies copies each way, alternating, each after a random pause. */
async function measureLatencies(kind: string, host: ClipEnd, app: ClipEnd): Promise<Latencies> {
  const result: Latencies = { toApp: [], toHost: [], lost: { toApp: 0, toHost: 0 }, readMs: [] };
  for (let i = 0; i < 2 * opts.copies; i++) {
    const toApp = i % 2 === 0;
    await Bun.sleep(CLIP_GAP_MIN_MS + Math.random() * CLIP_GAP_SPAN_MS);
    const value = `dockercask-bench ${process.pid} ${kind} ${toApp ? "to-app" : "to-host"} ${i} ${crypto.randomUUID()}`;
    const [from, to] = toApp ? [host, app] : [app, host];
    await clipWrite(from, value);
    const t0 = now();
    const ms = await arrival(to, value, t0, CLIP_COPY_TIMEOUT_MS, result.readMs);
    if (ms === undefined) result.lost[toApp ? "toApp" : "toHost"]++;
    else result[toApp ? "toApp" : "toHost"].push(ms);
    if (opts.verbose) log(`    ${kind} ${toApp ? "desktop -> app" : "app -> desktop"} ${ms === undefined ? "lost" : `${ms.toFixed(1)} ms`}`);
  }
  return result;
}

interface ClipInstance {
  pid: number;
  xephyrPid: number;
  app: ClipEnd;
  stderr(): string;
  stop(): Promise<void>;
}

/** `dockercask run <clip-app>#bench-clip-<pid> --clipboard both`, once its container is up. */
async function startClipInstance(box: Sandbox): Promise<ClipInstance> {
  const instance = startInstance(box, CLIP_INSTANCE, ["--clipboard", "both"]);
  const { proc, stateFile, err } = instance;
  try {
    while (!instance.state?.container) {
      if (proc.exitCode !== null || proc.signalCode !== null) fail(`dockercask run ${CLIP_INSTANCE} exited early:\n${err.text()}`);
      if (now() - instance.t0 > TIMEOUT_MS) fail(`no container in ${stateFile} after ${TIMEOUT_MS} ms:\n${err.text()}`);
      await Bun.sleep(20);
      instance.read();
    }
    const state = instance.state;
    if (state.display === undefined || !state.xephyrPid) fail(`${stateFile} has no display or Xephyr pid`);
    const app = { label: "app", env: { ...box.env, DISPLAY: `:${state.display}`, XAUTHORITY: join(instance.dir, CLIENT_AUTH_FILE) } };
    return { pid: proc.pid, xephyrPid: state.xephyrPid, app, stderr: err.text, stop: instance.stop };
  } catch (error) {
    await instance.stop();
    throw error;
  }
}

interface Baseline {
  app: ClipEnd;
  loopPid(): number;
  /** SIGSTOP / SIGCONT the loop, so it does not run while dockercask is measured. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

/**
 * The baseline: a plain Xephyr (no app: the clipboard does not need one) and a bash loop in
 * the style of x11docker's clipboard sharing: every second, read both clipboards with
 * `xclip -o`, and carry the one that changed with `xclip -i`.
 */
const POLLING_LOOP = `
h() { if [ -n "$H_XAUTHORITY" ]; then DISPLAY="$H_DISPLAY" XAUTHORITY="$H_XAUTHORITY" "$@"; else DISPLAY="$H_DISPLAY" "$@"; fi; }
a() { DISPLAY="$A_DISPLAY" XAUTHORITY="$A_XAUTHORITY" "$@"; }
last=""
while sleep 1; do
  hv=$(h xclip -selection clipboard -o -t UTF8_STRING 2>/dev/null)
  av=$(a xclip -selection clipboard -o -t UTF8_STRING 2>/dev/null)
  if [ -n "$hv" ] && [ "$hv" != "$last" ]; then
    printf %s "$hv" | a xclip -selection clipboard -i -t UTF8_STRING >/dev/null 2>&1; last=$hv
  elif [ -n "$av" ] && [ "$av" != "$last" ]; then
    printf %s "$av" | h xclip -selection clipboard -i -t UTF8_STRING >/dev/null 2>&1; last=$av
  fi
done
`;

async function startBaseline(box: Sandbox): Promise<Baseline> {
  const dir = join(sandbox!, "baseline");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const authFile = join(dir, "xauth");
  writeFileSync(authFile, xauthorityEntry(crypto.getRandomValues(new Uint8Array(16))), { mode: 0o600 });
  const xephyr = Bun.spawn(
    ["Xephyr", ...buildXephyrArgs({ authFile, title: `${opts.clipApp}#bench-clip-baseline`, width: box.screen.width, height: box.screen.height, dpi: box.screen.dpi, displayFd: 1 })],
    { env: box.env, stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  const xephyrErr = collect(xephyr.stderr);
  let loop: Proc | undefined;
  let paused = false;
  const teardown = async () => {
    if (loop) {
      if (paused) process.kill(loop.pid, "SIGCONT");
      // The loop's children (a sleep, an xclip) end by themselves, but not later than now.
      const children = childPids(loop.pid).map((pid) => [pid, processStartTime(pid)] as const);
      loop.kill("SIGTERM");
      await exitWithin(loop, 5_000);
      for (const [pid, start] of children) if (start && processStartTime(pid) === start) process.kill(pid, "SIGTERM");
      await untilGone("the polling loop's children", () => children.every(([pid, start]) => processStartTime(pid) !== start));
    }
    xephyr.kill("SIGTERM");
    await exitWithin(xephyr, 5_000);
  };
  live.add(teardown);
  const stop = async () => {
    await teardown();
    live.delete(teardown);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const display = await withTimeout(readDisplayNumber(xephyr), TIMEOUT_MS, "the baseline Xephyr's display number");
    if (display === undefined) fail(`the baseline Xephyr did not start:\n${xephyrErr.text()}`);
    const app = { label: "baseline's display", env: { ...box.env, DISPLAY: `:${display}`, XAUTHORITY: authFile } };
    const loopEnv = { ...box.env, H_DISPLAY: box.env.DISPLAY!, H_XAUTHORITY: box.env.XAUTHORITY ?? "", A_DISPLAY: `:${display}`, A_XAUTHORITY: authFile };
    loop = Bun.spawn(["bash", "-c", POLLING_LOOP], { env: loopEnv, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    return {
      app,
      loopPid: () => loop!.pid,
      pause: () => {
        process.kill(loop!.pid, "SIGSTOP");
        paused = true;
      },
      resume: () => {
        process.kill(loop!.pid, "SIGCONT");
        paused = false;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** An idle Bun process, the floor of what any Bun program costs while it waits. */
function startIdleBun(): { pid: number; stop(): Promise<void> } {
  const proc = Bun.spawn([process.execPath, "-e", "setInterval(() => {}, 1 << 30)"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  const teardown = async () => {
    proc.kill("SIGTERM");
    await exitWithin(proc, 5_000);
  };
  live.add(teardown);
  return {
    pid: proc.pid,
    stop: async () => {
      await teardown();
      live.delete(teardown);
    },
  };
}

/** Copies `value` to the desktop and waits for it to appear on each of `ends`. */
async function warmUp(host: ClipEnd, ends: ClipEnd[], what: string): Promise<void> {
  const value = `dockercask-bench ${process.pid} warm-up ${crypto.randomUUID()}`;
  await clipWrite(host, value);
  const t0 = now();
  const arrived = await Promise.all(ends.map((end) => arrival(end, value, t0, 15_000)));
  if (arrived.some((ms) => ms === undefined)) fail(`${what}: the desktop's clipboard did not reach the ${ends[arrived.indexOf(undefined)]!.label} within 15 s`);
}

async function ensureClipApp(box: Sandbox): Promise<void> {
  // A user-catalog app from the e2e fixtures (the attacker) goes into the sandbox's catalog.
  const fixture = join(ROOT, "test/e2e/fixtures/apps", opts.clipApp);
  if (existsSync(fixture)) cpSync(fixture, join(box.configHome, "dockercask/apps", opts.clipApp), { recursive: true });
  if ((await sh(["docker", "image", "inspect", `dockercask/${opts.clipApp}`])).code === 0) return;
  log(`building dockercask/${opts.clipApp} (not counted)`);
  const build = await sh([box.bin, "build", opts.clipApp], box.env);
  if (build.code !== 0) fail(`dockercask build ${opts.clipApp} failed (exit ${build.code}):\n${build.stderr}`);
}

async function runClipboard(box: Sandbox): Promise<string> {
  clockTicks = Number(await shChecked(["getconf", "CLK_TCK"])) || 100;
  await ensureClipApp(box);
  const host: ClipEnd = { label: "desktop", env: box.env };

  log(`${CLIP_INSTANCE}: idle CPU over ${opts.idleS} s, then ${opts.copies} copies each way, against a 1 s polling loop`);
  const instance = await startClipInstance(box);
  let baseline: Baseline | undefined;
  let idleBun: ReturnType<typeof startIdleBun> | undefined;
  let instanceUp = true;
  try {
    baseline = await startBaseline(box);
    idleBun = startIdleBun();
    // One copy that reaches both before anything is measured: both bridges are up and carry.
    await warmUp(host, [instance.app, baseline.app], "warm-up");
    await Bun.sleep(opts.settleS * 1000);

    log(`  idle window: ${opts.idleS} s`);
    const [dcIdle, loopIdle, bunIdle] = await idleWindow(
      [
        { label: "dockercask", pid: instance.pid, exclude: new Set([instance.xephyrPid]) },
        { label: "the polling loop", pid: baseline.loopPid(), exclude: new Set() },
        { label: "the idle Bun process", pid: idleBun.pid, exclude: new Set() },
      ],
      opts.idleS,
    );
    await idleBun.stop();
    idleBun = undefined;

    log(`  latency: dockercask`);
    baseline.pause();
    const dcTicks0 = treeTicks(instance.pid, new Set([instance.xephyrPid]));
    const dcLat = await measureLatencies("dockercask", host, instance.app);
    const dcCopyCpuMs = ((treeTicks(instance.pid, new Set([instance.xephyrPid])) - dcTicks0) * 1000) / clockTicks / (2 * opts.copies);
    const dcLog = instance.stderr();
    await instance.stop();
    instanceUp = false;

    log(`  latency: polling loop`);
    baseline.resume();
    await warmUp(host, [baseline.app], "baseline warm-up");
    const loopLat = await measureLatencies("baseline", host, baseline.app);
    await baseline.stop();
    baseline = undefined;
    if (opts.verbose && dcLog.trim()) log(`  dockercask logged:\n    ${dcLog.trim().split("\n").join("\n    ")}`);

    const pct = (r: IdleResult) => r.pct.toFixed(2);
    const idleRows = [
      [`dockercask run ${opts.clipApp}#bench-clip-<pid> (clipboard both)`, ms(dcIdle!.cpuMs), pct(dcIdle!), String(dcIdle!.spawned)],
      ["baseline: bash loop, `xclip -o` on both displays every 1 s", ms(loopIdle!.cpuMs), pct(loopIdle!), ">= 3 a second"],
      ["reference: an idle Bun process (`bun -e 'setInterval(...)'`)", ms(bunIdle!.cpuMs), pct(bunIdle!), String(bunIdle!.spawned)],
    ];
    const latRow = (label: string, dir: string, xs: number[], lost: number) =>
      xs.length ? [label, dir, ms(median(xs)), ms(percentile(xs, 95)), ms(Math.min(...xs)), ms(Math.max(...xs)), String(lost)] : [label, dir, "-", "-", "-", "-", String(lost)];
    const dcP95 = Math.max(percentile(dcLat.toApp, 95), percentile(dcLat.toHost, 95));
    const dcLost = dcLat.lost.toApp + dcLat.lost.toHost;
    const idlePass = dcIdle!.pct <= CLIP_TARGET_IDLE_PCT;
    const latPass = dcLost === 0 && dcP95 <= CLIP_TARGET_P95_MS;
    const reads = [...dcLat.readMs, ...loopLat.readMs];
    return [
      `Idle CPU over the same ${opts.idleS} s window, ${opts.settleS} s after a first copy reached both (utime + stime from /proc, with children; 1 tick = ${1000 / clockTicks} ms):`,
      "",
      table(["", "CPU ms", "% of one core", "processes spawned"], idleRows),
      "",
      `target dockercask <= ${CLIP_TARGET_IDLE_PCT}% of one core while idle: ${idlePass ? "PASS" : "FAIL"} (${pct(dcIdle!)}%; its Xephyr, the app's display, is not counted)`,
      `On-CPU time over the window of the threads alive at its end (schedstat, to the ns; threads that ended meanwhile are missing): dockercask ${dcIdle!.threadMs.toFixed(1)} ms, the idle Bun process ${bunIdle!.threadMs.toFixed(1)} ms.`,
      "",
      `Latency, ms from the end of \`xclip -i\` on one side to the end of the first \`xclip -o\` on the other that returns the value (${opts.copies} copies each way, alternating, a random ${CLIP_GAP_MIN_MS}-${CLIP_GAP_MIN_MS + CLIP_GAP_SPAN_MS} ms apart; read every ${opts.clipPollMs} ms):`,
      "",
      table(
        ["", "direction", "median", "p95", "min", "max", "lost"],
        [
          latRow("dockercask", "desktop → app", dcLat.toApp, dcLat.lost.toApp),
          latRow("dockercask", "app → desktop", dcLat.toHost, dcLat.lost.toHost),
          latRow("baseline (1 s loop)", "desktop → app", loopLat.toApp, loopLat.lost.toApp),
          latRow("baseline (1 s loop)", "app → desktop", loopLat.toHost, loopLat.lost.toHost),
        ],
      ),
      "",
      `target dockercask p95 <= ${CLIP_TARGET_P95_MS} ms each way, nothing lost: ${latPass ? "PASS" : "FAIL"} (worse direction ${ms(dcP95)} ms, ${dcLost} lost)`,
      "",
      `One poll (\`xclip -o\`) took ${ms(median(reads))} ms median, ${ms(percentile(reads, 95))} ms p95: that plus ${opts.clipPollMs} ms is the resolution. ` +
        `dockercask's CPU while carrying: ${ms(dcCopyCpuMs)} ms per copy (its own and its xclip children's, ${2 * opts.copies} copies).`,
    ].join("\n");
  } finally {
    await idleBun?.stop();
    await baseline?.stop();
    if (instanceUp) await instance.stop();
  }
}

function writeDoc(block: string, markers: readonly [string, string], missing: string): void {
  const file = join(ROOT, "docs/benchmarks.md");
  let text = existsSync(file) ? readFileSync(file, "utf8") : DOC_TITLE;
  const start = text.indexOf(markers[0]);
  const end = text.indexOf(markers[1]);
  text = start === -1 || end === -1 ? `${text.trimEnd()}\n\n${missing.trimStart()}\n${block}\n` : `${text.slice(0, start)}${block}${text.slice(end + markers[1].length)}`;
  mkdirSync(join(ROOT, "docs"), { recursive: true });
  writeFileSync(file, text.trimStart());
}

const DOC_TITLE = "# Benchmarks\n";

const DOC_TEMPLATE = `## Startup: \`dockercask run\` to a mapped window

Target (issue 3): \`dockercask run xeyes\` shows its window within 1.15 x the floor, the time the
same work takes done by hand.

### How it is measured

\`npx bun scripts/bench.ts --write\` (\`--runs N\`, default 15; \`--app NAME\`, default xeyes) times
two things, run by run in alternating order, after one warm-up of each that is not counted.
**dockercask**: from spawning \`dist/dockercask run xeyes#bench-<pid>\` (in a private XDG sandbox, the
instance already added by the warm-up, the image built) until the app's window is mapped in
the instance's Xephyr. **Floor**: from spawning Xephyr, with the argv \`buildXephyrArgs\` gives
and a cookie file the script writes itself, until the app's window is mapped after a plain
\`docker run --rm\` of the same image with the same mounts, user and hardening flags (translated
from \`buildContainerSpec\`, the image's own entry point so its window manager starts too).
"Mapped" is detected without sleeps: the script learns the display number from the
instance's \`state.json\` (read every 2 ms), connects to the Xephyr display with the x11 package
and the instance's cookie, listens for SubstructureNotify on the root window and on each new
top-level window, and walks the window tree on every event and every 5 ms, until a window of
the app's WM_CLASS has map state Viewable; the time is the start of that walk. The milestones
come from \`state.json\` (runtime dir taken, Xephyr ready) and from Docker's own \`Created\` and
\`State.StartedAt\` of the container. Everything is torn down, and checked to be gone, after
each run. The table shows the median, p90 (nearest rank), min and max.

### Latest result
`;

const CLIP_DOC_SECTION = `## Clipboard: idle cost and latency

Target (issue 4): an idle instance with its clipboard on costs at most ${CLIP_TARGET_IDLE_PCT}% of one core, and a copy
crosses, either way, within ${CLIP_TARGET_P95_MS} ms at p95.

### How it is measured

\`npx bun scripts/bench.ts --clipboard --write\` (also part of the default run; \`--copies N\` each way,
default 30; \`--idle-s N\`, default 20) starts, in a private XDG sandbox, \`dockercask run
attacker#bench-clip-<pid> --clipboard both\` (the e2e tests' attacker app, an xeyes window; its image
is built first if missing) and, side by side, a **baseline**: a plain Xephyr of the same size (no
app: a clipboard needs none) and a bash loop in the style of x11docker's clipboard sharing, which
every second reads both clipboards with \`xclip -o\` and carries the one that changed with \`xclip -i\`
(xclip, not xsel: see the README). As a reference it also starts an idle Bun process.

**Idle CPU**: once a first copy made on the desktop has reached both displays and 3 more seconds
have passed (\`--settle-s\`), the script takes the CPU time (utime + stime from \`/proc/<pid>/stat\`,
plus that of the process's children, reaped or living) of the dockercask supervisor (the
\`dockercask run\` process, less its Xephyr, which draws the app's window and is not the clipboard's
cost), of the loop (bash and everything it runs) and of the Bun process, over the same window;
dockercask's descendants are listed every 50 ms to see whether it spawns anything while idle.
The kernel keeps this time exact but shows it in clock ticks (10 ms), so the on-CPU time of the
Bun processes' threads (\`/proc/<pid>/task/*/schedstat\`, in ns) is shown too. The window opens a
few seconds after \`dockercask run\` started, so the tail of its start (the garbage collector's
helper threads) can fall inside it; a longer \`--settle-s\` shows the steady state.

**Latency**: copies alternate desktop → app and app → desktop, each after a random pause of
${CLIP_GAP_MIN_MS / 1000}-${(CLIP_GAP_MIN_MS + CLIP_GAP_SPAN_MS) / 1000} s (so a copy lands anywhere in the loop's 1 s cycle). The script writes a unique
text with \`xclip -i\` on one display (the desktop, or the instance's Xephyr with the instance's client
cookie) and, from the moment that xclip has taken the selection and returned, reads the other
display with \`xclip -o\` every 5 ms until the text is there; the time is the end of that read, an
upper bound by up to one read plus 5 ms. The polling is the benchmark's cost, not the bridge's. The
loop is paused (SIGSTOP) while dockercask is measured, and dockercask is stopped before the loop is
measured. A copy not there after ${CLIP_COPY_TIMEOUT_MS / 1000} s counts as lost. The tables show the median, p95 (nearest
rank), min and max. The desktop is \`$DISPLAY\` itself, so any other clipboard client on it (another
instance's bridge, say) sees these copies too and competes for the CPU. Everything the script
started is stopped and checked gone afterwards, except the xclip process that took the desktop's
clipboard last, which serves it until the next copy.

### Latest result
`;

main()
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: unknown) => {
    // Interrupted: the signal handler tears down and sets the exit code.
    if (stopping) return;
    process.stderr.write(`bench: ${error instanceof BenchError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    if (sandbox && !stopping) rmSync(sandbox, { recursive: true, force: true });
  });
