/**
 * What an attacker inside an instance would go after on the host's sound server: other
 * clients' streams (a host-side player and recorder with names to look for), a sink of its
 * own to move them to, a sample in the cache, and the server's state as the host sees it.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "./session.ts";
import { FORMAT, RATE, type SoundServer, serverInfo, tcpListeners } from "./sound-helpers.ts";

export const VICTIM = "victim-xyz";
export const VICTIM_SINK = "victim_sink";
export const VICTIM_SAMPLE = "victim_sample";
/** A non-monitor source (a remap of the sink's monitor), the "microphone" of these tests. */
export const MIC = "dockercask_mic";

export interface Victims {
  /** Host-side indices of the victim's client and streams, as the attacker would aim them. */
  ids(): Promise<{ client: string; sinkInput: string; sourceOutput: string; sinkModule: string }>;
  /** Restarts the player and the recorder if an attack killed them. */
  revive(): Promise<void>;
  stop(): void;
}

/** A mono 16-bit WAV of `seconds` of a square wave, for the sample cache. */
export function wav(seconds = 0.2): Uint8Array {
  const n = Math.round(RATE * seconds);
  const d = new DataView(new ArrayBuffer(44 + 2 * n));
  const text = (at: number, s: string) => {
    for (const [i, c] of [...s].entries()) d.setUint8(at + i, c.charCodeAt(0));
  };
  text(0, "RIFF");
  d.setUint32(4, 36 + 2 * n, true);
  text(8, "WAVEfmt ");
  d.setUint32(16, 16, true);
  d.setUint16(20, 1, true); // PCM
  d.setUint16(22, 1, true); // mono
  d.setUint32(24, RATE, true);
  d.setUint32(28, 2 * RATE, true);
  d.setUint16(32, 2, true);
  d.setUint16(34, 16, true);
  text(36, "data");
  d.setUint32(40, 2 * n, true);
  for (let i = 0; i < n; i++) d.setInt16(44 + 2 * i, i % 50 < 25 ? 8000 : -8000, true);
  return new Uint8Array(d.buffer);
}

/** `pactl list <kind>` as blocks of "Key: value" fields plus the raw text. */
async function listBlocks(
  s: SoundServer,
  kind: string,
): Promise<{ text: string; field(name: string): string | undefined }[]> {
  const out = (await s.pactl(["list", kind])).stdout;
  return out
    .split(/\n(?=\S)/)
    .map((text) => ({ text, field: (name: string) => new RegExp(`^\\s*${name}: (.*)$`, "m").exec(text)?.[1] }));
}

export async function setUpVictims(s: SoundServer, dir: string): Promise<Victims> {
  const env = { ...process.env, PULSE_SERVER: s.server };
  let player: ReturnType<typeof Bun.spawn> | undefined;
  let recorder: ReturnType<typeof Bun.spawn> | undefined;
  // Silence, endlessly: it changes nothing anyone hears, and keeps the sink running.
  const start = () => {
    if (!player || player.exitCode !== null || player.killed)
      player = Bun.spawn(
        [
          "sh",
          "-c",
          `exec pacat ${FORMAT.join(" ")} --client-name=${VICTIM}-player --stream-name=${VICTIM}-stream -d ${s.sink} < /dev/zero`,
        ],
        {
          env,
          stdout: "ignore",
          stderr: "ignore",
        },
      );
    if (!recorder || recorder.exitCode !== null || recorder.killed)
      recorder = Bun.spawn(
        [
          "parec",
          ...FORMAT,
          `--client-name=${VICTIM}-recorder`,
          `--stream-name=${VICTIM}-call`,
          "-d",
          `${s.sink}.monitor`,
        ],
        { env, stdout: "ignore", stderr: "ignore" },
      );
  };
  const file = join(dir, "victim.wav");
  writeFileSync(file, wav());
  const ensureFixtures = async () => {
    if (!(await s.pactl(["list", "short", "sinks"])).stdout.includes(VICTIM_SINK))
      await s.pactl(["load-module", "module-null-sink", `sink_name=${VICTIM_SINK}`]);
    if (!(await s.pactl(["list", "short", "sources"])).stdout.includes(MIC))
      await s.pactl(["load-module", "module-remap-source", `master=${s.sink}.monitor`, `source_name=${MIC}`]);
    if (!(await s.pactl(["list", "short", "samples"])).stdout.includes(VICTIM_SAMPLE))
      await s.pactl(["upload-sample", file, VICTIM_SAMPLE]);
  };
  const ids = async () => {
    const client = (await listBlocks(s, "clients"))
      .find((b) => b.text.includes(`"${VICTIM}-player"`))
      ?.text.match(/^Client #(\d+)/)?.[1];
    const recClient = (await listBlocks(s, "clients"))
      .find((b) => b.text.includes(`"${VICTIM}-recorder"`))
      ?.text.match(/^Client #(\d+)/)?.[1];
    const sinkInput = (await listBlocks(s, "sink-inputs"))
      .find((b) => b.field("Client") === client)
      ?.text.match(/^Sink Input #(\d+)/)?.[1];
    const sourceOutput = (await listBlocks(s, "source-outputs"))
      .find((b) => b.field("Client") === recClient)
      ?.text.match(/^Source Output #(\d+)/)?.[1];
    const sinkModule = (await listBlocks(s, "sinks"))
      .find((b) => b.field("Name") === VICTIM_SINK)
      ?.field("Owner Module");
    if (client && sinkInput && sourceOutput && sinkModule) return { client, sinkInput, sourceOutput, sinkModule };
    return undefined;
  };
  const revive = async () => {
    await ensureFixtures();
    start();
    await waitFor("the victim's streams", ids, 20_000);
  };
  await revive();
  return {
    async ids() {
      const found = await ids();
      if (!found) throw new Error("the victim's streams are gone");
      return found;
    },
    revive,
    stop() {
      player?.kill();
      recorder?.kill();
    },
  };
}

/**
 * The server's state as the host sees it, in what an attack would change: modules, defaults,
 * the sink's volume, mute and running state, the victim's streams and client, the sample cache,
 * and the two host-side traces of module loads (a TCP listener, a FIFO).
 */
export async function hostState(
  s: SoundServer,
  traces: { port: number; fifo: string },
): Promise<Record<string, unknown>> {
  const info = await serverInfo(s);
  const pick = (b: { field(name: string): string | undefined }, names: string[]) =>
    Object.fromEntries(names.map((n) => [n, b.field(n)]));
  const devices = async (kind: "sinks" | "sources") =>
    (await listBlocks(s, kind))
      .filter(
        (b) =>
          b.field("Name")?.startsWith(s.sink) || b.field("Name")?.startsWith(VICTIM_SINK) || b.field("Name") === MIC,
      )
      // State only where a stream keeps it steady: idle devices suspend by themselves under PipeWire.
      .map((b) => ({
        ...pick(b, ["Name", "Mute", "Volume", "Active Port"]),
        ...(b.field("Name")?.startsWith(s.sink) ? { State: b.field("State") } : {}),
      }));
  const victimBlocks = async (kind: string) =>
    (await listBlocks(s, kind))
      .filter((b) => b.text.includes(VICTIM))
      .map((b) => pick(b, ["Sink", "Source", "Mute", "Volume"]));
  return {
    modules: (await s.pactl(["list", "short", "modules"])).stdout
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .sort(),
    defaults: { sink: info["Default Sink"], source: info["Default Source"] },
    sinks: await devices("sinks"),
    sources: await devices("sources"),
    victimClients: (await listBlocks(s, "clients")).filter((b) => b.text.includes(VICTIM)).length,
    victimPlayback: await victimBlocks("sink-inputs"),
    victimRecording: await victimBlocks("source-outputs"),
    samples: (await s.pactl(["list", "short", "samples"])).stdout
      .split("\n")
      .map((l) => l.split("\t")[1])
      .filter(Boolean)
      .sort(),
    tcpListener: (await tcpListeners()).includes(traces.port),
    fifo: existsSync(traces.fifo),
  };
}
