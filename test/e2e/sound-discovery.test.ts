/**
 * The host's sound server is found the way libpulse finds it (core/sound/discovery.ts): a
 * user whose server is reached through the X root window's property, client.conf or
 * PULSE_RUNTIME_PATH got a silent app before, even with --audio. Each way gets a real
 * PulseAudio server of this suite's own, reachable only that way, and a real instance whose
 * playing is recorded from that server's sink: heard, or the test fails. The last case finds
 * nothing, and the warning says what was tried.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Sandbox, sh } from "./helpers.ts";
import { createAppSandbox, execIn, startRun, waitFor } from "./session.ts";
import { NOISE, recordWhile, type SoundServer, startSoundServer } from "./sound-helpers.ts";

let box: Sandbox;
let server: SoundServer;
let socket: string;
let xvfb: ReturnType<typeof Bun.spawn>;
let display: string;

beforeAll(async () => {
  box = await createAppSandbox("sound-discovery");
  server = await startSoundServer("pulseaudio", join(box.dir, "pa"));
  socket = server.server.replace(/^unix:/, "");
  // A desktop of this suite's own, whose root window property this suite may set.
  // -noreset: a root window property outlives the client that set it, as on a desktop with clients.
  xvfb = Bun.spawn(["Xvfb", "-displayfd", "1", "-nolisten", "tcp", "-noreset", "-screen", "0", "1024x768x24"], {
    stdout: "pipe",
    stderr: "ignore",
  });
  const reader = (xvfb.stdout as ReadableStream<Uint8Array>).getReader();
  display = `:${new TextDecoder().decode((await reader.read()).value).trim()}`;
  reader.releaseLock();
}, 120_000);

afterAll(async () => {
  await box.run(["stop", "--all"]);
  await server?.stop();
  xvfb?.kill();
  box.cleanup();
}, 120_000);

/** No way but the one a case sets up: no PULSE_SERVER, no runtime dir with a server, no client.conf. */
const NOTHING = { PULSE_SERVER: "", PULSE_RUNTIME_PATH: "", PULSE_CLIENTCONFIG: "" };

/** Runs an instance with --audio in `env`, plays noise inside, and records the suite's server meanwhile. */
async function heardThrough(instance: string, env: Record<string, string>) {
  const session = await startRun(box, instance, ["--audio"], { DISPLAY: display, ...NOTHING, ...env });
  try {
    let played = { code: -1, stderr: "" };
    const recorded = await recordWhile(1000, async () => (played = await execIn(instance, ["sh", "-c", NOISE])), {
      server: server.server,
      source: `${server.sink}.monitor`,
    });
    return {
      played: played.code,
      heard: recorded.level > 0.1,
      said: session.output().match(/running without sound.*/)?.[0],
    };
  } finally {
    session.proc.kill("SIGTERM");
    await session.exited;
  }
}

describe("the sound server, found as libpulse finds it", () => {
  test("1. PULSE_SERVER", async () => {
    expect(await heardThrough("attacker#disc-env", { PULSE_SERVER: server.server })).toEqual({
      played: 0,
      heard: true,
      said: undefined,
    });
  }, 120_000);

  test("2. the X root window's PULSE_SERVER property", async () => {
    const set = await sh([
      "xprop",
      "-root",
      "-display",
      display,
      "-f",
      "PULSE_SERVER",
      "8s",
      "-set",
      "PULSE_SERVER",
      `{0}unix:${socket}`,
    ]);
    expect(set.code).toBe(0);
    try {
      expect(await heardThrough("attacker#disc-x11", {})).toEqual({ played: 0, heard: true, said: undefined });
    } finally {
      await sh(["xprop", "-root", "-display", display, "-remove", "PULSE_SERVER"]);
    }
  }, 120_000);

  test("3. default-server in the user's client.conf", async () => {
    const conf = join(box.env.XDG_CONFIG_HOME!, "pulse");
    mkdirSync(conf, { recursive: true });
    writeFileSync(join(conf, "client.conf"), `; written by the test\ndefault-server = unix:${socket}\n`);
    try {
      expect(await heardThrough("attacker#disc-conf", {})).toEqual({ played: 0, heard: true, said: undefined });
    } finally {
      rmSync(conf, { recursive: true, force: true });
    }
  }, 120_000);

  test("4. $PULSE_RUNTIME_PATH/native", async () => {
    expect(await heardThrough("attacker#disc-rtp", { PULSE_RUNTIME_PATH: socket.replace(/\/native$/, "") })).toEqual({
      played: 0,
      heard: true,
      said: undefined,
    });
  }, 120_000);

  test("5. $XDG_RUNTIME_DIR/pulse/native", async () => {
    const dir = join(box.env.XDG_RUNTIME_DIR!, "pulse");
    mkdirSync(dir, { recursive: true });
    symlinkSync(socket, join(dir, "native"));
    try {
      expect(await heardThrough("attacker#disc-xdg", {})).toEqual({ played: 0, heard: true, said: undefined });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  test("none of them: --audio gets a warning that says what was tried, and the app runs silent", async () => {
    const r = await box.run(["run", "attacker#disc-none", "--audio", "--", "true"], {
      env: { DISPLAY: display, ...NOTHING },
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /warn.*no PulseAudio or PipeWire sound server found: running without sound \(tried: PULSE_SERVER is not set; the X root window has no PULSE_SERVER; /,
    );
    expect(r.stderr).toContain("$XDG_RUNTIME_DIR/pulse/native");
    expect(r.stderr.match(/running without sound/g)).toHaveLength(1);
    // doctor says the same.
    const doctor = await box.run(["doctor"], { env: { DISPLAY: display, ...NOTHING } });
    expect(doctor.stdout + doctor.stderr).toContain("dockercask finds no sound server");
    await waitFor(
      "nothing of it left",
      async () => (await sh(["pgrep", "-f", "attacker#disc-none"])).stdout.trim() === "" || undefined,
    );
  }, 120_000);
});
