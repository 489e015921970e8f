/**
 * Sound through each instance's own PulseAudio socket, recorded for real on the host from
 * the test bed's null sink.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { dockerInspect, type Sandbox, sh } from "./helpers.ts";
import { containerId, createAppSandbox, execIn, leftovers, startRun } from "./session.ts";
import { NOISE, recordWhile as recordSink } from "./sound-helpers.ts";

const SINK = process.env.DOCKERCASK_TEST_SINK ?? "dockercask_test";
let box: Sandbox;
beforeAll(async () => {
  box = await createAppSandbox("sound");
});
afterAll(() => box.cleanup());

/** The test bed's null sink, recorded on the host while `play` runs. */
const recordWhile = (ms: number, play: () => Promise<unknown>, server = process.env.PULSE_SERVER) =>
  recordSink(ms, play, { server, source: `${SINK}.monitor` });

const modulesFor = async (instance: string) =>
  (await sh(["pactl", "list", "short", "modules"])).stdout
    .split("\n")
    .filter((l) => l.includes(`/${instance}/pulse.sock`));

test("an instance plays through its own socket and the host hears it", async () => {
  const s = await startRun(box, "attacker#sound", ["--audio"]);
  try {
    // dockercask serves the socket itself: the host's server has no socket of the instance's.
    expect(await modulesFor("attacker#sound")).toEqual([]);
    const silence = await recordWhile(500, async () => {});
    let played = { code: -1, stdout: "", stderr: "" };
    const noisy = await recordWhile(1000, async () => (played = await execIn("attacker#sound", ["sh", "-c", NOISE])));
    // One comparison, so a failure shows every measurement at once. The quiet recording ran
    // for 0.5 s: most of that must have arrived for it to count as silence.
    const quiet = silence.seconds > 0.4 && silence.level < 0.01;
    expect({
      ...played,
      silence: quiet ? "silent" : silence,
      level: noisy.level > 0.1 ? "heard" : noisy,
    }).toMatchObject({
      code: 0,
      stderr: "",
      silence: "silent",
      level: "heard",
    });
    // Only the instance's socket is in the container, never the host's main one.
    const found = await execIn("attacker#sound", [
      "sh",
      "-c",
      "ls /run/dockercask; find / -name native -o -name 'pulse*' -path '*pulse*' 2>/dev/null | grep -v '^/usr\\|^/etc\\|^/proc\\|^/var/lib\\|^/home/app/.config/pulse'",
    ]);
    // (bus.sock is the instance's own desktop bus.)
    expect(found.stdout.trim().split("\n")).toEqual([
      "Xauthority",
      "bus.sock",
      "pulse.sock",
      "/run/dockercask/pulse.sock",
    ]);
    // Control: on the host, the main socket the container must not see does exist.
    expect(
      (await sh(["sh", "-c", `test -S ${(process.env.PULSE_SERVER ?? "").replace(/^unix:/, "")} && echo present`]))
        .stdout,
    ).toContain("present");
  } finally {
    s.proc.kill("SIGTERM");
    await s.exited;
  }
  expect(await leftovers(box, "attacker#sound")).toEqual([]);
});

test("under PipeWire's pulse server the same relay serves the socket, and the host hears it", async () => {
  const server = process.env.DOCKERCASK_TEST_PIPEWIRE_SERVER;
  expect(server).toBeDefined(); // the test bed starts it
  const env = { PULSE_SERVER: server! };
  const s = await startRun(box, "attacker#pipewire", ["--audio"], env);
  try {
    const { level } = await recordWhile(1000, () => execIn("attacker#pipewire", ["sh", "-c", NOISE]), server);
    expect(level).toBeGreaterThan(0.1);
    const found = await execIn("attacker#pipewire", ["ls", "/run/dockercask"]);
    expect(found.stdout.trim().split("\n")).toEqual(["Xauthority", "bus.sock", "pulse.sock"]);
  } finally {
    s.proc.kill("SIGTERM");
    await s.exited;
  }
  // The relay went with the session: nobody listens on that socket any more.
  expect(await leftovers(box, "attacker#pipewire")).toEqual([]);
});

test("--no-audio: no socket is mounted and nothing can be played", async () => {
  const s = await startRun(box, "attacker#mute", ["--no-audio"]);
  try {
    const id = await containerId("attacker#mute");
    const binds: string[] = (await dockerInspect("container", id)).HostConfig.Binds;
    expect(binds.some((b) => b.includes("pulse"))).toBe(false);
    expect(binds.some((b) => b.includes("X11-unix"))).toBe(true); // control
    const played = await execIn("attacker#mute", ["sh", "-c", `${NOISE}; echo exit=$?`]);
    expect(played.stdout).not.toContain("exit=0");
    expect(await modulesFor("attacker#mute")).toEqual([]);
  } finally {
    s.proc.kill("SIGTERM");
    await s.exited;
  }
});

test("a SIGKILLed supervisor's sound socket dies with it, and the next command's reap removes it", async () => {
  const s = await startRun(box, "attacker#killed", ["--audio"]);
  const socket = join(box.env.XDG_RUNTIME_DIR!, "dockercask", "attacker#killed", "pulse.sock");
  // Control: the socket answers while the supervisor lives.
  expect((await sh(["pactl", "-s", `unix:${socket}`, "info"])).code).toBe(0);
  s.proc.kill("SIGKILL");
  await s.exited;
  // The relay was the supervisor: nothing serves the socket any more, and the host's server
  // never had a socket of the instance's to leave behind.
  expect((await sh(["pactl", "-s", `unix:${socket}`, "info"])).code).not.toBe(0);
  expect(await modulesFor("attacker#killed")).toEqual([]);
  const ps = await box.run(["ps"]);
  expect(ps.stderr).toContain("cleaned up after attacker#killed");
  expect(existsSync(socket)).toBe(false);
});

test("without a pulse server the app runs, silent, and says so once", async () => {
  const r = await box.run(["run", "attacker#nopulse", "--audio", "--", "true"], {
    env: { PULSE_SERVER: `unix:${box.dir}/no-pulse-here` },
  });
  expect(r.code).toBe(0);
  expect(r.stderr.match(/running without sound/g)).toHaveLength(1);
});
