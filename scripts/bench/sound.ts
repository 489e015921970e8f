/**
 * The sound relay's cost (issue 10), measured side by side with the host server's own socket
 * in one run:
 *   - added latency: round trips of one request (GET_SERVER_INFO, which the relay parses and
 *     rewrites) through the instance's relayed socket and straight to the server, interleaved;
 *   - CPU: the supervisor's CPU (the relay runs in it) while the app plays 48 kHz stereo, less
 *     its CPU over an idle window of the same length; and the sound server's CPU for the same
 *     playback through the relay and through a plain `docker run` given the server's socket.
 *
 *   npx bun scripts/bench.ts --sound [--seconds N] [--requests N] [--write]
 *
 * Needs the test bed (scripts/testbed.sh: dockerd, Xvfb, PulseAudio) and dist/dockercask.
 */
import { readFileSync } from "node:fs";
import { createConnection, type Socket } from "node:net";
import { join } from "node:path";
import { COMMAND } from "../../src/core/sound/commands.ts";
import {
  controlPacket,
  createPacketReader,
  encodeArbitrary,
  encodeString,
  encodeU32,
  parseTagstruct,
  readU32,
} from "../../src/core/sound/protocol.ts";
import { sh } from "../../test/e2e/helpers.ts";
import { containerId, createAppSandbox, startRun } from "../../test/e2e/session.ts";
import { cpuSeconds } from "./cpu.ts";
import { runStandalone } from "./part.ts";
import { writeDoc } from "./report.ts";
import { percentile } from "./stats.ts";

const ROOT = join(import.meta.dir, "../..");
const MARKERS = ["<!-- bench-sound:start -->", "<!-- bench-sound:end -->"] as const;
const TARGET_CPU_PCT = 1;
const TARGET_ADDED_P95_MS = 5;
const FLAGS = {
  seconds: { type: "string", default: "20" },
  requests: { type: "string", default: "1000" },
  write: { type: "boolean", default: false },
} as const;
const USAGE = "usage: bun scripts/bench.ts --sound [--seconds N] [--requests N] [--write]";
// The run's options and the server's socket: set once by runSound, before anything reads them.
let SECONDS = 20;
let REQUESTS = 1000;
let WRITE = false;
let upstream = "";

/** The sound part, as `bench.ts --sound` runs it; resolves with the exit code. */
export function runSound(argv: string[]): Promise<number> {
  return runStandalone(argv, {
    flags: FLAGS,
    usage: USAGE,
    read(values) {
      [SECONDS, REQUESTS, WRITE] = [Number(values.seconds), Number(values.requests), values.write];
      if (![SECONDS, REQUESTS].every((n) => Number.isInteger(n) && n > 0))
        throw new Error("--seconds and --requests must be whole numbers above 0");
      upstream = (process.env.PULSE_SERVER ?? "").replace(/^unix:/, "");
      if (!upstream.startsWith("/"))
        throw new Error("PULSE_SERVER must name the test bed's PulseAudio socket: export $(bash scripts/testbed.sh)");
    },
    run: main,
  });
}

async function serverPid(): Promise<number> {
  // The server that owns the socket: the test bed's PulseAudio writes its pid next to it.
  const pid = Number(readFileSync(join(upstream, "../pid"), "utf8").trim());
  if (!Number.isInteger(pid)) throw new Error(`no pid file beside ${upstream}`);
  return pid;
}

/** A bare native-protocol client: authenticates, then times one request at a time. */
async function connectClient(path: string): Promise<{ roundTrip(): Promise<number>; close(): void }> {
  const socket: Socket = createConnection(path);
  const reader = createPacketReader({ maxControl: 1 << 24, maxAudio: 1 << 24 });
  const waiting = new Map<number, (ok: boolean) => void>();
  socket.on("data", (chunk: Buffer) => {
    for (const packet of reader.push(chunk)) {
      const items = parseTagstruct(packet.payload);
      const tag = readU32(packet.payload, items[1]);
      if (tag !== undefined) waiting.get(tag)?.(readU32(packet.payload, items[0]) === COMMAND.REPLY);
    }
  });
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  let tag = 0;
  const ask = (command: number, ...values: Uint8Array[]) => {
    const mine = tag++;
    const answered = new Promise<boolean>((resolve) => waiting.set(mine, resolve));
    socket.write(controlPacket(encodeU32(command), encodeU32(mine), ...values));
    return answered;
  };
  const cookie = encodeArbitrary(new Uint8Array(256));
  if (!(await ask(COMMAND.AUTH, encodeU32(35), cookie))) throw new Error(`auth refused on ${path}`);
  const name = new TextEncoder().encode("dockercask-bench\0");
  const props = Uint8Array.from([
    0x50,
    ...encodeString("application.name"),
    0x4c,
    0,
    0,
    0,
    name.length,
    0x78,
    0,
    0,
    0,
    name.length,
    ...name,
    0x4e,
  ]);
  if (!(await ask(COMMAND.SET_CLIENT_NAME, props))) throw new Error(`set-client-name refused on ${path}`);
  return {
    async roundTrip() {
      const t0 = performance.now();
      if (!(await ask(COMMAND.GET_SERVER_INFO))) throw new Error(`server info refused on ${path}`);
      return performance.now() - t0;
    },
    close: () => socket.destroy(),
  };
}

const fixed = (x: number, digits = 3) => x.toFixed(digits);

async function main() {
  const box = await createAppSandbox("bench-sound");
  const instance = `attacker#bench-sound-${process.pid}`;
  const session = await startRun(box, instance, ["--audio", "--clipboard", "off"]);
  try {
    const relayed = join(session.runtimeDir, "pulse.sock");
    const supervisor = session.proc.pid;
    const server = await serverPid();

    // Latency, interleaved request by request so that both see the same machine.
    const [direct, relay] = await Promise.all([connectClient(upstream), connectClient(relayed)]);
    const times = { direct: [] as number[], relay: [] as number[] };
    for (let i = 0; i < REQUESTS; i++) {
      if (i % 2) times.relay.push(await relay.roundTrip());
      times.direct.push(await direct.roundTrip());
      if (!(i % 2)) times.relay.push(await relay.roundTrip());
    }
    direct.close();
    relay.close();

    // CPU: idle, then the same length of 48 kHz stereo s16 through the relay, then direct.
    const bytes = 48_000 * 2 * 2 * SECONDS;
    const play = `head -c ${bytes} /dev/urandom | pacat --raw --format=s16le --channels=2 --rate=48000`;
    const window = async (work: () => Promise<unknown>) => {
      const before = { sup: cpuSeconds(supervisor), srv: cpuSeconds(server), t: performance.now() };
      await work();
      const wall = (performance.now() - before.t) / 1000;
      return { wall, sup: cpuSeconds(supervisor) - before.sup, srv: cpuSeconds(server) - before.srv };
    };
    const idle = await window(() => Bun.sleep(SECONDS * 1000));
    const id = await containerId(instance);
    const viaRelay = await window(async () => {
      const r = await sh(["docker", "exec", id, "sh", "-c", play]);
      if (r.code !== 0) throw new Error(`playing through the relay failed: ${r.stderr}`);
    });
    const image = JSON.parse((await sh(["docker", "inspect", id])).stdout)[0].Config.Image as string;
    // The floor: the server's own socket mounted into a plain container (root inside, so the
    // server knows it by its uid, as the relay is known by ours).
    const viaDirect = await window(async () => {
      const r = await sh([
        "docker",
        "run",
        "--rm",
        "--cap-drop",
        "ALL",
        "--user",
        "0",
        "--network",
        "none",
        "-v",
        `${upstream}:/run/pulse.sock`,
        "-e",
        "PULSE_SERVER=unix:/run/pulse.sock",
        "--entrypoint",
        "sh",
        image,
        "-c",
        play,
      ]);
      if (r.code !== 0) throw new Error(`playing straight to the server failed: ${r.stderr}`);
    });
    const relayPct = 100 * (viaRelay.sup / viaRelay.wall - idle.sup / idle.wall);
    const perMinute = (w: { sup: number; srv: number; wall: number }, key: "sup" | "srv") => (60 * w[key]) / w.wall;
    const added95 = percentile(times.relay, 95) - percentile(times.direct, 95);
    const addedMedian = percentile(times.relay, 50) - percentile(times.direct, 50);

    const lines = [
      `- date: ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}`,
      `- machine: ${(await sh(["nproc"])).stdout.trim()} CPUs, ${(await sh(["pulseaudio", "--version"])).stdout.trim()}, dockercask at ${(await sh(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])).stdout.trim()}`,
      `- command: \`npx bun scripts/bench.ts --sound --seconds ${SECONDS} --requests ${REQUESTS}${WRITE ? " --write" : ""}\``,
      "",
      `Round trip of GET_SERVER_INFO, ms (${REQUESTS} each, interleaved):`,
      "",
      "|                         | median |   p95 |   max |",
      "| ---                     | ------ | ----- | ----- |",
      `| through the relay       | ${fixed(percentile(times.relay, 50))} | ${fixed(percentile(times.relay, 95))} | ${fixed(percentile(times.relay, 100))} |`,
      `| the server's own socket | ${fixed(percentile(times.direct, 50))} | ${fixed(percentile(times.direct, 95))} | ${fixed(percentile(times.direct, 100))} |`,
      "",
      `added by the relay: ${fixed(addedMedian)} ms median, ${fixed(added95)} ms at p95; target <= ${TARGET_ADDED_P95_MS} ms at p95: ${added95 <= TARGET_ADDED_P95_MS ? "PASS" : "FAIL"}`,
      "",
      `CPU while playing ${SECONDS} s of 48 kHz stereo s16 (${(bytes / 1024 / 1024).toFixed(1)} MiB), seconds of CPU per minute of playback:`,
      "",
      "|                                   | supervisor (relay) | sound server |",
      "| ---                               | ------------------ | ------------ |",
      `| idle (same length, no playback)   | ${fixed(perMinute(idle, "sup"))} | ${fixed(perMinute(idle, "srv"))} |`,
      `| playing through the relay         | ${fixed(perMinute(viaRelay, "sup"))} | ${fixed(perMinute(viaRelay, "srv"))} |`,
      `| playing to the server's own socket | - | ${fixed(perMinute(viaDirect, "srv"))} |`,
      "",
      `the relay's own cost: ${fixed(relayPct, 2)}% of one core while playing (its CPU over the idle baseline); target <= ${TARGET_CPU_PCT}%: ${relayPct <= TARGET_CPU_PCT ? "PASS" : "FAIL"}`,
    ];
    const text = lines.join("\n");
    process.stdout.write(`${text}\n`);
    if (WRITE) writeDoc(`${MARKERS[0]}\n${text}\n${MARKERS[1]}`, MARKERS, "");
  } finally {
    session.proc.kill("SIGTERM");
    await session.exited;
    box.cleanup();
  }
}

if (import.meta.main) process.exitCode = await runSound(process.argv.slice(2));
