/**
 * The startup part (issue 3): the time from launching `dockercask run <app>#bench-<pid>` to the
 * app's window being mapped (viewable) inside the instance's Xephyr, against a floor measured
 * in the same run, interleaved run by run: this script starts Xephyr itself (the same argv,
 * built by buildXephyrArgs) and a plain `docker run --rm` of the same image with the same
 * mounts and hardening (translated from buildContainerSpec), and times Xephyr start to window.
 */
import { join } from "node:path";
import { parsePolicy } from "../../src/core/catalog/policy.ts";
import { containerUser } from "../../src/core/container/spec.ts";
import { parseInstanceName } from "../../src/core/instance/name.ts";
import { CLIENT_AUTH_FILE } from "../../src/core/instance/runtime.ts";
import { BenchError, fail } from "./errors.ts";
import { containerMarks, measureFloor, type Sample, type StartupSetup, watchForWindow } from "./floor.ts";
import { startInstance } from "./instance.ts";
import { definePart } from "./part.ts";
import { log, now, shChecked, withTimeout } from "./process.ts";
import { ms, table, timingRow } from "./report.ts";
import type { Sandbox } from "./sandbox.ts";
import { median } from "./stats.ts";
import type { Watch } from "./x-watch.ts";
import { readCookie } from "./x-watch.ts";

/** Issue 3: xeyes, the smoke-test app, shows the tool's overhead as a ratio; a heavy app, in ms. */
const TARGET_RATIO = 1.15;
const HEAVY_TARGET_EXTRA_MS = 150;
/** How often state.json is read while dockercask starts: milestones to the ms, at a small CPU cost. */
const STATE_POLL_MS = 2;

interface StartupOptions {
  runs: number;
  app: string;
  appClass: string;
  pollMs: number;
  /** Our pid in the name: two benchmarks (or a benchmark and the e2e tests) never share a container name. */
  instance: string;
}

export const startup = definePart<StartupOptions>({
  name: "startup",
  flags: {
    runs: { type: "string", default: "15" },
    app: { type: "string", default: "xeyes" },
    class: { type: "string" },
    "poll-ms": { type: "string", default: "5" },
  },
  usage: "startup:   [--runs N (>= 5, default 15)] [--app NAME (default xeyes)] [--class WM_CLASS] [--poll-ms N]",
  parse(values) {
    const runs = Number(values.runs);
    const pollMs = Number(values["poll-ms"]);
    if (!Number.isInteger(runs) || runs < 5) fail("--runs must be a whole number of at least 5");
    if (!(pollMs >= 0)) fail("--poll-ms must be a number");
    const app = String(values.app);
    const instance = `${app}#bench-${process.pid}`;
    parseInstanceName(instance);
    return { runs, pollMs, app, appClass: String(values.class ?? app).toLowerCase(), instance };
  },
  run: runStartup,
  doc: {
    markers: ["<!-- bench:start -->", "<!-- bench:end -->"],
    section: DOC_SECTION(),
    command: (o) =>
      `- command: \`npx bun scripts/bench.ts --runs ${o.runs} --app ${o.app}${o.pollMs !== 5 ? ` --poll-ms ${o.pollMs}` : ""} --write\``,
  },
});

export async function measureDockercask(setup: StartupSetup): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const instance = startInstance(setup, setup.instance, [], setup.runAs);
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
      if (now() - t0 > setup.timeoutMs) fail(`no display in ${stateFile} after ${setup.timeoutMs} ms:\n${err.text()}`);
      await Bun.sleep(STATE_POLL_MS);
    }
    watch = watchForWindow(setup, instance.state!.display!, readCookie(join(instance.dir, CLIENT_AUTH_FILE)));
    const mapped =
      (await withTimeout(
        Promise.race([watch.mapped, early]),
        setup.timeoutMs,
        `the ${setup.app} window of dockercask`,
      )) - t0;
    const cpu = process.cpuUsage(cpu0);
    // The window can be mapped before dockercask hears back from the engine's start call.
    await withTimeout(poller, setup.timeoutMs, "the container id in state.json");
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

async function runStartup(box: Sandbox, options: StartupOptions): Promise<string> {
  const { runs: RUNS, app: APP, pollMs: POLL_MS } = options;
  const image = `dockercask/${APP}`;
  const labels = JSON.parse(
    await shChecked(["docker", "image", "inspect", "-f", "{{json .Config.Labels}}", image]).catch(() =>
      fail(`the image ${image} is missing; build it with: dist/dockercask build ${APP}`),
    ),
  );
  const policy = parsePolicy(labels ?? {});
  if (!policy.ok) fail(`the labels of ${image} are not a valid policy: ${policy.problems.join("; ")}`);
  const setup: StartupSetup = {
    ...box,
    ...options,
    policy,
    user: containerUser({ uid: process.getuid!(), gid: process.getgid!() }),
  };

  const results = { dockercask: [] as Sample[], floor: [] as Sample[] };
  log(
    `${options.instance}: 1 warm-up + ${RUNS} runs each, interleaved; window watcher polls every ${POLL_MS || "-"} ms`,
  );
  for (let i = 0; i <= RUNS; i++) {
    // Alternate which goes first, so neither always runs on a machine the other just warmed.
    const order = i % 2 === 0 ? (["dockercask", "floor"] as const) : (["floor", "dockercask"] as const);
    for (const kind of order) {
      const sample = kind === "dockercask" ? await measureDockercask(setup) : await measureFloor(setup);
      if (i > 0) results[kind].push(sample);
      log(
        `  ${i === 0 ? "warm-up" : `run ${i}`} ${kind.padEnd(10)} ${ms(sample.total).padStart(7)} ms  (${sample.watch.walks} walks, ${sample.watch.events} events)`,
      );
      if (box.verbose)
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
  const row = timingRow;
  const dc = median(totals("dockercask"));
  const floor = median(totals("floor"));
  const ratio = dc / floor;
  const paired = results.dockercask.map((s, i) => s.total - results.floor[i]!.total);
  const heavy = APP !== "xeyes";
  const pass = heavy ? dc - floor <= HEAVY_TARGET_EXTRA_MS : ratio <= TARGET_RATIO;

  const markNames = [
    "runtime dir taken",
    "Xephyr ready",
    "container created",
    "container started",
    "window mapped",
    "container in state.json",
  ];
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
    table(
      ["", "median", "p90", "min", "max"],
      [
        row(`dockercask run ${APP}#bench-<pid>`, totals("dockercask")),
        row("floor (Xephyr + docker run)", totals("floor")),
      ],
    ),
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

function DOC_SECTION(): string {
  return `## Startup: \`dockercask run\` to a mapped window

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
