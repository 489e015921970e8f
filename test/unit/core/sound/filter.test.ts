import { describe, expect, test } from "bun:test";
import { AUTH_MEMFD_BIT, AUTH_SHM_BIT, COMMAND as C, ERR_ACCESS } from "../../../../src/core/sound/commands.ts";
import { createPulseFilter, type PulseFilterOptions } from "../../../../src/core/sound/filter.ts";
import {
  CONTROL_CHANNEL,
  createPacketReader,
  encodeArbitrary,
  encodeBoolean,
  encodePacket,
  encodeString,
  encodeU32,
  INVALID_INDEX,
  type Packet,
  parseTagstruct,
  readString,
  readU32,
} from "../../../../src/core/sound/protocol.ts";

const concat = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const control = (...values: Uint8Array[]): Packet => ({
  channel: CONTROL_CHANNEL,
  offsetHigh: 0,
  offsetLow: 0,
  flags: 0,
  payload: concat(values),
});
const command = (cmd: number, tag: number, ...args: Uint8Array[]) => control(encodeU32(cmd), encodeU32(tag), ...args);
const reply = (tag: number, ...values: Uint8Array[]) => command(C.REPLY, tag, ...values);
const arbitrary = (n: number, fill = 0) => encodeArbitrary(new Uint8Array(n).fill(fill));
const sampleSpec = Uint8Array.of(0x61, 3, 2, 0, 0, 0xbb, 0x80);
const channelMap = Uint8Array.of(0x6d, 2, 1, 2);
const emptyProps = Uint8Array.of(0x50, 0x4e);

/** Every packet the filter sent, read back: [command, tag, ...u32/string values]. */
function decode(wire: Uint8Array[]): unknown[][] {
  const packets = createPacketReader({ maxControl: 1 << 20, maxAudio: 1 << 24 }).push(concat(wire));
  return packets.map((p) => {
    if (p.channel !== CONTROL_CHANNEL) return ["audio", p.channel, p.payload.length];
    const items = parseTagstruct(p.payload);
    return items.map((item) => readU32(p.payload, item) ?? readString(p.payload, item) ?? item.tag);
  });
}

const OPTIONS: PulseFilterOptions = { microphone: false, identity: { user: "app", host: "xeyes" } };
const VERSION = 35 | AUTH_SHM_BIT | AUTH_MEMFD_BIT;

function authorized(options: Partial<PulseFilterOptions> = {}) {
  const filter = createPulseFilter({ ...OPTIONS, ...options });
  const auth = filter.fromClient(command(C.AUTH, 0, encodeU32(VERSION), arbitrary(256, 9)));
  filter.fromServer(reply(0, encodeU32(VERSION)));
  return { filter, auth };
}

/** A playback stream of this client: channel 0, sink input 42. */
function withStream(options: Partial<PulseFilterOptions> = {}) {
  const { filter } = authorized(options);
  filter.fromClient(command(C.CREATE_PLAYBACK_STREAM, 5, sampleSpec));
  filter.fromServer(reply(5, encodeU32(0), encodeU32(42), encodeU32(4096)));
  return filter;
}

describe("the handshake", () => {
  test("auth goes through without the shared-memory and memfd bits; the server's answer loses them too", () => {
    const filter = createPulseFilter(OPTIONS);
    const out = filter.fromClient(command(C.AUTH, 0, encodeU32(VERSION), arbitrary(256, 9)));
    expect(decode(out.toServer)).toEqual([[C.AUTH, 0, 35, "x"]]);
    const answer = filter.fromServer(reply(0, encodeU32(VERSION)));
    expect(decode(answer.toClient)).toEqual([[C.REPLY, 0, 35]]);
  });

  test("the host's cookie replaces the client's, when there is one", () => {
    const cookie = new Uint8Array(256).fill(0xab);
    const { auth } = authorized({ cookie });
    expect(concat(auth.toServer).subarray(-256)).toEqual(cookie);
    expect(concat(authorized().auth.toServer).subarray(-256)).toEqual(new Uint8Array(256).fill(9));
  });

  test.each<[string, Packet]>([
    ["a command before auth", command(C.GET_SERVER_INFO, 0)],
    ["an auth without its cookie", command(C.AUTH, 0, encodeU32(35))],
    ["a packet that is not a tagstruct", control(Uint8Array.of(0x4c, 1, 2))],
    ["a packet without a tag", control(encodeU32(C.AUTH))],
  ])("cuts off %s", (_, packet) => {
    const out = createPulseFilter(OPTIONS).fromClient(packet);
    expect(out.cutOff).toBeString();
    expect(out.toServer).toEqual([]);
  });

  test("cuts off a second auth, and shared-memory blocks", () => {
    expect(authorized().filter.fromClient(command(C.AUTH, 1, encodeU32(35), arbitrary(256))).cutOff).toContain(
      "second auth",
    );
    const shm = { channel: 0, offsetHigh: 0, offsetLow: 0, flags: 0x80000000, payload: new Uint8Array(16) };
    expect(withStream().fromClient(shm).cutOff).toContain("shared-memory");
  });
});

describe("the allow-list", () => {
  const refused: [string, number, Uint8Array[]][] = [
    ["load-module", C.LOAD_MODULE, [encodeString("module-native-protocol-tcp"), encodeString("auth-anonymous=1")]],
    ["unload-module", C.UNLOAD_MODULE, [encodeU32(0)]],
    ["exit", C.EXIT, []],
    ["set-default-sink", C.SET_DEFAULT_SINK, [encodeString("evil")]],
    ["set-default-source", C.SET_DEFAULT_SOURCE, [encodeString("evil.monitor")]],
    ["set-sink-volume", C.SET_SINK_VOLUME, [encodeU32(0), encodeString(null)]],
    ["set-source-mute", C.SET_SOURCE_MUTE, [encodeU32(0), encodeString(null), encodeBoolean(true)]],
    ["set-card-profile", C.SET_CARD_PROFILE, [encodeU32(0), encodeString(null), encodeString("off")]],
    ["set-sink-port", C.SET_SINK_PORT, [encodeU32(0), encodeString(null), encodeString("x")]],
    ["suspend-sink", C.SUSPEND_SINK, [encodeU32(0), encodeString(null), encodeBoolean(true)]],
    ["kill-client", C.KILL_CLIENT, [encodeU32(3)]],
    ["kill-sink-input", C.KILL_SINK_INPUT, [encodeU32(42)]],
    ["move-sink-input", C.MOVE_SINK_INPUT, [encodeU32(42), encodeU32(1), encodeString(null)]],
    ["client list", C.GET_CLIENT_INFO_LIST, []],
    ["client info", C.GET_CLIENT_INFO, [encodeU32(3)]],
    ["module list", C.GET_MODULE_INFO_LIST, []],
    ["sink input list", C.GET_SINK_INPUT_INFO_LIST, []],
    ["source output list", C.GET_SOURCE_OUTPUT_INFO_LIST, []],
    ["card list", C.GET_CARD_INFO_LIST, []],
    ["sample cache upload", C.CREATE_UPLOAD_STREAM, [encodeString("bell")]],
    ["sample cache removal", C.REMOVE_SAMPLE, [encodeString("bell")]],
    ["sample play", C.PLAY_SAMPLE, [encodeU32(INVALID_INDEX), encodeString(null)]],
    ["an extension (stream-restore)", C.EXTENSION, [encodeU32(INVALID_INDEX), encodeString("module-stream-restore")]],
    ["an object message", C.SEND_OBJECT_MESSAGE, [encodeString("/card/x/bluez"), encodeString("switch-codec")]],
    ["memfd registration", C.REGISTER_MEMFD_SHMID, [encodeU32(1)]],
    ["a command number from the future", 200, []],
    ["another stream's volume", C.SET_SINK_INPUT_VOLUME, [encodeU32(41)]],
    ["another stream's mute", C.SET_SINK_INPUT_MUTE, [encodeU32(41), encodeBoolean(true)]],
    ["another stream's info", C.GET_SINK_INPUT_INFO, [encodeU32(41)]],
    [
      "a record stream (no microphone)",
      C.CREATE_RECORD_STREAM,
      [sampleSpec, channelMap, encodeU32(INVALID_INDEX), encodeString(null)],
    ],
  ];
  test.each(refused)("refuses %s with PA_ERR_ACCESS for its tag, and the server never sees it", (name, cmd, args) => {
    const out = withStream().fromClient(command(cmd, 77, ...args));
    expect(out.toServer).toEqual([]);
    expect(decode(out.toClient)).toEqual([[C.ERROR, 77, ERR_ACCESS]]);
    expect(out.refused).toHaveLength(1);
    expect(out.cutOff).toBeUndefined();
    expect(name).toBeString();
  });

  const forwarded: [string, number, Uint8Array[]][] = [
    ["server info", C.GET_SERVER_INFO, []],
    ["sink list", C.GET_SINK_INFO_LIST, []],
    ["source list", C.GET_SOURCE_INFO_LIST, []],
    ["sink by name", C.GET_SINK_INFO, [encodeU32(INVALID_INDEX), encodeString("@DEFAULT_SINK@")]],
    ["a new playback stream", C.CREATE_PLAYBACK_STREAM, [sampleSpec]],
    ["cork its stream", C.CORK_PLAYBACK_STREAM, [encodeU32(0), encodeBoolean(true)]],
    ["drain its stream", C.DRAIN_PLAYBACK_STREAM, [encodeU32(0)]],
    ["its stream's latency", C.GET_PLAYBACK_LATENCY, [encodeU32(0)]],
    ["its own stream's volume", C.SET_SINK_INPUT_VOLUME, [encodeU32(42)]],
    ["its own stream's mute", C.SET_SINK_INPUT_MUTE, [encodeU32(42), encodeBoolean(true)]],
    ["its own stream's info", C.GET_SINK_INPUT_INFO, [encodeU32(42)]],
    ["its client properties", C.UPDATE_CLIENT_PROPLIST, [encodeU32(0), emptyProps]],
    ["subscribe", C.SUBSCRIBE, [encodeU32(0x2ff)]],
    ["delete its stream", C.DELETE_PLAYBACK_STREAM, [encodeU32(0)]],
  ];
  test.each(forwarded)("forwards %s unchanged", (_, cmd, args) => {
    const packet = command(cmd, 78, ...args);
    const out = withStream().fromClient(packet);
    expect(out.toClient).toEqual([]);
    expect(out.toServer).toEqual([encodePacket(packet)]);
  });

  test("a deleted stream's index is no longer its own (the server may give it to another client)", () => {
    const filter = withStream();
    filter.fromClient(command(C.DELETE_PLAYBACK_STREAM, 6, encodeU32(0)));
    expect(decode(filter.fromClient(command(C.SET_SINK_INPUT_VOLUME, 7, encodeU32(42))).toClient)).toEqual([
      [C.ERROR, 7, ERR_ACCESS],
    ]);
    const killed = withStream();
    killed.fromServer(command(C.PLAYBACK_STREAM_KILLED, INVALID_INDEX, encodeU32(0)));
    expect(killed.fromClient(command(C.SET_SINK_INPUT_VOLUME, 7, encodeU32(42))).toServer).toEqual([]);
  });

  test("a tag in the relay's own range, or one still waiting for its answer, is refused", () => {
    const filter = withStream();
    expect(filter.fromClient(command(C.GET_SERVER_INFO, 0xfffffff0)).toServer).toEqual([]);
    filter.fromClient(command(C.GET_SERVER_INFO, 9));
    expect(filter.fromClient(command(C.CREATE_PLAYBACK_STREAM, 9, sampleSpec)).toServer).toEqual([]);
  });

  test("audio passes for its own playback channel only", () => {
    const filter = withStream();
    const block = (channel: number) => ({
      channel,
      offsetHigh: 0,
      offsetLow: 0,
      flags: 0,
      payload: new Uint8Array(64),
    });
    expect(decode(filter.fromClient(block(0)).toServer)).toEqual([["audio", 0, 64]]);
    expect(filter.fromClient(block(1)).toServer).toEqual([]);
  });
});

describe("what the server says", () => {
  test("the server info names the instance, not the host's user and machine", () => {
    const { filter } = authorized();
    filter.fromClient(command(C.GET_SERVER_INFO, 3));
    const info = reply(
      3,
      encodeString("pulseaudio"),
      encodeString("16.1"),
      encodeString("alice"),
      encodeString("alice-laptop"),
      sampleSpec,
      encodeString("sink"),
      encodeString("source"),
      encodeU32(7),
    );
    expect(decode(filter.fromServer(info).toClient)).toEqual([
      [C.REPLY, 3, "pulseaudio", "16.1", "app", "xeyes", "a", "sink", "source", 7],
    ]);
  });

  test.each<[string, number, number, boolean]>([
    ["a sink change", 0x10 | 0, 1, true],
    ["a new source", 0x00 | 1, 2, true],
    ["a server change", 0x10 | 7, INVALID_INDEX, true],
    ["its own stream", 0x10 | 2, 42, true],
    ["another client's stream", 0x00 | 2, 41, false],
    ["another client's record stream", 0x00 | 3, 5, false],
    ["a new client", 0x00 | 5, 9, false],
    ["a module loaded", 0x00 | 4, 9, false],
    ["the sample cache", 0x00 | 6, 1, false],
  ])("subscription events: %s is %s", (_, event, index, visible) => {
    const out = withStream().fromServer(command(C.SUBSCRIBE_EVENT, INVALID_INDEX, encodeU32(event), encodeU32(index)));
    expect(out.toClient.length).toBe(visible ? 1 : 0);
  });

  test("shared-memory channel setup from the server never reaches the client", () => {
    expect(withStream().fromServer(command(C.ENABLE_SRBCHANNEL, 1, encodeU32(0))).toClient).toEqual([]);
  });
});

describe("the microphone", () => {
  // sample spec, channel map, source index, source name, maxlength, corked, fragsize,
  // 7 booleans (no_move is the 6th), peak detect, adjust latency, proplist, direct_on_input.
  const record = (tag: number, index = INVALID_INDEX, name: string | null = null, directOnInput = INVALID_INDEX) =>
    command(
      C.CREATE_RECORD_STREAM,
      tag,
      sampleSpec,
      channelMap,
      encodeU32(index),
      encodeString(name),
      encodeU32(INVALID_INDEX),
      encodeBoolean(false),
      encodeU32(INVALID_INDEX),
      ...Array.from({ length: 9 }, () => encodeBoolean(false)),
      emptyProps,
      encodeU32(directOnInput),
    );
  const serverInfo = (defaultSource: string) =>
    reply(
      0xfffffff0,
      encodeString("pulseaudio"),
      encodeString("16.1"),
      encodeString("u"),
      encodeString("h"),
      sampleSpec,
      encodeString("sink"),
      encodeString(defaultSource),
      encodeU32(1),
    );
  const sourceInfo = (index: number, name: string, monitorOf: number) =>
    reply(
      0xfffffff1,
      encodeU32(index),
      encodeString(name),
      encodeString("desc"),
      sampleSpec,
      channelMap,
      encodeU32(1),
      Uint8Array.of(0x76, 0),
      encodeBoolean(false),
      encodeU32(monitorOf),
    );

  test("with it on, a record stream is made on the default source, pinned by name and never moved", () => {
    const filter = withStream({ microphone: true });
    const asked = filter.fromClient(record(8));
    expect(decode(asked.toServer)).toEqual([[C.GET_SERVER_INFO, 0xfffffff0]]);
    // Meanwhile the client goes on: what it sends waits, in order.
    expect(filter.fromClient(command(C.GET_SINK_INFO_LIST, 9)).toServer).toEqual([]);
    const lookup = filter.fromServer(serverInfo("mic"));
    expect(lookup.toClient).toEqual([]);
    expect(decode(lookup.toServer)).toEqual([[C.GET_SOURCE_INFO, 0xfffffff1, INVALID_INDEX, "mic"]]);
    const made = decode(filter.fromServer(sourceInfo(3, "mic", INVALID_INDEX)).toServer);
    expect(made).toHaveLength(2);
    expect(made[0]?.slice(0, 6)).toEqual([C.CREATE_RECORD_STREAM, 8, "a", "m", INVALID_INDEX, "mic"]);
    expect(made[0]?.[14]).toBe("1");
    expect(made[1]).toEqual([C.GET_SINK_INFO_LIST, 9]);
  });

  test.each<[string, Packet, string, number]>([
    ["the default source is a monitor", record(8), "sink.monitor", 0],
    ["it asks for a monitor by name", record(8, INVALID_INDEX, "sink.monitor"), "mic", INVALID_INDEX],
    ["it asks for another source by index", record(8, 5), "mic", INVALID_INDEX],
  ])("refused when %s", (_, packet, defaultName, monitorOf) => {
    const filter = withStream({ microphone: true });
    filter.fromClient(packet);
    filter.fromServer(serverInfo(defaultName));
    const out = filter.fromServer(sourceInfo(3, defaultName, monitorOf));
    expect(out.toServer).toEqual([]);
    expect(decode(out.toClient)).toEqual([[C.ERROR, 8, ERR_ACCESS]]);
  });

  test("refused at once when it records straight from another client's stream, or the server has no default source", () => {
    const filter = withStream({ microphone: true });
    expect(decode(filter.fromClient(record(8, INVALID_INDEX, null, 41)).toClient)).toEqual([[C.ERROR, 8, ERR_ACCESS]]);
    filter.fromClient(record(9));
    const noDefault = reply(
      0xfffffff0,
      encodeString("p"),
      encodeString("1"),
      encodeString("u"),
      encodeString("h"),
      sampleSpec,
      encodeString("sink"),
      encodeString(null),
    );
    expect(decode(filter.fromServer(noDefault).toClient)).toEqual([[C.ERROR, 9, ERR_ACCESS]]);
  });

  test("its own record stream's volume passes once the server made it; another's does not", () => {
    const filter = withStream({ microphone: true });
    filter.fromClient(record(8));
    filter.fromServer(serverInfo("mic"));
    filter.fromServer(sourceInfo(3, "mic", INVALID_INDEX));
    filter.fromServer(reply(8, encodeU32(1), encodeU32(17)));
    expect(filter.fromClient(command(C.SET_SOURCE_OUTPUT_VOLUME, 10, encodeU32(17))).toServer).toHaveLength(1);
    expect(filter.fromClient(command(C.SET_SOURCE_OUTPUT_VOLUME, 11, encodeU32(16))).toServer).toEqual([]);
  });
});

describe("whatever a client sends", () => {
  // A fixed seed: the same packets every run, so a failure can be replayed.
  let seed = 0x2f6b_1d37;
  const random = () => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    return seed / 2 ** 32;
  };
  const randomBytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
  const valid: (() => Uint8Array)[] = [
    () => encodeU32(Math.floor(random() * 2 ** 32)),
    () => encodeString(random() < 0.2 ? null : "x".repeat(Math.floor(random() * 5))),
    () => encodeBoolean(random() < 0.5),
    () => sampleSpec,
    () => channelMap,
    () => emptyProps,
    () => arbitrary(Math.floor(random() * 8)),
  ];
  /** Mostly well-typed tagstructs with a random command, sometimes with garbage or cut short. */
  const randomPayload = (): Uint8Array => {
    const parts = [encodeU32(Math.floor(random() * 110)), encodeU32(Math.floor(random() * 50))];
    for (let i = Math.floor(random() * 12); i > 0; i--)
      parts.push(
        random() < 0.95 ? valid[Math.floor(random() * valid.length)]!() : randomBytes(1 + Math.floor(random() * 6)),
      );
    const bytes = concat(parts);
    return random() < 0.1 ? bytes.subarray(0, Math.floor(random() * bytes.length)) : bytes;
  };

  test("5000 random packets, before and after auth: the filter answers or cuts off, and never throws", () => {
    let cutOffs = 0;
    let forwarded = 0;
    for (let round = 0; round < 50; round++) {
      const { filter } =
        random() < 0.8 ? authorized({ microphone: random() < 0.5 }) : { filter: createPulseFilter(OPTIONS) };
      for (let i = 0; i < 100; i++) {
        const channel = random() < 0.9 ? CONTROL_CHANNEL : Math.floor(random() * 4);
        const packet = {
          channel,
          offsetHigh: 0,
          offsetLow: 0,
          flags: random() < 0.05 ? 0x80000000 : 0,
          payload: randomPayload(),
        };
        const out = filter.fromClient(packet);
        forwarded += out.toServer.length;
        if (out.cutOff) {
          cutOffs++;
          break;
        }
        // The server's side takes anything, too.
        filter.fromServer({ ...packet, channel: CONTROL_CHANNEL, payload: randomPayload() });
      }
    }
    // Controls: the random input did reach both outcomes.
    expect(cutOffs).toBeGreaterThan(10);
    expect(forwarded).toBeGreaterThan(10);
  });
});
