/**
 * The sound relay's filter, server side: what of the host server's answers and events a client
 * may see. Most packets pass untouched; events about other clients' streams, modules and
 * clients do not, nor anything of shared memory, and the server info names the instance, not
 * the host.
 */
import { AUTH_MEMFD_BIT, AUTH_SHM_BIT, COMMAND, FACILITY } from "./commands.ts";
import { answerProbe, type ClientStep } from "./filter-record.ts";
import {
  emptyResult,
  type FilterResult,
  type FilterState,
  forget,
  ownIndices,
  type Pending,
  RELAY_TAG_SERVER_INFO,
  RELAY_TAG_SOURCE_INFO,
} from "./filter-state.ts";
import {
  CONTROL_CHANNEL,
  controlPacket,
  encodePacket,
  encodeString,
  encodeU32,
  type Packet,
  parseTagstruct,
  readU32,
  replaceItems,
  type TagItem,
} from "./protocol.ts";

export function fromServer(state: FilterState, packet: Packet, fromClient: ClientStep): FilterResult {
  const out = emptyResult();
  if (packet.channel !== CONTROL_CHANNEL) {
    out.toClient.push(encodePacket(packet));
    return out;
  }
  const p = packet.payload;
  // Most server packets pass untouched: read their leading u32s in place, without walking them.
  const command = leadingU32(p, 0);
  const tag = leadingU32(p, 1);
  if (tag === RELAY_TAG_SERVER_INFO || tag === RELAY_TAG_SOURCE_INFO)
    return answerProbe(state, command, tag, p, fromClient);
  // Shared memory is off: nothing of it may reach the client.
  if (command === COMMAND.ENABLE_SRBCHANNEL || command === COMMAND.REGISTER_MEMFD_SHMID) return out;
  if (command === COMMAND.SUBSCRIBE_EVENT) {
    if (eventVisible(state, p)) out.toClient.push(encodePacket(packet));
    return out;
  }
  if (command === COMMAND.PLAYBACK_STREAM_KILLED || command === COMMAND.RECORD_STREAM_KILLED) {
    const channel = leadingU32(p, 2);
    forget(command === COMMAND.PLAYBACK_STREAM_KILLED ? state.playback : state.record, channel);
  }
  const kind = tag === undefined ? undefined : state.pending.get(tag);
  if (kind === undefined || (command !== COMMAND.REPLY && command !== COMMAND.ERROR)) {
    out.toClient.push(encodePacket(packet));
    return out;
  }
  state.pending.delete(tag!);
  if (command === COMMAND.ERROR) {
    out.toClient.push(encodePacket(packet));
    return out;
  }
  out.toClient.push(controlPacket(rewriteReply(state, kind, p)));
  return out;
}

function eventVisible(state: FilterState, p: Uint8Array): boolean {
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
      return ownIndices(state.playback).has(index);
    case FACILITY.SOURCE_OUTPUT:
      return ownIndices(state.record).has(index);
    default:
      // Clients, modules, the sample cache: other people's business.
      return false;
  }
}

/** The reply to a command the relay watches, as the client may see it. */
function rewriteReply(state: FilterState, kind: Pending, p: Uint8Array): Uint8Array {
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
          [4, encodeString(state.options.identity.user)],
          [5, encodeString(state.options.identity.host)],
        ]),
      );
    case "playback":
    case "record": {
      const channel = readU32(p, items[2]);
      const index = readU32(p, items[3]);
      if (channel !== undefined && index !== undefined)
        (kind === "playback" ? state.playback : state.record).set(channel, index);
      return p;
    }
  }
}

/** The `index`-th value of a tagstruct that starts with u32s (command, tag, channel), or undefined. */
function leadingU32(p: Uint8Array, index: number): number | undefined {
  const at = index * 5;
  for (let i = 0; i <= at; i += 5) if (p[i] !== 0x4c) return undefined;
  return p.length >= at + 5 ? new DataView(p.buffer, p.byteOffset + at + 1, 4).getUint32(0) : undefined;
}
