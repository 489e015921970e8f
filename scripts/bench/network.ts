/**
 * The `internet` policy's cost (issue "Network containment"), side by side in one run against
 * the engine's bridge, from the same image to the same test host (a network namespace made for
 * the run, 10.203.x.2, never any other address):
 *   - throughput of one large download (curl inside the container): through the instance's
 *     proxy (CONNECT, as HTTPS goes) and straight through the bridge;
 *   - time to first byte of a new connection, small requests, interleaved; the added p95;
 *   - the supervisor's CPU per GiB carried, and over an idle window of the same length.
 *
 *   npx bun scripts/bench.ts --network [--mib N] [--requests N] [--write]
 *
 * Needs the test bed (scripts/testbed.sh: dockerd, Xvfb) and dist/dockercask; runs as root (ip netns).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sh } from "../../test/e2e/helpers.ts";
import { createTestHost } from "../../test/e2e/netns.ts";
import { containerId, createAppSandbox, readState, startRun } from "../../test/e2e/session.ts";
import { cpuSeconds } from "./cpu.ts";
import { runStandalone } from "./part.ts";
import { writeDoc } from "./report.ts";
import { percentile } from "./stats.ts";

const ROOT = join(import.meta.dir, "../..");
const MARKERS = ["<!-- bench-network:start -->", "<!-- bench-network:end -->"] as const;
const TARGET_THROUGHPUT = 0.9;
const TARGET_ADDED_P95_MS = 2;
const FLAGS = {
  mib: { type: "string", default: "1024" },
  requests: { type: "string", default: "200" },
  rounds: { type: "string", default: "3" },
  write: { type: "boolean", default: false },
} as const;
const USAGE = "usage: bun scripts/bench.ts --network [--mib N] [--requests N] [--rounds N] [--write]";

export function runNetworkBench(argv: string[]): Promise<number> {
  return runStandalone(argv, {
    flags: FLAGS,
    usage: USAGE,
    read(values) {
      const options = {
        mib: Number(values.mib),
        requests: Number(values.requests),
        rounds: Number(values.rounds),
        write: values.write,
      };
      if (![options.mib, options.requests, options.rounds].every((n) => Number.isInteger(n) && n > 0))
        throw new Error("--mib, --requests and --rounds must be whole numbers above 0");
      return options;
    },
    run: main,
  });
}

async function curl(instance: string, args: string[]): Promise<string> {
  const result = await sh(["docker", "exec", await containerId(instance), "curl", "-s", "-o", "/dev/null", ...args]);
  if (result.code !== 0) throw new Error(`curl ${args.join(" ")} in ${instance}: ${result.stderr || result.stdout}`);
  return result.stdout;
}

async function main(options: { mib: number; requests: number; rounds: number; write: boolean }) {
  const box = await createAppSandbox("bench-network");
  const lan = await createTestHost("bench");
  const internet = `attacker#bn-int-${process.pid}`;
  const bridge = `attacker#bn-br-${process.pid}`;
  const config = join(box.env.XDG_CONFIG_HOME!, "dockercask");
  mkdirSync(config, { recursive: true });
  writeFileSync(
    join(config, "config.toml"),
    `[instances."${internet}"]\nnetwork = "internet"\nallow = ["${lan.address}:${lan.port}"]\n[instances."${bridge}"]\nnetwork = "bridge"\n`,
  );
  const sessions = [
    await startRun(box, internet, ["--clipboard", "off"]),
    await startRun(box, bridge, ["--clipboard", "off"]),
  ];
  try {
    const supervisor = readState(sessions[0]!).pid as number;
    const big = `http://${lan.address}:${lan.port}/big?mib=${options.mib}`;
    const small = `http://${lan.address}:${lan.port}/`;
    const proxy = ["-p", "-x", "http://127.0.0.1:3128"];

    // Throughput, alternating, best of the rounds for each (the machine is shared and noisy).
    const speeds = { internet: [] as number[], bridge: [] as number[] };
    let carriedCpu = 0;
    let carriedBytes = 0;
    for (let round = 0; round < options.rounds; round++) {
      const before = cpuSeconds(supervisor);
      speeds.internet.push(Number(await curl(internet, [...proxy, "-w", "%{speed_download}", big])));
      carriedCpu += cpuSeconds(supervisor) - before;
      carriedBytes += options.mib * 1024 * 1024;
      speeds.bridge.push(Number(await curl(bridge, ["-w", "%{speed_download}", big])));
    }

    // The same download over a 1 Gbit/s uplink, as a desktop's internet is at best: what a user sees.
    await lan.limitRate("1gbit");
    const linked = { internet: [] as number[], bridge: [] as number[] };
    const linkedMib = Math.min(options.mib, 256);
    const linkedUrl = `http://${lan.address}:${lan.port}/big?mib=${linkedMib}`;
    for (let round = 0; round < options.rounds; round++) {
      linked.internet.push(Number(await curl(internet, [...proxy, "-w", "%{speed_download}", linkedUrl])));
      linked.bridge.push(Number(await curl(bridge, ["-w", "%{speed_download}", linkedUrl])));
    }
    await lan.limitRate("100gbit");

    // Time to first byte of a new connection, interleaved in batches.
    const ttfb = { internet: [] as number[], bridge: [] as number[] };
    const loop = (extra: string) =>
      `for i in $(seq ${options.requests / 10}); do curl -s -o /dev/null ${extra} -w '%{time_starttransfer}\\n' ${small}; done`;
    for (let batch = 0; batch < 10; batch++) {
      for (const [instance, extra, into] of [
        [internet, proxy.join(" "), ttfb.internet],
        [bridge, "", ttfb.bridge],
      ] as const) {
        const out = await sh(["docker", "exec", await containerId(instance), "sh", "-c", loop(extra)]);
        into.push(
          ...out.stdout
            .trim()
            .split("\n")
            .map((s) => Number(s) * 1000),
        );
      }
    }

    // Idle: the same supervisor with nothing to carry.
    const idleSeconds = 10;
    const idleBefore = cpuSeconds(supervisor);
    await Bun.sleep(idleSeconds * 1000);
    const idleCpu = cpuSeconds(supervisor) - idleBefore;

    const best = (xs: number[]) => Math.max(...xs);
    const ratio = best(speeds.internet) / best(speeds.bridge);
    const added95 = percentile(ttfb.internet, 95) - percentile(ttfb.bridge, 95);
    const mibs = (x: number) => (x / 1024 / 1024).toFixed(0);
    const fixed = (x: number, digits = 2) => x.toFixed(digits);
    const lines = [
      `- date: ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}`,
      `- machine: ${(await sh(["nproc"])).stdout.trim()} CPUs, dockercask at ${(await sh(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])).stdout.trim()}`,
      `- command: \`npx bun scripts/bench.ts --network --mib ${options.mib} --requests ${options.requests} --rounds ${options.rounds}${options.write ? " --write" : ""}\``,
      "",
      `Download of ${options.mib} MiB from a test host in a network namespace, curl inside the container, MiB/s (best of ${options.rounds}, alternating):`,
      "",
      "|                                   | best | all runs |",
      "| ---                               | ---- | -------- |",
      `| internet (the proxy, CONNECT)     | ${mibs(best(speeds.internet))} | ${speeds.internet.map(mibs).join(", ")} |`,
      `| bridge (the engine's own network) | ${mibs(best(speeds.bridge))} | ${speeds.bridge.map(mibs).join(", ")} |`,
      "",
      `internet / bridge: ${fixed(ratio)}; target >= ${TARGET_THROUGHPUT}: ${ratio >= TARGET_THROUGHPUT ? "PASS" : "FAIL"}`,
      "",
      `The same over a 1 Gbit/s link (tc on the test host's side), ${linkedMib} MiB: internet ${mibs(best(linked.internet))} MiB/s, bridge ${mibs(best(linked.bridge))} MiB/s, ratio ${fixed(best(linked.internet) / best(linked.bridge))}.`,
      "",
      `Time to first byte of a new connection (a small page), ms (${ttfb.internet.length} each, interleaved in batches):`,
      "",
      "|          | median | p95 |",
      "| ---      | ------ | --- |",
      `| internet | ${fixed(percentile(ttfb.internet, 50))} | ${fixed(percentile(ttfb.internet, 95))} |`,
      `| bridge   | ${fixed(percentile(ttfb.bridge, 50))} | ${fixed(percentile(ttfb.bridge, 95))} |`,
      "",
      `added at p95: ${fixed(added95)} ms; target <= ${TARGET_ADDED_P95_MS} ms: ${added95 <= TARGET_ADDED_P95_MS ? "PASS" : "FAIL"}`,
      "",
      `Supervisor CPU: ${fixed(carriedCpu / (carriedBytes / 1024 ** 3))} s per GiB carried; idle, ${fixed(idleCpu)} s of CPU over ${idleSeconds} s (${fixed((100 * idleCpu) / idleSeconds)}% of one core).`,
    ];
    const text = lines.join("\n");
    process.stdout.write(`${text}\n`);
    if (options.write) writeDoc(`${MARKERS[0]}\n${text}\n${MARKERS[1]}`, MARKERS, "");
  } finally {
    for (const session of sessions) session.proc.kill("SIGTERM");
    await Promise.all(sessions.map((s) => s.exited));
    await lan.remove();
    box.cleanup();
  }
}
