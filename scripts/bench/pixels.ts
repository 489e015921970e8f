/**
 * Pixels (issue "Pixels at host speed"): how fast an app inside draws into its own Xephyr,
 * beside the same client on the host, in one run on one desktop:
 *   - host: x11perf on the host, on a Xephyr started by hand with MIT-SHM and no guard (the
 *     speed of the same app outside the box);
 *   - fd: x11perf inside an instance with `mit-shm = "fd"` (its images by descriptor, through
 *     the base image's dockercask-shm);
 *   - off: x11perf inside an instance with the default, `mit-shm = "off"` (no MIT-SHM: every
 *     image through the socket);
 * interleaved round by round: x11perf's images, then mpv playing a video (pixels-video.ts), then
 * Firefox scrolling a page (pixels-firefox.ts). Then the startup of both instances.
 *
 *   npx bun scripts/bench.ts --pixels [--rounds N] [--seconds S] [--video-rounds N] [--firefox-rounds N] [--write]
 *
 * Needs the test bed (scripts/testbed.sh), dist/dockercask, and on the host Xephyr, x11perf
 * (x11-apps), mpv, Firefox and xdotool.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parsePolicy } from "../../src/core/catalog/policy.ts";
import { containerUser } from "../../src/core/container/spec.ts";
import { fail } from "./errors.ts";
import type { StartupSetup } from "./floor.ts";
import { startInstance } from "./instance.ts";
import { runStandalone, wholeNumber } from "./part.ts";
import { firefoxReport, scrollRounds } from "./pixels-firefox.ts";
import { interleave, type Kind } from "./pixels-kinds.ts";
import { playVideos, videoReport } from "./pixels-video.ts";
import { log, readDisplayNumber, sh } from "./process.ts";
import { machineLines, ms, table, timingRow, writeDoc } from "./report.ts";
import { inOwnSandbox } from "./sandbox.ts";
import { measureDockercask } from "./startup.ts";
import { median } from "./stats.ts";

const ROOT = join(import.meta.dir, "../..");
const MARKERS = ["<!-- bench-pixels:start -->", "<!-- bench-pixels:end -->"] as const;
const APP = "pixels";
/** The issue's target: from inside, at least this share of the host client's image throughput. */
const TARGET = 0.8;
const TESTS = { shm: "ShmPutImage 500x500 square", put: "PutImage 500x500 square" } as const;
const FLAGS = {
  rounds: { type: "string", default: "5" },
  seconds: { type: "string", default: "2" },
  startups: { type: "string", default: "8" },
  "video-rounds": { type: "string", default: "2" },
  "firefox-rounds": { type: "string", default: "2" },
  "video-seconds": { type: "string", default: "30" },
  write: { type: "boolean", default: false },
} as const;
const USAGE =
  "usage: bun scripts/bench.ts --pixels [--rounds N (>= 3)] [--seconds S (x11perf's -time)] [--video-rounds N] [--video-seconds S] [--firefox-rounds N] [--startups N (>= 3)] [--write]";

const RECIPE = `# The pixels benchmark's app: x11perf, in the base every app stands on.
FROM dockercask/base
RUN dockercask-install x11-apps mpv ffmpeg
LABEL io.dockercask.description="bench: x11perf" \\
      io.dockercask.command="xeyes" \\
      io.dockercask.network="none"
`;

export function runPixelsBench(argv: string[]): Promise<number> {
  return runStandalone(argv, {
    flags: FLAGS,
    usage: USAGE,
    read(values) {
      const options = {
        rounds: wholeNumber("rounds", values.rounds, 3),
        seconds: wholeNumber("seconds", values.seconds, 1),
        startups: wholeNumber("startups", values.startups, 3),
        videoRounds: wholeNumber("video-rounds", values["video-rounds"], 0, "no video"),
        firefoxRounds: wholeNumber("firefox-rounds", values["firefox-rounds"], 0, "no Firefox"),
        videoSeconds: wholeNumber("video-seconds", values["video-seconds"], 5),
        write: values.write,
      };
      if (options.firefoxRounds > 0 && !(Bun.which("firefox-esr") ?? Bun.which("firefox")))
        throw new Error("the Firefox part needs Firefox on the host (apt-get install firefox-esr)");
      if (options.videoRounds > 0 && !Bun.which("mpv"))
        throw new Error("the video needs mpv on the host (apt-get install mpv)");
      return options;
    },
    run: main,
  });
}

type Rates = Record<keyof typeof TESTS, number | undefined>;

/** x11perf's rate for each test, from its summary lines ("trep @ ... (N/sec): name"); undefined when it skipped one. */
export function parseX11perf(output: string): Rates {
  const rate = (name: string) => {
    const lines = output
      .split("\n")
      .filter((line) => line.trimEnd().endsWith(`: ${name}`) && /\breps?\b|\btrep\b/.test(line));
    const summary = lines.find((line) => /\btrep\b/.test(line)) ?? lines.at(-1);
    const match = summary ? /\(\s*([\d.]+)\/sec\)/.exec(summary) : null;
    return match ? Number(match[1]) : undefined;
  };
  return { shm: rate(TESTS.shm), put: rate(TESTS.put) };
}

interface Options {
  rounds: number;
  seconds: number;
  startups: number;
  videoRounds: number;
  firefoxRounds: number;
  videoSeconds: number;
  write: boolean;
}

async function main({ rounds, seconds, startups, videoRounds, videoSeconds, firefoxRounds, write }: Options) {
  await inOwnSandbox(join(ROOT, "dist/dockercask"), async (box) => {
    const { live } = box;
    const config = join(box.configHome, "dockercask");
    mkdirSync(join(config, "apps", APP), { recursive: true });
    writeFileSync(join(config, "apps", APP, "Dockerfile"), RECIPE);
    writeFileSync(
      join(config, "config.toml"),
      [`${APP}#fd`, `${APP}#fd-start`, "firefox#scroll-fd"]
        .map((name) => `[instances."${name}"]\nmit-shm = "fd"\n`)
        .join(""),
    );
    log("building the app (x11perf on the base)");
    const built = await sh([box.bin, "build", APP], box.env);
    if (built.code !== 0) fail(`dockercask build ${APP} failed:\n${built.stderr}`);

    // The host's client, on a Xephyr of its own with MIT-SHM, as the user would run it by hand.
    const plain = Bun.spawn(
      ["Xephyr", "-displayfd", "1", "-ac", "-nolisten", "tcp", "-screen", `${box.screen.width}x${box.screen.height}`],
      { env: box.env, stdout: "pipe", stderr: "ignore" },
    );
    live.add(async () => {
      plain.kill();
      await plain.exited;
    });
    const plainDisplay = (await readDisplayNumber(plain)) ?? fail("the host's Xephyr did not start");

    // startInstance registers each one's teardown for an interrupted run.
    const instances = { fd: startInstance(box, `${APP}#fd`, []), off: startInstance(box, `${APP}#off`, []) };
    const containers = {
      fd: (await instances.fd.untilRunning()).container,
      off: (await instances.off.untilRunning()).container,
    };

    const x11perf = ["x11perf", "-repeat", "2", "-time", String(seconds), "-shmput500", "-putimage500"];
    const measure = async (kind: Kind): Promise<Rates> => {
      const result =
        kind === "host"
          ? await sh(x11perf, { ...box.env, DISPLAY: `:${plainDisplay}` })
          : await sh(["docker", "exec", containers[kind], ...x11perf]);
      if (result.code !== 0) fail(`x11perf (${kind}) failed:\n${result.stderr}`);
      return parseX11perf(result.stdout);
    };
    const results = await interleave("x11perf", rounds, measure, (r) => `shm ${r.shm ?? "-"}/s  put ${r.put ?? "-"}/s`);

    const videos =
      videoRounds > 0
        ? await playVideos(box, {
            image: `dockercask/${APP}`,
            seconds: videoSeconds,
            rounds: videoRounds,
            host: { xServerPid: plain.pid, display: plainDisplay },
            inside: (kind) => ({ instance: instances[kind], container: containers[kind], home: `${APP}#${kind}` }),
          })
        : undefined;

    for (const instance of Object.values(instances)) {
      await instance.stop();
    }
    const scrolls = firefoxRounds > 0 ? await scrollRounds(box, plain.pid, plainDisplay, firefoxRounds) : undefined;
    plain.kill();
    await plain.exited;

    // Startup with and without the guard, to the window mapped, interleaved.
    const labels = JSON.parse(
      (await sh(["docker", "image", "inspect", "-f", "{{json .Config.Labels}}", `dockercask/${APP}`])).stdout,
    );
    const policy = parsePolicy(labels ?? {});
    if (!policy.ok) fail(`the labels of dockercask/${APP} are not a valid policy: ${policy.problems.join("; ")}`);
    const setup = (instance: string): StartupSetup => ({
      ...box,
      app: APP,
      appClass: "xeyes",
      pollMs: 5,
      instance,
      policy,
      user: containerUser({ uid: process.getuid!(), gid: process.getgid!() }),
    });
    const starts = { fd: [] as number[], off: [] as number[] };
    for (let i = 0; i <= startups; i++) {
      for (const kind of i % 2 ? (["fd", "off"] as const) : (["off", "fd"] as const)) {
        const sample = await measureDockercask(setup(`${APP}#${kind}-start`));
        if (i > 0) starts[kind].push(sample.total);
        log(`  ${i === 0 ? "warm-up" : `start ${i}`} ${kind.padEnd(3)} ${ms(sample.total).padStart(8)} ms`);
      }
    }

    const med = (kind: Kind, test: keyof Rates) => {
      const values = results[kind].map((r) => r[test]).filter((v): v is number => v !== undefined);
      return values.length ? median(values) : undefined;
    };
    const host = { shm: med("host", "shm")!, put: med("host", "put")! };
    const cell = (value: number | undefined, base: number) =>
      value === undefined ? "does not run" : `${Math.round(value)} (${(value / base).toFixed(2)} x)`;
    const best = (kind: Kind) => Math.max(med(kind, "shm") ?? 0, med(kind, "put") ?? 0);
    const fdRatio = best("fd") / host.shm;
    const text = [
      await machineLines(box.bin),
      `- command: \`npx bun scripts/bench.ts --pixels --rounds ${rounds} --seconds ${seconds} --startups ${startups} --video-rounds ${videoRounds} --video-seconds ${videoSeconds} --firefox-rounds ${firefoxRounds} --write\``,
      "",
      `x11perf, 500x500 images a second, median of ${rounds} rounds (each \`-repeat 2 -time ${seconds}\`), interleaved; in brackets, against the host client's ShmPutImage:`,
      "",
      table(
        ["client", TESTS.shm, TESTS.put],
        [
          [
            "host: x11perf on the host, Xephyr with MIT-SHM, no guard",
            cell(host.shm, host.shm),
            cell(host.put, host.shm),
          ],
          [
            'inside, `mit-shm = "fd"`: by descriptor, under the guard',
            cell(med("fd", "shm"), host.shm),
            cell(med("fd", "put"), host.shm),
          ],
          [
            'inside, `mit-shm = "off"` (the default)',
            cell(med("off", "shm"), host.shm),
            cell(med("off", "put"), host.shm),
          ],
        ],
      ),
      "",
      `Image throughput inside, by its fastest path, against the host's: \`fd\` ${fdRatio.toFixed(2)} x, \`off\` ${(best("off") / host.shm).toFixed(2)} x; target >= ${TARGET} x: ${fdRatio >= TARGET ? "PASS" : "FAIL"} with \`fd\`, ${best("off") / host.shm >= TARGET ? "PASS" : "FAIL"} by default.`,
      ...(videos ? videoReport(videos, videoSeconds, box.screen) : []),
      ...(scrolls ? firefoxReport(scrolls, box.screen) : []),
      "",
      `Startup to the window mapped (xeyes), ms, median of ${startups} runs each after 1 warm-up, interleaved:`,
      "",
      table(
        ["", "median", "p90", "min", "max"],
        [
          timingRow('`mit-shm = "fd"` (Xephyr started through the guard)', starts.fd),
          timingRow('`mit-shm = "off"`', starts.off),
        ],
      ),
      "",
      `The guard costs ${ms(median(starts.fd) - median(starts.off))} ms at startup (${(median(starts.fd) / median(starts.off)).toFixed(3)} x): a worker thread starts, installs the filter on itself and spawns Xephyr.`,
    ].join("\n");
    process.stdout.write(`${text}\n`);
    if (write) writeDoc(`${MARKERS[0]}\n${text}\n${MARKERS[1]}`, MARKERS, DOC_SECTION);
  });
}

const DOC_SECTION = `## Pixels: an app inside draws as fast as on the host

Target (issue "Pixels at host speed"): from inside, image throughput at least 0.8 x the same
client's on the host.

\`npx bun scripts/bench.ts --pixels --write\` runs x11perf's 500x500 \`ShmPutImage\` and \`PutImage\`
three ways, interleaved round by round: on the host against a Xephyr with MIT-SHM and no
guard (the app outside the box), and inside two instances of an x11perf app, one with
\`mit-shm = "fd"\`, one with the default. Then it times both instances' startup.
`;
