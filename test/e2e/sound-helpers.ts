/**
 * Shared by the sound suites: recording what a sink plays (so a test hears for real), sound
 * servers of a suite's own (so attacks that succeed harm nobody else's tests), and what the
 * host can see of a server's state, to tell whether an attack changed it.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type CliResult, sh } from "./helpers.ts";
import { type Answer, concat, parseAnswers } from "./pulse-wire.ts";
import { waitFor } from "./session.ts";

/** One format for playing and recording: 16-bit mono samples, `RATE` a second. */
export const RATE = 22050;
export const FORMAT = ["--raw", "--format=s16le", "--channels=1", `--rate=${RATE}`];
/** A shell command that plays 1.5 s of white noise (2 bytes a sample) to the default sink. */
export const NOISE = `head -c ${3 * RATE} /dev/urandom | pacat ${FORMAT.join(" ")}`;

/** RMS level (0..1) of s16le samples, and how many seconds they last. */
export function levelOf(bytes: Uint8Array): { level: number; seconds: number } {
  const samples = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1);
  let sum = 0;
  for (const s of samples) sum += (s / 32768) ** 2;
  return { level: samples.length ? Math.sqrt(sum / samples.length) : 0, seconds: samples.length / RATE };
}

/**
 * Records `source` (on the host) for `ms` after `play` ran; returns the RMS level and how much
 * was recorded, so that an empty recording never passes for silence.
 */
export async function recordWhile(
  ms: number,
  play: () => Promise<unknown>,
  options: { server?: string; source: string },
): Promise<{ level: number; seconds: number }> {
  // --latency-msec: by default the server hands parec its data in chunks of up to 2 s, and
  // whatever is still held back when parec is stopped is lost, sometimes the whole noise.
  const rec = Bun.spawn(["parec", "-d", options.source, ...FORMAT, "--latency-msec=20"], {
    env: { ...process.env, PULSE_SERVER: options.server ?? process.env.PULSE_SERVER },
    stdout: "pipe",
    stderr: "ignore",
  });
  const chunks: Uint8Array[] = [];
  const { promise: recording, resolve: started } = Promise.withResolvers<void>();
  const drained = (async () => {
    for await (const chunk of rec.stdout) {
      chunks.push(chunk);
      started();
    }
  })();
  // Play only once the first samples are in: parec takes a few hundred ms to connect.
  await Promise.race([recording, drained, Bun.sleep(10_000)]);
  await play();
  await Bun.sleep(ms);
  rec.kill("SIGTERM");
  await drained;
  return levelOf(new Uint8Array(await new Blob(chunks).arrayBuffer()));
}

/** The null sink of the suites' own servers. */
export const SINK = "containment_sink";

export interface SoundServer {
  kind: "pulseaudio" | "pipewire";
  /** PULSE_SERVER for clients of this server. */
  server: string;
  /** The null sink it plays to; its monitor is what the host records. */
  sink: string;
  pactl(args: string[]): Promise<CliResult>;
  stop(): Promise<void>;
}

/**
 * Starts a sound server of the suite's own under `dir`, with a null sink, the same way
 * scripts/testbed.sh starts the shared ones. The attack suites need their own: on a socket that
 * is not filtered, an attack unloads modules, changes defaults or stops the server, and the
 * shared test bed's servers serve every other suite running at the same time.
 */
export async function startSoundServer(kind: SoundServer["kind"], dir: string, sink = SINK): Promise<SoundServer> {
  const runtime = join(dir, "run");
  mkdirSync(runtime, { recursive: true, mode: 0o700 });
  // HOME and XDG_STATE_HOME of its own: wireplumber saves defaults there, which the shared
  // PipeWire (also run as root) would otherwise read back.
  const env: Record<string, string | undefined> = {
    ...process.env,
    XDG_RUNTIME_DIR: runtime,
    HOME: dir,
    XDG_STATE_HOME: join(dir, "state"),
    XDG_CONFIG_HOME: join(dir, "config"),
  };
  delete env.PULSE_SERVER;
  const command =
    kind === "pulseaudio"
      ? [
          "pulseaudio",
          "--daemonize=no",
          "--use-pid-file=no",
          "--exit-idle-time=-1",
          "-n",
          "-F",
          "/dev/null",
          "--load=module-native-protocol-unix",
        ]
      : ["dbus-run-session", "--", "sh", "-c", "pipewire & sleep 0.5; wireplumber & pipewire-pulse & wait"];
  // setsid: its own process group, so that stop() ends it and every daemon it started, and nothing else.
  const proc = Bun.spawn(["setsid", ...command], { env, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  const server = `unix:${runtime}/pulse/native`;
  const pactl = (args: string[]) => sh(["pactl", ...args], { PULSE_SERVER: server, LC_ALL: "C" });
  await waitFor(
    `${kind} to answer on ${server}`,
    async () => {
      if (proc.exitCode !== null) throw new Error(`${kind} exited with ${proc.exitCode}`);
      return (await pactl(["info"])).code === 0;
    },
    20_000,
  );
  const loaded = await pactl(["load-module", "module-null-sink", `sink_name=${sink}`]);
  if (loaded.code !== 0) throw new Error(`loading the null sink failed: ${loaded.stderr}`);
  await pactl(["set-default-sink", sink]);
  return {
    kind,
    server,
    sink,
    pactl,
    async stop() {
      try {
        process.kill(-proc.pid, "SIGTERM");
      } catch {
        // already gone
      }
      await proc.exited;
    },
  };
}

/** `pactl info`'s "Key: value" lines as a record. */
export async function serverInfo(s: SoundServer): Promise<Record<string, string>> {
  const info = await s.pactl(["info"]);
  return Object.fromEntries([...info.stdout.matchAll(/^([^:\n]+): (.*)$/gm)].map((m) => [m[1]!, m[2]!]));
}

/** TCP ports something listens on in the host's network namespace (IPv4 and IPv6). */
export async function tcpListeners(): Promise<number[]> {
  const text = (await sh(["cat", "/proc/net/tcp", "/proc/net/tcp6"])).stdout;
  // local_address is "ADDR:PORT" in hex; state 0A is LISTEN.
  return [...text.matchAll(/^\s*\d+: [0-9A-F]+:([0-9A-F]{4}) [0-9A-F]+:[0-9A-F]{4} 0A /gm)].map((m) =>
    parseInt(m[1]!, 16),
  );
}

/** Runs a command in a container with bytes on its stdin; returns its stdout as bytes. */
export async function execWithBytes(
  container: string,
  command: string[],
  input: Uint8Array,
): Promise<{ code: number; stdout: Uint8Array; stderr: string }> {
  const proc = Bun.spawn(["docker", "exec", "-i", container, ...command], {
    stdin: new Blob([input]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, stdout, stderr] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).bytes(),
    new Response(proc.stderr).text(),
  ]);
  return { code, stdout, stderr };
}

/** A raw connection through a container's socket, opened from inside (socat, as the app's user). */
export interface RawConnection {
  send(bytes: Uint8Array): Promise<void>;
  /** Answers so far. */
  answers(): Answer[];
  /** Resolves true when the other side hung up, false when `close` came first. */
  closed: Promise<boolean>;
  close(): Promise<void>;
}

export function openRaw(container: string): RawConnection {
  const proc = Bun.spawn(["docker", "exec", "-i", container, "socat", "-", "UNIX-CONNECT:/run/dockercask/pulse.sock"], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "ignore",
  });
  const chunks: Uint8Array[] = [];
  let closing = false;
  const closed = (async () => {
    for await (const chunk of proc.stdout) chunks.push(chunk);
    return !closing;
  })();
  return {
    async send(bytes) {
      proc.stdin.write(bytes);
      await proc.stdin.flush();
    },
    answers: () => parseAnswers(concat(...chunks)),
    closed,
    async close() {
      closing = true;
      proc.kill();
      await proc.exited;
    },
  };
}

/**
 * Sends `input` (commands tagged 0 to `lastTag`) through a container's socket and keeps the
 * connection open until every one of them is answered or the other side hangs up. Every tag, not
 * the last: pipewire-pulse answers SET_CLIENT_NAME only once its own graph has synced, so a
 * later command's answer can come first (CI saw the connection closed before tag 1's came).
 */
export async function converse(container: string, input: Uint8Array, lastTag: number): Promise<Answer[]> {
  const raw = openRaw(container);
  await raw.send(input);
  const allAnswered = () => {
    const tags = new Set(raw.answers().map((a) => a.tag));
    return Array.from({ length: lastTag + 1 }, (_, tag) => tag).every((tag) => tags.has(tag));
  };
  // A bound for a hang (the answers take milliseconds), not a timing assertion.
  await waitFor(
    `the answers to tags 0-${lastTag}`,
    async () => allAnswered() || (await Promise.race([raw.closed, Bun.sleep(50).then(() => false)])),
    20_000,
  );
  await raw.close();
  return raw.answers();
}
