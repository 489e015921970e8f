/**
 * Ten instances at once (issue 14), measured against the floor at scale in the same run:
 *   - startup: ten `dockercask run <app>#scale-<i> --audio --clipboard both` spawned together,
 *     until all ten windows are mapped; against ten plain Xephyr + `docker run` spawned together
 *     (the startup floor of scripts/bench.ts, made by the same code: scripts/bench/floor.ts).
 *     Rounds alternate which goes first.
 *   - the supervisors' memory (RSS and PSS from /proc/<pid>/smaps_rollup) and their idle CPU
 *     over one window right after the copies and one after --settle-s more, beside an idle Bun process;
 *   - clipboard fan-out: a copy on the desktop, until all ten instance displays have a new
 *     CLIPBOARD owner holding the value (XFixes events, each confirmed by one read);
 *   - `stop --all`: until no container, Xephyr or runtime dir of the ten is left.
 *
 *   npx bun scripts/bench.ts --scale [--count N] [--rounds N] [--copies N] [--idle-s N] [--settle-s N] [--app NAME] [--write]
 *
 * Needs the test bed (scripts/testbed.sh) and dist/dockercask.
 */
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createClipboardSide } from "../../src/adapters/clipboard.ts";
import { queryHostScreen } from "../../src/adapters/host-display.ts";
import { parsePolicy } from "../../src/core/catalog/policy.ts";
import { sameContent, textContent } from "../../src/core/clipboard/content.ts";
import { resolveLimits } from "../../src/core/container/limits.ts";
import { buildContainerSpec, containerUser } from "../../src/core/container/spec.ts";
import { parseInstanceName } from "../../src/core/instance/name.ts";
import { CLIENT_AUTH_FILE, parseSessionState, STATE_FILE } from "../../src/core/instance/runtime.ts";
import { buildXephyrArgs, defaultWindowSize, hostDpi } from "../../src/core/x11/xephyr.ts";
import { BIN, sh } from "../../test/e2e/helpers.ts";
import { createAppSandbox, HOST_DISPLAY } from "../../test/e2e/session.ts";
import { ownTicks, threadNs } from "./cpu.ts";
import { fail } from "./errors.ts";
import { dockerRunArgs } from "./floor.ts";
import { readDisplayNumber } from "./process.ts";
import { writeDoc } from "./report.ts";
import { percentile } from "./stats.ts";
import { readCookie, watchForWindow, xauthorityEntry } from "./x-watch.ts";

const ROOT = join(import.meta.dir, "../..");
const MARKERS = ["<!-- bench-scale:start -->", "<!-- bench-scale:end -->"] as const;
const TARGET = { rssMb: 35, idlePct: 0.5, fanoutP95Ms: 150, startRatio: 1.1, stopMs: 1500 };
const FLAGS = {
  count: { type: "string", default: "10" },
  rounds: { type: "string", default: "3" },
  copies: { type: "string", default: "20" },
  "idle-s": { type: "string", default: "20" },
  "settle-s": { type: "string", default: "40" },
  app: { type: "string", default: "xeyes" },
  write: { type: "boolean", default: false },
} as const;
const USAGE =
  "usage: bun scripts/bench.ts --scale [--count N] [--rounds N] [--copies N] [--idle-s N] [--settle-s N] [--app NAME] [--write]";
// The run's options: set once by runScale, before anything reads them.
let COUNT = 10;
let ROUNDS = 3;
let COPIES = 20;
let IDLE_S = 20;
let SETTLE_S = 40;
let APP = "xeyes";
let WRITE = false;

function parseScaleArgs(argv: string[]): void {
  const { values } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false });
  [COUNT, ROUNDS, COPIES, IDLE_S, SETTLE_S] = [
    values.count,
    values.rounds,
    values.copies,
    values["idle-s"],
    values["settle-s"],
  ].map(Number) as [number, number, number, number, number];
  APP = values.app;
  WRITE = values.write;
  if (![COUNT, ROUNDS, COPIES, IDLE_S].every((n) => Number.isInteger(n) && n > 0))
    fail("--count, --rounds, --copies and --idle-s must be whole numbers above 0");
  if (!Number.isInteger(SETTLE_S) || SETTLE_S < 0) fail("--settle-s must be a whole number of seconds");
}

/** The scale part, as `bench.ts --scale` runs it; resolves with the exit code. */
export async function runScale(argv: string[]): Promise<number> {
  if (argv.includes("--help")) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    parseScaleArgs(argv);
  } catch (error) {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  await main();
  return 0;
}
const TIMEOUT_MS = 120_000;
const TICK_MS = 10; // USER_HZ 100
type IdleWindow = { ticks: number; ns: number; bunTicks: number; bunNs: number; ms: number };
const now = () => performance.now();
const log = (m: string) => process.stderr.write(`${m}\n`);

const median = (xs: number[]) => percentile(xs, 50);
const f1 = (x: number) => x.toFixed(1);

function smaps(pid: number): Record<string, number> {
  return Object.fromEntries(
    readFileSync(`/proc/${pid}/smaps_rollup`, "utf8")
      .split("\n")
      .slice(1)
      .filter(Boolean)
      .map((l) => {
        const [k, v] = l.split(/:\s+/);
        return [k!, Number.parseInt(v!, 10)];
      }),
  );
}
/** ns the threads alive at the end spent on CPU since `before` (threads that ended meanwhile are missing). */
const threadNsSince = (pid: number, before: Map<string, number>) =>
  [...threadNs(pid)].reduce((n, [tid, ns]) => n + ns - (before.get(tid) ?? 0), 0);

async function untilGone(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = now() + 30_000;
  while (!(await check())) {
    if (now() > deadline) fail(`left behind: ${what}`);
    await Bun.sleep(5);
  }
}

async function main() {
  if (!process.env.DISPLAY) fail("DISPLAY is not set: run under the test bed (export $(bash scripts/testbed.sh))");
  const box = await createAppSandbox("bench-scale", [APP]);
  const scratch = mkdtempSync(join(tmpdir(), "dockercask-bench-scale-"));
  const hostScreen = await queryHostScreen(process.env.DISPLAY);
  const screen = { ...defaultWindowSize(hostScreen), dpi: hostDpi(hostScreen) };
  const labels = JSON.parse(
    (await sh(["docker", "image", "inspect", "-f", "{{json .Config.Labels}}", `dockercask/${APP}`])).stdout,
  );
  const policy = parsePolicy(labels ?? {});
  if (!policy.ok) fail(`dockercask/${APP}: ${policy.problems.join("; ")}`);
  const appPolicy = policy.policy;
  const user = containerUser({ uid: process.getuid!(), gid: process.getgid!() });
  const names = Array.from({ length: COUNT }, (_, i) => `${APP}#scale-${process.pid}-${i}`);
  const runtimeRoot = join(box.env.XDG_RUNTIME_DIR!, "dockercask");
  const live: Array<() => Promise<void>> = [];

  /** Ten `dockercask run`, spawned together; resolves when every window is mapped. */
  async function startDockercask() {
    const t0 = now();
    const procs = names.map((name) =>
      Bun.spawn([BIN, "run", name, "--audio", "--clipboard", "both"], {
        env: box.env,
        stdin: "ignore",
        stdout: "ignore",
        stderr: "pipe",
      }),
    );
    live.push(async () => void (await sh([BIN, "stop", "--all"], box.env)));
    const mapped = await Promise.all(
      names.map(async (name, i) => {
        const dir = join(runtimeRoot, name);
        let display: number | undefined;
        while (display === undefined) {
          if (procs[i]!.exitCode !== null)
            fail(`dockercask run ${name} exited early: ${await new Response(procs[i]!.stderr).text()}`);
          if (now() - t0 > TIMEOUT_MS) fail(`${name}: no display after ${TIMEOUT_MS} ms`);
          try {
            display = parseSessionState(readFileSync(join(dir, STATE_FILE), "utf8"))?.display;
          } catch {
            // Not written yet.
          }
          if (display === undefined) await Bun.sleep(2);
        }
        const watch = watchForWindow(display, readCookie(join(dir, CLIENT_AUTH_FILE)), { appClass: APP, pollMs: 5 });
        try {
          return { at: (await watch.mapped) - t0, display, dir };
        } finally {
          watch.close();
        }
      }),
    );
    return { ms: Math.max(...mapped.map((m) => m.at)), procs, instances: mapped };
  }

  /** Ten plain Xephyr + `docker run`, spawned together; resolves when every window is mapped, then tears down. */
  let floorRound = 0;
  async function runFloor(): Promise<number> {
    const round = ++floorRound;
    const t0 = now();
    const label = `io.dockercask.bench=scale-${process.pid}-${round}`;
    const xephyrs: ReturnType<typeof Bun.spawn>[] = [];
    const teardown = async () => {
      const ids = (await sh(["docker", "ps", "-aq", "--filter", `label=${label}`])).stdout.split("\n").filter(Boolean);
      if (ids.length) await sh(["docker", "rm", "-f", ...ids]);
      for (const x of xephyrs) x.kill("SIGTERM");
      await Promise.all(xephyrs.map((x) => x.exited));
    };
    live.push(teardown);
    try {
      const mapped = await Promise.all(
        names.map(async (_, i) => {
          const dir = join(scratch, `floor-${round}-${i}`);
          const home = join(dir, "home");
          mkdirSync(home, { recursive: true, mode: 0o700 });
          const cookie = crypto.getRandomValues(new Uint8Array(16));
          writeFileSync(join(dir, "xauth"), xauthorityEntry(cookie), { mode: 0o600 });
          writeFileSync(join(dir, "xauth.client"), xauthorityEntry(cookie), { mode: 0o600 });
          if (user.uid !== process.getuid!()) {
            chownSync(join(dir, "xauth.client"), user.uid, user.gid);
            chownSync(home, user.uid, user.gid);
          }
          const xephyr = Bun.spawn(
            [
              "Xephyr",
              ...buildXephyrArgs({
                authFile: join(dir, "xauth"),
                title: `${APP}#scale-floor-${i}`,
                width: screen.width,
                height: screen.height,
                dpi: screen.dpi,
                displayFd: 1,
                mitShm: false,
              }),
            ],
            { env: box.env, stdin: "ignore", stdout: "pipe", stderr: "ignore" },
          );
          xephyrs.push(xephyr);
          const display = await readDisplayNumber(xephyr);
          if (display === undefined) fail("a floor Xephyr did not start");
          const spec = buildContainerSpec({
            instance: parseInstanceName(`${APP}#scale-floor-${i}`),
            policy: appPolicy,
            limits: resolveLimits({
              label: appPolicy.limits,
              configured: {},
              host: { memoryBytes: totalmem(), cpus: cpus().length },
            }),
            display,
            clientAuthFile: join(dir, "xauth.client"),
            home,
            user,
            supervisor: { pid: process.pid, start: "" },
          });
          Bun.spawn(
            [
              "docker",
              "run",
              ...dockerRunArgs(spec, `dockercask-bench-scale-${process.pid}-${round}-${i}`, label, scratch),
            ],
            {
              env: box.env,
              stdin: "ignore",
              stdout: "ignore",
              stderr: "ignore",
            },
          );
          const watch = watchForWindow(display, Buffer.from(cookie).toString("latin1"), { appClass: APP, pollMs: 5 });
          try {
            return (await watch.mapped) - t0;
          } finally {
            watch.close();
          }
        }),
      );
      return Math.max(...mapped);
    } finally {
      await teardown();
      live.splice(live.indexOf(teardown), 1);
    }
  }

  /** `stop --all`, timed until nothing of the ten is left. */
  async function stopAll(): Promise<number> {
    const t0 = now();
    const result = await sh([BIN, "stop", "--all"], box.env);
    if (result.code !== 0) fail(`stop --all failed: ${result.stderr}`);
    // One docker ps and one pgrep per check (what leftovers() asks per instance, for all ten).
    const ours = new Set(names);
    await untilGone(async () => {
      const containers = (await sh(["docker", "ps", "-a", "--format", '{{.Label "io.dockercask.instance"}}'])).stdout
        .split("\n")
        .filter((n) => ours.has(n));
      const xephyrs = (await sh(["pgrep", "-f", `Xephyr .*-title ${APP}#scale-${process.pid}-`])).stdout.trim();
      return containers.length === 0 && !xephyrs && names.every((n) => !existsSync(join(runtimeRoot, n)));
    }, "after stop --all");
    return now() - t0;
  }

  const start = { dockercask: [] as number[], floor: [] as number[] };
  const stops: number[] = [];
  let steady:
    | {
        rss: number[];
        pss: number[];
        anon: number[];
        busy: IdleWindow;
        idle: IdleWindow;
        fanout: number[];
        lost: number;
      }
    | undefined;
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 ? (["dockercask", "floor"] as const) : (["floor", "dockercask"] as const);
      for (const kind of order) {
        if (kind === "floor") {
          start.floor.push(await runFloor());
          log(`round ${round} floor      ${f1(start.floor.at(-1)!)} ms`);
          continue;
        }
        const batch = await startDockercask();
        start.dockercask.push(batch.ms);
        log(`round ${round} dockercask ${f1(batch.ms)} ms`);
        if (round === ROUNDS) steady = await measureSteady(batch);
        stops.push(await stopAll());
        log(`round ${round} stop --all ${f1(stops.at(-1)!)} ms`);
      }
    }
  } finally {
    for (const teardown of live.reverse()) await teardown().catch(() => {});
    rmSync(scratch, { recursive: true, force: true });
    box.cleanup();
  }

  /** Memory, idle CPU (with an idle Bun process beside them) and fan-out of the ten, running. */
  async function measureSteady(batch: Awaited<ReturnType<typeof startDockercask>>) {
    const pids = batch.procs.map((p) => p.pid);
    const idleBun = Bun.spawn([process.execPath, "-e", "setInterval(() => {}, 1 << 30)"], {
      stdin: "ignore",
      stdout: "ignore",
      stderr: "ignore",
    });
    // Fan-out first: it also proves every bridge is up before the idle window.
    const sides = await Promise.all(
      batch.instances.map(async (inst) => {
        const env = {
          ...process.env,
          DISPLAY: `:${inst.display}`,
          XAUTHORITY: join(inst.dir, CLIENT_AUTH_FILE),
        } as Record<string, string>;
        const cookieHex = Buffer.from(readCookie(join(inst.dir, CLIENT_AUTH_FILE)), "latin1").toString("hex");
        return createClipboardSide({ display: `:${inst.display}`, env, cookieHex });
      }),
    );
    const host = createClipboardSide({ display: HOST_DISPLAY, env: { ...process.env, DISPLAY: HOST_DISPLAY } });
    const fanout: number[] = [];
    let lost = 0;
    for (let c = 0; c <= COPIES; c++) {
      await Bun.sleep(300 + Math.random() * 700);
      const value = `dockercask-bench-scale ${process.pid} ${c} ${crypto.randomUUID()}`;
      const expected = textContent(value);
      let t0 = 0;
      const arrivals = sides.map(
        (side) =>
          new Promise<number | undefined>((resolve) => {
            let done = false;
            const timer = setTimeout(() => finish(undefined), 5000);
            const finish = (t: number | undefined) => {
              if (done) return;
              done = true;
              clearTimeout(timer);
              void closing.then((close) => close());
              resolve(t);
            };
            const closing = side.watch(["CLIPBOARD"], () => {
              const t = now() - t0;
              void side
                .read("CLIPBOARD", 1 << 20)
                .then((r) => r && "data" in r && sameContent(r, expected) && finish(t));
            });
          }),
      );
      // Every watcher is listening before the copy is made.
      await Bun.sleep(50);
      t0 = now();
      await host.write("CLIPBOARD", expected);
      const got = await Promise.all(arrivals);
      if (c === 0) continue; // warm-up
      if (got.some((t) => t === undefined)) lost++;
      else fanout.push(Math.max(...(got as number[])));
    }
    await Bun.sleep(3000);
    const mem = pids.map(smaps);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const idleWindow = async () => {
      const t0 = {
        ticks: pids.map(ownTicks),
        ns: pids.map(threadNs),
        bunTicks: ownTicks(idleBun.pid),
        bunNs: threadNs(idleBun.pid),
        at: now(),
      };
      await Bun.sleep(IDLE_S * 1000);
      return {
        ticks: sum(pids.map(ownTicks)) - sum(t0.ticks),
        ns: sum(pids.map((pid, i) => threadNsSince(pid, t0.ns[i]!))),
        bunTicks: ownTicks(idleBun.pid) - t0.bunTicks,
        bunNs: threadNsSince(idleBun.pid, t0.bunNs),
        ms: now() - t0.at,
      };
    };
    // Right after the copies, then once settled: for about 30 s after its heap last changed,
    // Bun's GC controller wakes each second (and JSC's helper threads with it), then rarely.
    const busy = await idleWindow();
    await Bun.sleep(SETTLE_S * 1000);
    const idle = await idleWindow();
    idleBun.kill();
    await idleBun.exited;
    return {
      rss: mem.map((m) => m.Rss! / 1024),
      pss: mem.map((m) => m.Pss! / 1024),
      anon: mem.map((m) => m.Anonymous! / 1024),
      busy,
      idle,
      fanout,
      lost,
    };
  }

  const s = steady!;
  const dc = median(start.dockercask);
  const floor = median(start.floor);
  const pct = (w: IdleWindow) => ({ ticks: (100 * w.ticks * TICK_MS) / w.ms, ns: (100 * w.ns) / 1e6 / w.ms });
  const idlePct = pct(s.idle).ticks;
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const pass = (ok: boolean) => (ok ? "PASS" : "FAIL");
  const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  const lines = [
    `- date: ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}`,
    `- machine: ${cpus().length} CPUs, load average ${load} at the end (shared with other sessions while this ran), dockercask at ${(await sh(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])).stdout.trim()}, Bun ${Bun.version}`,
    `- command: \`npx bun scripts/bench.ts --scale --count ${COUNT} --rounds ${ROUNDS} --copies ${COPIES} --idle-s ${IDLE_S} --settle-s ${SETTLE_S} --app ${APP}${WRITE ? " --write" : ""}\``,
    "",
    `${COUNT} instances of \`${APP}\` (\`--audio --clipboard both\`) started together, ${ROUNDS} rounds alternating with the floor:`,
    "",
    "| | value | target | |",
    "| --- | --- | --- | --- |",
    `| all windows mapped, dockercask (median of ${ROUNDS}) | ${f1(dc)} ms (${start.dockercask.map(f1).join(", ")}) | | |`,
    `| all windows mapped, floor: ${COUNT} Xephyr + \`docker run\` (median of ${ROUNDS}) | ${f1(floor)} ms (${start.floor.map(f1).join(", ")}) | | |`,
    `| ratio | ${(dc / floor).toFixed(3)} | <= ${TARGET.startRatio} | ${pass(dc / floor <= TARGET.startRatio)} |`,
    `| supervisor RSS, median (min-max) | ${f1(median(s.rss))} MB (${f1(Math.min(...s.rss))}-${f1(Math.max(...s.rss))}) | <= ${TARGET.rssMb} MB | ${pass(median(s.rss) <= TARGET.rssMb)} |`,
    `| supervisor PSS, median | ${f1(median(s.pss))} MB | | |`,
    `| supervisor anonymous memory, median | ${f1(median(s.anon))} MB | | |`,
    `| all ${COUNT} supervisors: RSS total / PSS total | ${f1(sum(s.rss))} MB / ${f1(sum(s.pss))} MB | | |`,
    `| all ${COUNT} supervisors idle, ${IDLE_S} s from 3 s after the copies, ticks (schedstat) | ${pct(s.busy).ticks.toFixed(2)}% (${pct(s.busy).ns.toFixed(2)}%) of one core | | |`,
    `| all ${COUNT} supervisors idle, ${IDLE_S} s from ${3 + IDLE_S + SETTLE_S} s after, ticks (schedstat) | ${idlePct.toFixed(2)}% (${pct(s.idle).ns.toFixed(2)}%) of one core | <= ${TARGET.idlePct}% | ${pass(idlePct <= TARGET.idlePct)} |`,
    `| an idle Bun process beside them, the same settled window, ticks (schedstat) | ${pct({ ...s.idle, ticks: s.idle.bunTicks, ns: s.idle.bunNs }).ticks.toFixed(2)}% (${pct({ ...s.idle, ticks: s.idle.bunTicks, ns: s.idle.bunNs }).ns.toFixed(2)}%) | | |`,
    `| clipboard fan-out to all ${COUNT}, slowest of each copy, p95 (median) of ${COPIES} | ${f1(percentile(s.fanout, 95))} ms (${f1(median(s.fanout))} ms), ${s.lost} lost | <= ${TARGET.fanoutP95Ms} ms | ${pass(s.lost === 0 && percentile(s.fanout, 95) <= TARGET.fanoutP95Ms)} |`,
    `| \`stop --all\` until nothing is left, max of ${stops.length} | ${f1(Math.max(...stops))} ms (${stops.map(f1).join(", ")}) | <= ${TARGET.stopMs} ms | ${pass(Math.max(...stops) <= TARGET.stopMs)} |`,
  ];
  const text = lines.join("\n");
  process.stdout.write(`${text}\n`);
  if (WRITE) writeDoc(`${MARKERS[0]}\n${text}\n${MARKERS[1]}`, MARKERS, "");
}

if (import.meta.main) process.exitCode = await runScale(process.argv.slice(2));
