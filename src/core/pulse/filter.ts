/**
 * What the sound relay lets through, for one client connection: pure, packet in, packets out.
 *
 * The PulseAudio native protocol has no per-client permissions: whoever reaches a socket may
 * load modules, change defaults, record every source and control every other client. The
 * relay stands between the app and the host's server and passes only what playing sound
 * needs (and recording the default source, when the microphone policy allows it). A refused
 * command is answered, as the server would, with PA_ERR_ACCESS for its tag, so the app sees
 * "Access denied" and goes on. A client that breaks the protocol is cut off.
 */
import { AUTH_MEMFD_BIT, AUTH_SHM_BIT, CLIENT_COMMAND_RULES, COMMAND, commandName, ERR_ACCESS, FACILITY, SOURCE_OUTPUT_COMMANDS } from "./commands.ts";
import {
  CONTROL_CHANNEL,
  controlPacket,
  encodeArbitrary,
  encodeBoolean,
  encodePacket,
  encodeString,
  encodeU32,
  INVALID_INDEX,
  type Packet,
  parseTagstruct,
  type ProtocolError,
  readBoolean,
  readString,
  readU32,
  replaceItems,
  SHM_FLAG_MASK,
  type TagItem,
} from "./protocol.ts";

export interface PulseFilterOptions {
  /** Record streams allowed, from the server's default source only (never a monitor). */
  microphone: boolean;
  /** Shown instead of the host's user and host name, which the server info would give away. */
  identity: { user: string; host: string };
  /** The host server's cookie, sent in place of whatever the client holds (none: the client's). */
  cookie?: Uint8Array;
}

export interface FilterResult {
  toServer: Uint8Array[];
  toClient: Uint8Array[];
  /** Commands refused, by name, for the relay's log. */
  refused: string[];
  /** Set when the client broke the protocol: the relay closes the connection. */
  cutOff?: string;
}

/** Tags the relay uses for its own questions; a client never gets near them (libpulse counts from 0). */
const RELAY_TAG_SERVER_INFO = 0xfffffff0;
const RELAY_TAG_SOURCE_INFO = 0xfffffff1;
const FIRST_RELAY_TAG = 0xffffff00;

type Pending = "auth" | "server-info" | "playback" | "record";

interface RecordProbe {
  tag: number;
  payload: Uint8Array;
  items: TagItem[];
  held: Packet[];
}

export function createPulseFilter(options: PulseFilterOptions) {
  let authorized = false;
  const pending = new Map<number, Pending>();
  // Streams this connection made: channel -> server-wide index. Indices are only trusted from
  // the server's own replies, and dropped when the stream goes (PipeWire reuses them).
  const playback = new Map<number, number>();
  const record = new Map<number, number>();
  let probe: RecordProbe | undefined;

  const result = (): FilterResult => ({ toServer: [], toClient: [], refused: [] });
  const refuse = (out: FilterResult, tag: number, command: number) => {
    out.toClient.push(controlPacket(encodeU32(COMMAND.ERROR), encodeU32(tag), encodeU32(ERR_ACCESS)));
    out.refused.push(commandName(command));
  };
  const ownIndices = (streams: Map<number, number>) => new Set(streams.values());

  function fromClient(packet: Packet, out: FilterResult = result()): FilterResult {
    if (probe) {
      // A record stream waits for the relay's check of the default source: keep order.
      probe.held.push(packet);
      return out;
    }
    if (packet.flags & SHM_FLAG_MASK) return { ...out, cutOff: "it sent shared-memory blocks, which the relay never agreed to" };
    if (packet.channel !== CONTROL_CHANNEL) {
      // Audio for one of its own playback streams; anything else the server would drop anyway.
      if (authorized && playback.has(packet.channel)) out.toServer.push(encodePacket(packet));
      return out;
    }
    let items: TagItem[];
    try {
      items = parseTagstruct(packet.payload);
    } catch (error) {
      return { ...out, cutOff: `a malformed control packet (${(error as ProtocolError).message})` };
    }
    const p = packet.payload;
    const command = readU32(p, items[0]);
    const tag = readU32(p, items[1]);
    if (command === undefined || tag === undefined) return { ...out, cutOff: "a control packet without its command and tag" };
    // Answers to the server's own requests (none are expected without shared memory).
    if (command === COMMAND.REPLY || command === COMMAND.ERROR) return out;
    if (!authorized && command !== COMMAND.AUTH) return { ...out, cutOff: `${commandName(command)} before authenticating` };
    const rule = CLIENT_COMMAND_RULES.get(command);
    if (!rule || tag >= FIRST_RELAY_TAG || pending.has(tag)) {
      refuse(out, tag, command);
      return out;
    }
    const args = items.slice(2);
    switch (rule) {
      case "auth": {
        if (authorized) return { ...out, cutOff: "a second auth" };
        const version = readU32(p, args[0]);
        if (version === undefined || args[1]?.tag !== "x") return { ...out, cutOff: "a malformed auth" };
        authorized = true;
        pending.set(tag, "auth");
        // Every byte of audio must pass the relay: no shared memory, no memfd.
        const replacements = new Map([[2, encodeU32(version & ~(AUTH_SHM_BIT | AUTH_MEMFD_BIT))]]);
        if (options.cookie) replacements.set(3, encodeArbitrary(options.cookie));
        out.toServer.push(controlPacket(replaceItems(p, items, replacements)));
        return out;
      }
      case "forward":
        if (command === COMMAND.CREATE_PLAYBACK_STREAM) pending.set(tag, "playback");
        if (command === COMMAND.DELETE_PLAYBACK_STREAM) forget(playback, readU32(p, args[0]));
        if (command === COMMAND.DELETE_RECORD_STREAM) forget(record, readU32(p, args[0]));
        out.toServer.push(encodePacket(packet));
        return out;
      case "server-info":
        pending.set(tag, "server-info");
        out.toServer.push(encodePacket(packet));
        return out;
      case "subscribe":
        out.toServer.push(encodePacket(packet));
        return out;
      case "own-stream": {
        const index = readU32(p, args[0]);
        const own = ownIndices(SOURCE_OUTPUT_COMMANDS.has(command) ? record : playback);
        if (index === undefined || !own.has(index)) refuse(out, tag, command);
        else out.toServer.push(encodePacket(packet));
        return out;
      }
      case "record": {
        // direct_on_input (v13+): record another client's stream straight from its sink input.
        const directOnInput = readU32(p, args[17]);
        if (!options.microphone || (directOnInput !== undefined && directOnInput !== INVALID_INDEX)) {
          refuse(out, tag, command);
          return out;
        }
        if (args[2]?.tag !== "L" || readString(p, args[3]) === undefined) return { ...out, cutOff: "a malformed record stream" };
        // Ask the server which source is the default, and whether it is a monitor, before
        // the stream is made on it.
        probe = { tag, payload: p, items, held: [] };
        out.toServer.push(controlPacket(encodeU32(COMMAND.GET_SERVER_INFO), encodeU32(RELAY_TAG_SERVER_INFO)));
        return out;
      }
    }
  }

  function fromServer(packet: Packet): FilterResult {
    const out = result();
    if (packet.channel !== CONTROL_CHANNEL) {
      out.toClient.push(encodePacket(packet));
      return out;
    }
    const p = packet.payload;
    // Most server packets pass untouched: read their leading u32s in place, without walking them.
    const command = leadingU32(p, 0);
    const tag = leadingU32(p, 1);
    if (tag === RELAY_TAG_SERVER_INFO || tag === RELAY_TAG_SOURCE_INFO) return answerProbe(command, tag, p);
    // Shared memory is off: nothing of it may reach the client.
    if (command === COMMAND.ENABLE_SRBCHANNEL || command === COMMAND.REGISTER_MEMFD_SHMID) return out;
    if (command === COMMAND.SUBSCRIBE_EVENT) {
      if (eventVisible(p)) out.toClient.push(encodePacket(packet));
      return out;
    }
    if (command === COMMAND.PLAYBACK_STREAM_KILLED || command === COMMAND.RECORD_STREAM_KILLED) {
      const channel = leadingU32(p, 2);
      forget(command === COMMAND.PLAYBACK_STREAM_KILLED ? playback : record, channel);
    }
    const kind = tag === undefined ? undefined : pending.get(tag);
    if (kind === undefined || (command !== COMMAND.REPLY && command !== COMMAND.ERROR)) {
      out.toClient.push(encodePacket(packet));
      return out;
    }
    pending.delete(tag!);
    if (command === COMMAND.ERROR) {
      out.toClient.push(encodePacket(packet));
      return out;
    }
    out.toClient.push(controlPacket(rewriteReply(kind, p)));
    return out;
  }

  function eventVisible(p: Uint8Array): boolean {
    let items: TagItem[];
    try {
      items = parseTagstruct(p);
    } catch {
      return false;
    }
    const event = readU32(p, items[2]);
    const index = readU32(p, items[3]);
    if (event === undefined || index === undefined) return false;
    switch (event & 0x0f) {
      case FACILITY.SINK:
      case FACILITY.SOURCE:
      case FACILITY.SERVER:
      case FACILITY.CARD:
        return true;
      case FACILITY.SINK_INPUT:
        return ownIndices(playback).has(index);
      case FACILITY.SOURCE_OUTPUT:
        return ownIndices(record).has(index);
      default:
        // Clients, modules, the sample cache: other people's business.
        return false;
    }
  }

  /** The reply to a command the relay watches, as the client may see it. */
  function rewriteReply(kind: Pending, p: Uint8Array): Uint8Array {
    let items: TagItem[];
    try {
      items = parseTagstruct(p);
    } catch {
      return p;
    }
    switch (kind) {
      case "auth": {
        const version = readU32(p, items[2]);
        if (version === undefined) return p;
        return replaceItems(p, items, new Map([[2, encodeU32(version & ~(AUTH_SHM_BIT | AUTH_MEMFD_BIT))]]));
      }
      case "server-info":
        // server name, version, user name, host name, ...: the host's names stay outside.
        if (items[4]?.tag !== "t" || items[5]?.tag !== "t") return p;
        return replaceItems(
          p,
          items,
          new Map([
            [4, encodeString(options.identity.user)],
            [5, encodeString(options.identity.host)],
          ]),
        );
      case "playback":
      case "record": {
        const channel = readU32(p, items[2]);
        const index = readU32(p, items[3]);
        if (channel !== undefined && index !== undefined) (kind === "playback" ? playback : record).set(channel, index);
        return p;
      }
    }
  }

  /** The relay's own questions about the default source, on the way to a record stream. */
  function answerProbe(command: number | undefined, tag: number, p: Uint8Array): FilterResult {
    const out = result();
    const current = probe;
    if (!current) return out;
    let items: TagItem[] = [];
    try {
      items = parseTagstruct(p);
    } catch {
      // Treated below as a refusal: no name, no record stream.
    }
    if (command === COMMAND.REPLY && tag === RELAY_TAG_SERVER_INFO) {
      // server name, version, user, host, sample spec, default sink, default source.
      const source = readString(p, items[8]);
      if (source) {
        out.toServer.push(controlPacket(encodeU32(COMMAND.GET_SOURCE_INFO), encodeU32(RELAY_TAG_SOURCE_INFO), encodeU32(INVALID_INDEX), encodeString(source)));
        return out;
      }
    } else if (command === COMMAND.REPLY && tag === RELAY_TAG_SOURCE_INFO) {
      // index, name, description, sample spec, channel map, owner module, volume, mute, monitor_of_sink.
      const index = readU32(p, items[2]);
      const name = readString(p, items[3]);
      const monitorOf = readU32(p, items[10]);
      const askedIndex = readU32(current.payload, current.items[4]);
      const askedName = readString(current.payload, current.items[5]);
      const asksForDefault = (askedIndex === INVALID_INDEX || askedIndex === index) && (askedName === null || askedName === "@DEFAULT_SOURCE@" || askedName === name);
      if (name && monitorOf === INVALID_INDEX && asksForDefault) {
        // Pinned to that source by name, and never moved: not to a monitor later either.
        const replacements = new Map([
          [4, encodeU32(INVALID_INDEX)],
          [5, encodeString(name)],
        ]);
        if (readBoolean(current.items[14]) !== undefined) replacements.set(14, encodeBoolean(true));
        pending.set(current.tag, "record");
        out.toServer.push(controlPacket(replaceItems(current.payload, current.items, replacements)));
        return release(out, current);
      }
    }
    refuse(out, current.tag, COMMAND.CREATE_RECORD_STREAM);
    return release(out, current);
  }

  function release(out: FilterResult, done: RecordProbe): FilterResult {
    probe = undefined;
    // In order; a second record stream among them holds what follows it in its turn.
    for (const packet of done.held) {
      const next = fromClient(packet, out);
      if (next.cutOff) return next;
    }
    return out;
  }

  return { fromClient: (packet: Packet) => fromClient(packet), fromServer };
}

/** The `index`-th value of a tagstruct that starts with u32s (command, tag, channel), or undefined. */
function leadingU32(p: Uint8Array, index: number): number | undefined {
  const at = index * 5;
  for (let i = 0; i <= at; i += 5) if (p[i] !== 0x4c) return undefined;
  return p.length >= at + 5 ? new DataView(p.buffer, p.byteOffset + at + 1, 4).getUint32(0) : undefined;
}

function forget(streams: Map<number, number>, channel: number | undefined): void {
  if (channel !== undefined) streams.delete(channel);
}
