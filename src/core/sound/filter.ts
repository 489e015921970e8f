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
import {
  AUTH_MEMFD_BIT,
  AUTH_SHM_BIT,
  CLIENT_COMMAND_RULES,
  COMMAND,
  commandName,
  SOURCE_OUTPUT_COMMANDS,
} from "./commands.ts";
import { startProbe } from "./filter-record.ts";
import { fromServer } from "./filter-server.ts";
import {
  createFilterState,
  emptyResult,
  FIRST_RELAY_TAG,
  type FilterResult,
  forget,
  ownIndices,
  type PulseFilterOptions,
  refuse,
} from "./filter-state.ts";
import {
  CONTROL_CHANNEL,
  controlPacket,
  encodeArbitrary,
  encodePacket,
  encodeU32,
  INVALID_INDEX,
  type Packet,
  type ProtocolError,
  parseTagstruct,
  readString,
  readU32,
  replaceItems,
  SHM_FLAG_MASK,
  type TagItem,
} from "./protocol.ts";

export type { FilterResult, PulseFilterOptions };

/**
 * One connection's filter. The client side is here; the server side is filter-server.ts, the
 * record streams' check of the default source filter-record.ts, their shared state filter-state.ts.
 */
export function createPulseFilter(options: PulseFilterOptions) {
  const state = createFilterState(options);

  function fromClient(packet: Packet, out: FilterResult = emptyResult()): FilterResult {
    if (state.probe) {
      // A record stream waits for the relay's check of the default source: keep order.
      state.probe.held.push(packet);
      return out;
    }
    if (packet.flags & SHM_FLAG_MASK)
      return { ...out, cutOff: "it sent shared-memory blocks, which the relay never agreed to" };
    if (packet.channel !== CONTROL_CHANNEL) {
      // Audio for one of its own playback streams; anything else the server would drop anyway.
      if (state.authorized && state.playback.has(packet.channel)) out.toServer.push(encodePacket(packet));
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
    if (command === undefined || tag === undefined)
      return { ...out, cutOff: "a control packet without its command and tag" };
    // Answers to the server's own requests (none are expected without shared memory).
    if (command === COMMAND.REPLY || command === COMMAND.ERROR) return out;
    if (!state.authorized && command !== COMMAND.AUTH)
      return { ...out, cutOff: `${commandName(command)} before authenticating` };
    const rule = CLIENT_COMMAND_RULES.get(command);
    if (!rule || tag >= FIRST_RELAY_TAG || state.pending.has(tag)) {
      refuse(out, tag, command);
      return out;
    }
    const args = items.slice(2);
    switch (rule) {
      case "auth": {
        if (state.authorized) return { ...out, cutOff: "a second auth" };
        const version = readU32(p, args[0]);
        if (version === undefined || args[1]?.tag !== "x") return { ...out, cutOff: "a malformed auth" };
        state.authorized = true;
        state.pending.set(tag, "auth");
        // Every byte of audio must pass the relay: no shared memory, no memfd.
        const replacements = new Map([[2, encodeU32(version & ~(AUTH_SHM_BIT | AUTH_MEMFD_BIT))]]);
        if (state.options.cookie) replacements.set(3, encodeArbitrary(state.options.cookie));
        out.toServer.push(controlPacket(replaceItems(p, items, replacements)));
        return out;
      }
      case "forward":
        if (command === COMMAND.CREATE_PLAYBACK_STREAM) state.pending.set(tag, "playback");
        if (command === COMMAND.DELETE_PLAYBACK_STREAM) forget(state.playback, readU32(p, args[0]));
        if (command === COMMAND.DELETE_RECORD_STREAM) forget(state.record, readU32(p, args[0]));
        out.toServer.push(encodePacket(packet));
        return out;
      case "server-info":
        state.pending.set(tag, "server-info");
        out.toServer.push(encodePacket(packet));
        return out;
      case "subscribe":
        out.toServer.push(encodePacket(packet));
        return out;
      case "own-stream": {
        const index = readU32(p, args[0]);
        const own = ownIndices(SOURCE_OUTPUT_COMMANDS.has(command) ? state.record : state.playback);
        if (index === undefined || !own.has(index)) refuse(out, tag, command);
        else out.toServer.push(encodePacket(packet));
        return out;
      }
      case "record": {
        // direct_on_input (v13+): record another client's stream straight from its sink input.
        const directOnInput = readU32(p, args[17]);
        if (!state.options.microphone || (directOnInput !== undefined && directOnInput !== INVALID_INDEX)) {
          refuse(out, tag, command);
          return out;
        }
        if (args[2]?.tag !== "L" || readString(p, args[3]) === undefined)
          return { ...out, cutOff: "a malformed record stream" };
        // Ask the server which source is the default, and whether it is a monitor, before
        // the stream is made on it.
        return startProbe(state, out, tag, p, items);
      }
    }
  }

  return {
    fromClient: (packet: Packet) => fromClient(packet),
    fromServer: (packet: Packet) => fromServer(state, packet, fromClient),
  };
}
