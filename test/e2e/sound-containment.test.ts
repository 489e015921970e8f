/**
 * What an app can do to the host's sound server through its own socket: play, and record from
 * the default source when its `microphone` policy allows it. Every other command an attacker
 * inside would send with pactl is refused with the protocol's access error, and the server, as
 * the host sees it, is unchanged afterwards. Run against PulseAudio and PipeWire's pulse server
 * alike, each a server of this suite's own (sound-helpers.ts says why).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Sandbox } from "./helpers.ts";
import { CMD, command, concat, handshake, PA_ERR_ACCESS } from "./pulse-wire.ts";
import { containerId, createAppSandbox, execIn, type RunningSession, startRun, waitFor } from "./session.ts";
import {
  converse,
  execWithBytes,
  FORMAT,
  levelOf,
  NOISE,
  RATE,
  recordWhile,
  SINK,
  type SoundServer,
  startSoundServer,
} from "./sound-helpers.ts";
import {
  hostState,
  MIC,
  setUpVictims,
  VICTIM,
  VICTIM_SAMPLE,
  VICTIM_SINK,
  type Victims,
  wav,
} from "./sound-victims.ts";

let box: Sandbox;
beforeAll(async () => {
  box = await createAppSandbox("sound-containment");
});
afterAll(() => box.cleanup());

/** "Access denied" when the command failed with it, else what it did, so a failure shows it. */
const verdict = (r: { code: number; stdout: string; stderr: string }) =>
  r.code !== 0 && /Access denied/i.test(r.stdout + r.stderr)
    ? "Access denied"
    : `exit ${r.code}: ${(r.stderr || r.stdout).trim().slice(0, 300)}`;
/** A recording from inside: how parec ended and how many bytes it got (`timeout` bounds a recording that is not refused). */
const recordInside = (instance: string, args = "") =>
  execIn(instance, [
    "sh",
    "-c",
    `LC_ALL=C timeout 5 parec ${FORMAT.join(" ")} ${args} > /tmp/rec.raw; echo "exit=$?"; wc -c < /tmp/rec.raw`,
  ]);

describe.each(["pulseaudio", "pipewire"] as const)("%s", (kind) => {
  let server: SoundServer;
  let victims: Victims;
  let app: RunningSession;
  let micApp: RunningSession;
  const name = kind === "pulseaudio" ? "pa" : "pw";
  const APP = `attacker#contain-${name}`;
  const MIC_APP = `attacker#contain-${name}-mic`;
  const PORT = 20000 + Math.floor(Math.random() * 20000);
  let traces: { port: number; fifo: string };
  const state = () => hostState(server, traces);
  const pactlInside = (args: string[]) => execIn(APP, ["env", "LC_ALL=C", "pactl", ...args]);

  beforeAll(async () => {
    server = await startSoundServer(kind, join(box.dir, kind));
    traces = { port: PORT, fifo: join(box.dir, `${kind}-pwned.fifo`) };
    victims = await setUpVictims(server, join(box.dir, kind));
    // A microphone the default source, so that a refused recording is refused for the policy,
    // not because the default happens to be a monitor.
    await server.pactl(["set-default-source", MIC]);
    const env = { PULSE_SERVER: server.server };
    [app, micApp] = await Promise.all([
      startRun(box, APP, ["--audio"], env),
      startRun(box, MIC_APP, ["--audio", "--microphone"], env),
    ]);
  });
  afterAll(async () => {
    for (const s of [app, micApp]) s?.proc.kill("SIGTERM");
    await Promise.all([app?.exited, micApp?.exited]);
    victims?.stop();
    await server?.stop();
  });

  test("control: the app plays through its socket and the host hears it", async () => {
    const { level } = await recordWhile(1000, () => execIn(APP, ["sh", "-c", NOISE]), {
      server: server.server,
      source: `${SINK}.monitor`,
    });
    expect(level).toBeGreaterThan(0.1);
  });

  test("it sees no other client or stream: lists are refused, and the victim's name is nowhere", async () => {
    // Control: the host sees the victim by that name.
    expect((await server.pactl(["list", "clients"])).stdout).toContain(`${VICTIM}-player`);
    // Control: the app does reach the server, and sees its sinks.
    expect((await pactlInside(["list", "short", "sinks"])).stdout).toContain(SINK);
    const seen: Record<string, string> = {};
    let all = "";
    for (const what of ["clients", "modules", "sink-inputs", "source-outputs"]) {
      const r = await pactlInside(["list", what]);
      seen[what] = verdict(r);
      all += r.stdout + r.stderr;
    }
    const everything = await pactlInside(["list"]);
    all += everything.stdout + everything.stderr;
    expect({ seen, victimNamed: all.includes(VICTIM) }).toEqual({
      seen: {
        clients: "Access denied",
        modules: "Access denied",
        "sink-inputs": "Access denied",
        "source-outputs": "Access denied",
      },
      victimNamed: false,
    });
  });

  /** A verdict on one raw command (tag 2) after the handshake. */
  const sendRaw = async (cmd: number, index: number) => {
    const answers = await converse(await containerId(APP), concat(handshake(), command(cmd, 2, [{ u32: index }])), 2);
    const answer = answers.find((a) => a.tag === 2);
    if (answer?.command === CMD.ERROR && answer.error === PA_ERR_ACCESS) return "Access denied";
    return answer ? `answered ${answer.command} (error ${answer.error})` : "no answer";
  };

  test("single-object info on others and extension commands are refused (raw protocol)", async () => {
    const id = await victims.ids();
    const input = concat(
      handshake(),
      command(CMD.GET_CLIENT_INFO, 2, [{ u32: Number(id.client) }]),
      command(CMD.GET_SINK_INPUT_INFO, 3, [{ u32: Number(id.sinkInput) }]),
      command(CMD.GET_SOURCE_OUTPUT_INFO, 4, [{ u32: Number(id.sourceOutput) }]),
      command(CMD.GET_MODULE_INFO, 5, [{ u32: Number(id.sinkModule) }]),
      command(CMD.EXTENSION, 6, [{ u32: 0xffffffff }, { str: "module-stream-restore" }, { u32: 0 }]),
      // Control: the connection still answers what an app needs.
      command(CMD.GET_SERVER_INFO, 7),
    );
    const answers = await converse(await containerId(APP), input, 7);
    const byTag = Object.fromEntries(
      answers.map((a) => [
        a.tag,
        a.command === CMD.ERROR ? (a.error === PA_ERR_ACCESS ? "Access denied" : `error ${a.error}`) : "answered",
      ]),
    );
    expect({ byTag, victimNamed: answers.some((a) => a.text.includes(VICTIM)) }).toEqual({
      byTag: {
        0: "answered",
        1: "answered",
        2: "Access denied",
        3: "Access denied",
        4: "Access denied",
        5: "Access denied",
        6: "Access denied",
        7: "answered",
      },
      victimNamed: false,
    });
  });

  test("subscribed events cover sinks and sources, never other clients, streams or modules", async () => {
    const pid = (
      await execIn(APP, ["sh", "-c", "LC_ALL=C pactl subscribe > /tmp/events 2>&1 & echo $!"])
    ).stdout.trim();
    const sinkEvents = async () =>
      ((await execIn(APP, ["cat", "/tmp/events"])).stdout.match(/ on sink #/g) ?? []).length;
    // A sink change first: once its event is in, the subscription is live (whatever name the
    // socket gives the client upstream).
    let volume = 99;
    await waitFor(
      "the subscription",
      async () => {
        await server.pactl(["set-sink-volume", VICTIM_SINK, `${volume--}%`]);
        return (await sinkEvents()) > 0;
      },
      20_000,
    );
    const seen = await sinkEvents();
    // Another client comes and goes, with a stream of its own...
    await Bun.spawn(["sh", "-c", `head -c 4410 /dev/zero | pacat ${FORMAT.join(" ")} --client-name=${VICTIM}-late`], {
      env: { ...process.env, PULSE_SERVER: server.server },
    }).exited;
    // ...and then a sink changes again: events are delivered in order, so once this one is in, the others would be.
    await server.pactl(["set-sink-volume", VICTIM_SINK, "90%"]);
    await waitFor("the sink's change event", async () => (await sinkEvents()) > seen, 20_000);
    await execIn(APP, ["kill", pid]);
    await server.pactl(["set-sink-volume", VICTIM_SINK, "100%"]);
    const events = (await execIn(APP, ["cat", "/tmp/events"])).stdout;
    expect(events.match(/^.* on (client|sink-input|source-output|module|sample-cache) #\d+$/gm) ?? []).toEqual([]);
  });

  describe("recording", () => {
    test("with the microphone off, recording is refused, from the default source and from a monitor", async () => {
      const fromDefault = await recordInside(APP);
      const fromMonitor = await recordInside(APP, `-d ${SINK}.monitor`);
      for (const r of [fromDefault, fromMonitor]) {
        expect(r.stdout).toMatch(/^0$/m); // no samples
        expect(r.stdout).not.toMatch(/exit=(0|124)\b/); // it failed, and did not just run until stopped
        expect(r.stdout + r.stderr).toMatch(/Access denied/i);
      }
    });

    test("control: with --microphone, a recording from the default source has the sound in it", async () => {
      const id = await containerId(MIC_APP);
      const pid = (
        await execIn(MIC_APP, [
          "sh",
          "-c",
          `parec ${FORMAT.join(" ")} --latency-msec=20 > /tmp/mic.raw 2>/tmp/mic.err & echo $!`,
        ])
      ).stdout.trim();
      await waitFor(
        "the recording to start",
        async () => Number((await execIn(MIC_APP, ["stat", "-c", "%s", "/tmp/mic.raw"])).stdout) > 0,
        20_000,
      );
      await Bun.spawn(["sh", "-c", `head -c ${3 * RATE} /dev/urandom | pacat ${FORMAT.join(" ")} -d ${SINK}`], {
        env: { ...process.env, PULSE_SERVER: server.server },
      }).exited;
      await Bun.sleep(500); // the tail of the noise still on its way through the source
      await execIn(MIC_APP, ["kill", pid]);
      const { stdout } = await execWithBytes(id, ["cat", "/tmp/mic.raw"], new Uint8Array());
      const { level, seconds } = levelOf(stdout);
      expect({ heard: level > 0.1, long: seconds > 1 }).toEqual({ heard: true, long: true });
    });

    test("with --microphone, a monitor source is still refused", async () => {
      const r = await execIn(MIC_APP, [
        "sh",
        "-c",
        `LC_ALL=C timeout 5 parec ${FORMAT.join(" ")} -d ${SINK}.monitor > /tmp/rec.raw; echo "exit=$?"; wc -c < /tmp/rec.raw`,
      ]);
      expect(r.stdout).toMatch(/^0$/m);
      expect(r.stdout + r.stderr).toMatch(/Access denied/i);
    });

    test("with --microphone, when the default source is a monitor, recording is refused", async () => {
      await server.pactl(["set-default-source", `${SINK}.monitor`]);
      try {
        const r = await execIn(MIC_APP, [
          "sh",
          "-c",
          `LC_ALL=C timeout 5 parec ${FORMAT.join(" ")} > /tmp/rec.raw; echo "exit=$?"; wc -c < /tmp/rec.raw`,
        ]);
        expect(r.stdout).toMatch(/^0$/m);
        expect(r.stdout + r.stderr).toMatch(/Access denied/i);
      } finally {
        await server.pactl(["set-default-source", MIC]);
      }
    });
  });

  describe("attacks with pactl from inside: refused, and the host's server unchanged", () => {
    type Ids = Awaited<ReturnType<Victims["ids"]>>;
    /** [what, pactl args, how the host undoes it if it went through, so the next attack meets the same server]. */
    const attacks: [string, (id: Ids) => string[] | { raw: [number, string] }, (id: Ids) => string[][]][] = [
      [
        "load a TCP listener",
        () => ["load-module", "module-native-protocol-tcp", `port=${PORT}`, "auth-anonymous=1"],
        () => [["unload-module", "module-native-protocol-tcp"]],
      ],
      [
        "load a pipe sink (a FIFO on the host)",
        () => ["load-module", "module-pipe-sink", `file=${traces.fifo}`, "sink_name=pwned"],
        () => [["unload-module", "module-pipe-sink"]],
      ],
      ["unload the victim sink's module", (id) => ["unload-module", id.sinkModule], () => []],
      ["set the default sink", () => ["set-default-sink", VICTIM_SINK], () => [["set-default-sink", SINK]]],
      [
        "set the default source",
        () => ["set-default-source", `${VICTIM_SINK}.monitor`],
        () => [["set-default-source", MIC]],
      ],
      ["set a sink's volume", () => ["set-sink-volume", SINK, "10%"], () => [["set-sink-volume", SINK, "100%"]]],
      ["mute a sink", () => ["set-sink-mute", SINK, "1"], () => [["set-sink-mute", SINK, "0"]]],
      ["set a source's volume", () => ["set-source-volume", MIC, "10%"], () => [["set-source-volume", MIC, "100%"]]],
      ["mute a source", () => ["set-source-mute", MIC, "1"], () => [["set-source-mute", MIC, "0"]]],
      ["set a card's profile", () => ["set-card-profile", "0", "off"], () => []],
      ["set a sink's port", () => ["set-sink-port", SINK, "analog-output"], () => []],
      ["set a source's port", () => ["set-source-port", MIC, "analog-input"], () => []],
      ["suspend a sink", () => ["suspend-sink", SINK, "1"], () => [["suspend-sink", SINK, "0"]]],
      ["suspend a source", () => ["suspend-source", MIC, "1"], () => [["suspend-source", MIC, "0"]]],
      [
        "move another client's playback",
        (id) => ["move-sink-input", id.sinkInput, VICTIM_SINK],
        (id) => [["move-sink-input", id.sinkInput, SINK]],
      ],
      [
        "move another client's recording",
        (id) => ["move-source-output", id.sourceOutput, `${VICTIM_SINK}.monitor`],
        (id) => [["move-source-output", id.sourceOutput, `${SINK}.monitor`]],
      ],
      [
        "set another client's stream volume",
        (id) => ["set-sink-input-volume", id.sinkInput, "10%"],
        (id) => [["set-sink-input-volume", id.sinkInput, "100%"]],
      ],
      [
        "mute another client's stream",
        (id) => ["set-sink-input-mute", id.sinkInput, "1"],
        (id) => [["set-sink-input-mute", id.sinkInput, "0"]],
      ],
      ["play a sample from the cache", () => ["play-sample", VICTIM_SAMPLE], () => []],
      ["remove a sample from the cache", () => ["remove-sample", VICTIM_SAMPLE], () => []],
      [
        "upload a sample to the cache",
        () => ["upload-sample", "/tmp/sample.wav", "attacker_sample"],
        () => [["remove-sample", "attacker_sample"]],
      ],
      // pactl has no verb for these (pacmd's kill-* speak another protocol): sent raw.
      ["kill another client's playback", (id) => ({ raw: [CMD.KILL_SINK_INPUT, id.sinkInput] }), () => []],
      ["kill another client's recording", (id) => ({ raw: [CMD.KILL_SOURCE_OUTPUT, id.sourceOutput] }), () => []],
      ["kill another client", (id) => ({ raw: [CMD.KILL_CLIENT, id.client] }), () => []],
    ];

    beforeAll(async () => {
      await execWithBytes(await containerId(APP), ["sh", "-c", "cat > /tmp/sample.wav"], wav());
    });

    test.each(attacks)("%s", async (_what, args, undo) => {
      await victims.revive();
      const id = await victims.ids();
      const before = await state();
      const attack = args(id);
      const refused = Array.isArray(attack)
        ? verdict(await pactlInside(attack))
        : await sendRaw(attack.raw[0], Number(attack.raw[1]));
      const after = await state();
      for (const step of undo(id)) await server.pactl(step);
      expect({ refused, state: after }).toEqual({ refused: "Access denied", state: before });
    });

    // The last two: where they go through, the server is left without its modules, or stopped.
    test("unload every module, its own socket's included", async () => {
      const before = await state();
      const indices = (before.modules as string[]).map((l) => l.split("\t")[0]!);
      const results = [];
      for (const index of indices) results.push(verdict(await pactlInside(["unload-module", index])));
      expect({ refused: [...new Set(results)], state: await state() }).toEqual({
        refused: ["Access denied"],
        state: before,
      });
    });

    test("stop the server", async () => {
      const before = await state();
      const r = await pactlInside(["exit"]);
      expect({
        refused: verdict(r),
        up: (await server.pactl(["info"])).code,
        state: await state().catch(String),
      }).toEqual({ refused: "Access denied", up: 0, state: before });
    });
  });
});
