/**
 * What one connection's filter knows (core/sound/filter.ts): whether the client has
 * authenticated, which replies it waits for, which streams are its own, and a record stream
 * held while the relay checks the default source. Shared by the client side, the server side
 * and the record check.
 */
import { COMMAND, commandName, ERR_ACCESS } from "./commands.ts";
import { controlPacket, encodeU32, type Packet, type TagItem } from "./protocol.ts";

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
export const RELAY_TAG_SERVER_INFO = 0xfffffff0;
export const RELAY_TAG_SOURCE_INFO = 0xfffffff1;
export const FIRST_RELAY_TAG = 0xffffff00;

export type Pending = "auth" | "server-info" | "playback" | "record";

export interface RecordProbe {
  tag: number;
  payload: Uint8Array;
  items: TagItem[];
  held: Packet[];
}

export interface FilterState {
  options: PulseFilterOptions;
  authorized: boolean;
  /** Replies the relay watches for, by tag. */
  pending: Map<number, Pending>;
  // Streams this connection made: channel -> server-wide index. Indices are only trusted from
  // the server's own replies, and dropped when the stream goes (PipeWire reuses them).
  playback: Map<number, number>;
  record: Map<number, number>;
  /** A record stream waiting for the relay's check of the default source. */
  probe?: RecordProbe;
}

export function createFilterState(options: PulseFilterOptions): FilterState {
  return { options, authorized: false, pending: new Map(), playback: new Map(), record: new Map() };
}

export const emptyResult = (): FilterResult => ({ toServer: [], toClient: [], refused: [] });

/** Answers `tag` as the server would a command it may not run: PA_ERR_ACCESS. */
export function refuse(out: FilterResult, tag: number, command: number): void {
  out.toClient.push(controlPacket(encodeU32(COMMAND.ERROR), encodeU32(tag), encodeU32(ERR_ACCESS)));
  out.refused.push(commandName(command));
}

export const ownIndices = (streams: Map<number, number>) => new Set(streams.values());

export function forget(streams: Map<number, number>, channel: number | undefined): void {
  if (channel !== undefined) streams.delete(channel);
}
