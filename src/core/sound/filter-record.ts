/**
 * The sound relay's filter, record streams: before a stream records, the relay asks the server
 * which source is the default and whether it is a monitor, and pins the stream to that source
 * by name. What the client sends meanwhile is held, and passed on in order after.
 */
import { COMMAND } from "./commands.ts";
import {
  emptyResult,
  type FilterResult,
  type FilterState,
  RELAY_TAG_SERVER_INFO,
  RELAY_TAG_SOURCE_INFO,
  type RecordProbe,
  refuse,
} from "./filter-state.ts";
import {
  controlPacket,
  encodeBoolean,
  encodeString,
  encodeU32,
  INVALID_INDEX,
  type Packet,
  parseTagstruct,
  readBoolean,
  readString,
  readU32,
  replaceItems,
  type TagItem,
} from "./protocol.ts";

/** The client side's step (filter.ts), which a released packet goes through again. */
export type ClientStep = (packet: Packet, out: FilterResult) => FilterResult;

/** Holds the record stream `tag` and asks the server for its info, whose default source the check reads. */
export function startProbe(
  state: FilterState,
  out: FilterResult,
  tag: number,
  payload: Uint8Array,
  items: TagItem[],
): FilterResult {
  state.probe = { tag, payload, items, held: [] };
  out.toServer.push(controlPacket(encodeU32(COMMAND.GET_SERVER_INFO), encodeU32(RELAY_TAG_SERVER_INFO)));
  return out;
}

/** The relay's own questions about the default source, on the way to a record stream. */
export function answerProbe(
  state: FilterState,
  command: number | undefined,
  tag: number,
  p: Uint8Array,
  fromClient: ClientStep,
): FilterResult {
  const out = emptyResult();
  const current = state.probe;
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
      out.toServer.push(
        controlPacket(
          encodeU32(COMMAND.GET_SOURCE_INFO),
          encodeU32(RELAY_TAG_SOURCE_INFO),
          encodeU32(INVALID_INDEX),
          encodeString(source),
        ),
      );
      return out;
    }
  } else if (command === COMMAND.REPLY && tag === RELAY_TAG_SOURCE_INFO) {
    // index, name, description, sample spec, channel map, owner module, volume, mute, monitor_of_sink.
    const index = readU32(p, items[2]);
    const name = readString(p, items[3]);
    const monitorOf = readU32(p, items[10]);
    const askedIndex = readU32(current.payload, current.items[4]);
    const askedName = readString(current.payload, current.items[5]);
    const asksForDefault =
      (askedIndex === INVALID_INDEX || askedIndex === index) &&
      (askedName === null || askedName === "@DEFAULT_SOURCE@" || askedName === name);
    if (name && monitorOf === INVALID_INDEX && asksForDefault) {
      // Pinned to that source by name, and never moved: not to a monitor later either.
      const replacements = new Map([
        [4, encodeU32(INVALID_INDEX)],
        [5, encodeString(name)],
      ]);
      if (readBoolean(current.items[14]) !== undefined) replacements.set(14, encodeBoolean(true));
      state.pending.set(current.tag, "record");
      out.toServer.push(controlPacket(replaceItems(current.payload, current.items, replacements)));
      return release(state, out, current, fromClient);
    }
  }
  refuse(out, current.tag, COMMAND.CREATE_RECORD_STREAM);
  return release(state, out, current, fromClient);
}

function release(state: FilterState, out: FilterResult, done: RecordProbe, fromClient: ClientStep): FilterResult {
  state.probe = undefined;
  // In order; a second record stream among them holds what follows it in its turn.
  for (const packet of done.held) {
    const next = fromClient(packet, out);
    if (next.cutOff) return next;
  }
  return out;
}
