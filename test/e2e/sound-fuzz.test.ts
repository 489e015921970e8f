/**
 * A hostile client on an instance's sound socket, sending what no real client sends: random
 * bytes, a descriptor cut short, a length of 4 GiB, garbage after a valid AUTH, a packet that
 * never completes, and a crowd of connections. Afterwards the socket still serves a new client,
 * the host's server is up, and another instance that was playing all along still plays.
 * Against PulseAudio and PipeWire's pulse server, each a server of this suite's own.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Sandbox } from "./helpers.ts";
import { CMD, command, concat, descriptor, handshake, packet } from "./pulse-wire.ts";
import { containerId, createAppSandbox, execIn, type RunningSession, startRun, waitFor } from "./session.ts";
import { FORMAT, openRaw, RATE, recordWhile, SINK, type SoundServer, startSoundServer } from "./sound-helpers.ts";

let box: Sandbox;

/** The supervisor's peak resident memory (VmHWM), in MiB. */
function peakMemoryMiB(session: RunningSession): number {
  const status = readFileSync(`/proc/${session.proc.pid}/status`, "utf8");
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]) / 1024;
}
beforeAll(async () => {
  box = await createAppSandbox("sound-fuzz");
});
afterAll(() => box.cleanup());

describe.each(["pulseaudio", "pipewire"] as const)("%s", (kind) => {
  let server: SoundServer;
  let app: RunningSession;
  let bystander: RunningSession;
  let playing = "";
  const name = kind === "pulseaudio" ? "pa" : "pw";
  const APP = `attacker#fuzz-${name}`;
  const BYSTANDER = `attacker#fuzz-${name}-bystander`;
  const heard = async () =>
    (await recordWhile(500, async () => {}, { server: server.server, source: `${SINK}.monitor` })).level > 0.1;

  /** What must hold after every malformed client: the app's session (and its socket) lives, a new client is served, the server is up. */
  async function stillServing() {
    const info = await execIn(APP, ["pactl", "info"]);
    // Why a new client was not served, so a failure says it (the comparison fails either way).
    const why = info.code === 0 ? {} : { newClientSaid: info.stderr.trim() };
    return { session: app.proc.exitCode, newClient: info.code, ...why, server: (await server.pactl(["info"])).code };
  }
  const serving = { session: null, newClient: 0, server: 0 };

  beforeAll(async () => {
    server = await startSoundServer(kind, join(box.dir, kind));
    const env = { PULSE_SERVER: server.server };
    [app, bystander] = await Promise.all([
      startRun(box, APP, ["--audio"], env),
      startRun(box, BYSTANDER, ["--audio"], env),
    ]);
    // Two minutes of noise, from before the first malformed packet to after the last.
    playing = (
      await execIn(BYSTANDER, [
        "sh",
        "-c",
        `head -c ${2 * RATE * 120} /dev/urandom | pacat ${FORMAT.join(" ")} > /dev/null 2>&1 & echo $!`,
      ])
    ).stdout.trim();
  });
  afterAll(async () => {
    for (const s of [app, bystander]) s?.proc.kill("SIGTERM");
    await Promise.all([app?.exited, bystander?.exited]);
    await server?.stop();
  });

  test("control: the bystander is heard before the fuzz, and a raw client gets answers", async () => {
    expect(await heard()).toBe(true);
    const raw = openRaw(await containerId(APP));
    await raw.send(concat(handshake(), command(CMD.GET_SERVER_INFO, 2)));
    await waitFor("the server info", () => raw.answers().some((a) => a.tag === 2 && a.command === CMD.REPLY), 20_000);
    await raw.close();
  });

  // Malformed beyond doubt: the client is cut off, not left hanging.
  const malformed: [string, () => Uint8Array][] = [
    ["a length of 0xFFFFFFFF", () => concat(descriptor(0xffffffff), randomBytes(64))],
    [
      "a valid AUTH, then a garbage tagstruct",
      () =>
        concat(
          handshake(),
          packet(new Uint8Array([0x4c, 0, 0, 0, 20, 0x4c, 0, 0, 0, 2, 0xff, 0xfe, 0x00, 0x4c])),
          packet(randomBytes(200)),
        ),
    ],
    [
      "a control packet too short for its command and tag",
      () => concat(handshake(), packet(new Uint8Array([0x4c, 0, 0]))),
    ],
  ];
  test.each(malformed)("%s: the client is cut off, the rest keeps working", async (_what, bytes) => {
    const raw = openRaw(await containerId(APP));
    await raw.send(bytes());
    // A bound for a hang: a client that is not cut off hangs here until it is closed.
    const cutOff = await Promise.race([raw.closed, Bun.sleep(15_000).then(() => false)]);
    await raw.close();
    expect({ cutOff, ...(await stillServing()) }).toEqual({ cutOff: true, ...serving });
  });

  test("random bytes, on many connections", async () => {
    const id = await containerId(APP);
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        const raw = openRaw(id);
        await raw.send(randomBytes(64 * 1024));
        await Promise.race([raw.closed, Bun.sleep(2000)]);
        await raw.close();
      }),
    );
    expect(await stillServing()).toEqual(serving);
  });

  test("a descriptor cut short and a packet that never completes, held open, block nobody", async () => {
    const id = await containerId(APP);
    const short = openRaw(id);
    const unfinished = openRaw(id);
    await short.send(descriptor(100).subarray(0, 10));
    await unfinished.send(concat(handshake(), descriptor(1000), randomBytes(10)));
    try {
      // While both hang there: a new client, the server and the bystander are all served.
      expect({ ...(await stillServing()), heard: await heard() }).toEqual({ ...serving, heard: true });
    } finally {
      await Promise.all([short.close(), unfinished.close()]);
    }
    expect(await stillServing()).toEqual(serving);
  });

  test("two hundred connections at once, then a new client is served", async () => {
    const opened = await execIn(APP, [
      "sh",
      "-c",
      "for i in $(seq 200); do socat -u UNIX-CONNECT:/run/dockercask/pulse.sock /dev/null 2>/dev/null & echo $!; done",
    ]);
    const pids = opened.stdout.trim().split("\n");
    expect(pids).toHaveLength(200);
    await execIn(APP, ["kill", ...pids]);
    expect(await stillServing()).toEqual(serving);
  });

  // Each connection holds a packet one byte short of complete, as large as the relay would take
  // before this bound (16 MiB of audio, the server's own limit): 280 MiB of supervisor memory
  // once. Now a frame past what libpulse ever sends is refused at its descriptor.
  test("connections that each hold an almost complete huge packet: the supervisor's peak memory stays under 100 MiB", async () => {
    const id = await containerId(APP);
    const huge = 16 * 1024 * 1024;
    const holders = Array.from({ length: 15 }, () => openRaw(id));
    try {
      for (const holder of holders) {
        // A relay that refuses the frame cuts the connection: the rest of it then has nowhere to go.
        await (async () => {
          await holder.send(concat(handshake(), descriptor(huge, 0)));
          for (let sent = 0; sent < huge - 1; sent += 1024 * 1024)
            await holder.send(new Uint8Array(Math.min(1024 * 1024, huge - 1 - sent)));
        })().catch(() => undefined);
      }
      expect({ ...(await stillServing()), heard: await heard() }).toEqual({ ...serving, heard: true });
      expect(peakMemoryMiB(app)).toBeLessThan(100);
    } finally {
      await Promise.all(holders.map((h) => h.close()));
    }
    expect(await stillServing()).toEqual(serving);
  }, 180_000);

  test("the bystander played through it all, and is still heard", async () => {
    expect((await execIn(BYSTANDER, ["kill", "-0", playing])).code).toBe(0);
    expect(await heard()).toBe(true);
    expect(await stillServing()).toEqual(serving);
  });
});
