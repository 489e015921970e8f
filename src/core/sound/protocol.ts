/**
 * The PulseAudio native protocol, as far as the sound relay reads it (PipeWire's pulse server
 * speaks the same). A stream of packets, each a 20-byte descriptor (five big-endian u32s:
 * length, channel, offset high, offset low, flags) and a payload of that length. Channel
 * 0xFFFFFFFF carries control packets, whose payload is a tagstruct starting with the command
 * and its tag; every other channel carries a stream's audio.
 *
 * Written here rather than taken from a library: no maintained JavaScript implementation of
 * the native protocol exists on npm, and the relay needs only framing and a tagstruct walker.
 */
import { concatBytes } from "../bytes.ts";

const DESCRIPTOR_SIZE = 20;
export const CONTROL_CHANNEL = 0xffffffff;
/** PA_INVALID_INDEX: "no index", as in "the default sink". */
export const INVALID_INDEX = 0xffffffff;
/** The pstream flags that announce shared-memory blocks (and their release or revocation). */
export const SHM_FLAG_MASK = 0xff000000;

export interface Packet {
  channel: number;
  offsetHigh: number;
  offsetLow: number;
  flags: number;
  payload: Uint8Array;
}

export class ProtocolError extends Error {}

export function encodePacket(packet: Omit<Packet, "offsetHigh" | "offsetLow" | "flags"> & Partial<Packet>): Uint8Array {
  const out = new Uint8Array(DESCRIPTOR_SIZE + packet.payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, packet.payload.length);
  view.setUint32(4, packet.channel);
  view.setUint32(8, packet.offsetHigh ?? 0);
  view.setUint32(12, packet.offsetLow ?? 0);
  view.setUint32(16, packet.flags ?? 0);
  out.set(packet.payload, DESCRIPTOR_SIZE);
  return out;
}

/**
 * Cuts a byte stream into packets. A descriptor that announces more than `maxPayload` bytes
 * is refused at once, so a client cannot make the relay hold a packet that never ends.
 */
export function createPacketReader(limits: { maxControl: number; maxAudio: number }) {
  let chunks: Uint8Array[] = [];
  let buffered = 0;
  const take = (n: number): Uint8Array => {
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const head = chunks[0]!;
      const part = Math.min(head.length, n - filled);
      out.set(head.subarray(0, part), filled);
      filled += part;
      if (part === head.length) chunks.shift();
      else chunks[0] = head.subarray(part);
    }
    buffered -= n;
    return out;
  };
  const peekDescriptor = (): DataView => {
    const head = chunks[0]!;
    if (head.length >= DESCRIPTOR_SIZE) return new DataView(head.buffer, head.byteOffset, DESCRIPTOR_SIZE);
    const joined = take(DESCRIPTOR_SIZE);
    chunks.unshift(joined);
    buffered += DESCRIPTOR_SIZE;
    return new DataView(joined.buffer, 0, DESCRIPTOR_SIZE);
  };
  return {
    /** Adds bytes; returns the packets completed by them. Throws ProtocolError on a bad descriptor. */
    push(chunk: Uint8Array): Packet[] {
      chunks.push(chunk);
      buffered += chunk.length;
      const packets: Packet[] = [];
      while (buffered >= DESCRIPTOR_SIZE) {
        const d = peekDescriptor();
        const length = d.getUint32(0);
        const channel = d.getUint32(4);
        const limit = channel === CONTROL_CHANNEL ? limits.maxControl : limits.maxAudio;
        if (length > limit) throw new ProtocolError(`a packet of ${length} bytes (at most ${limit})`);
        if (buffered < DESCRIPTOR_SIZE + length) break;
        const offsetHigh = d.getUint32(8);
        const offsetLow = d.getUint32(12);
        const flags = d.getUint32(16);
        take(DESCRIPTOR_SIZE);
        packets.push({ channel, offsetHigh, offsetLow, flags, payload: take(length) });
      }
      return packets;
    },
    /** Bytes held for a packet not yet complete. */
    get pending() {
      return buffered;
    },
    reset() {
      chunks = [];
      buffered = 0;
    },
  };
}

/** One value of a tagstruct: its type tag and where it lies in the payload (tag byte included). */
export interface TagItem {
  tag: string;
  start: number;
  end: number;
}

const FIXED_SIZES: Record<string, number> = { L: 4, B: 1, R: 8, r: 8, U: 8, T: 8, V: 4, a: 6, "1": 0, "0": 0, N: 0 };

/** Walks a whole tagstruct; throws ProtocolError where it is malformed or cut short. */
export function parseTagstruct(payload: Uint8Array): TagItem[] {
  const items: TagItem[] = [];
  let at = 0;
  while (at < payload.length) {
    const start = at;
    at = skipValue(payload, at);
    items.push({ tag: String.fromCharCode(payload[start]!), start, end: at });
  }
  return items;
}

function skipValue(p: Uint8Array, at: number): number {
  const tag = String.fromCharCode(p[at] ?? 0);
  at += 1;
  const need = (n: number) => {
    if (at + n > p.length) throw new ProtocolError(`a '${tag}' value runs past the end of the packet`);
  };
  const u32 = () => {
    need(4);
    return ((p[at]! << 24) | (p[at + 1]! << 16) | (p[at + 2]! << 8) | p[at + 3]!) >>> 0;
  };
  const fixed = FIXED_SIZES[tag];
  if (fixed !== undefined) {
    need(fixed);
    return at + fixed;
  }
  switch (tag) {
    case "t": {
      const nul = p.indexOf(0, at);
      if (nul < 0) throw new ProtocolError("a string without its terminating NUL");
      return nul + 1;
    }
    case "x": {
      const length = u32();
      at += 4;
      need(length);
      return at + length;
    }
    case "m":
    case "v": {
      need(1);
      const channels = p[at]!;
      at += 1;
      const size = channels * (tag === "m" ? 1 : 4);
      need(size);
      return at + size;
    }
    case "P":
      // key, length, the value as an arbitrary; a NULL string ends the list.
      for (;;) {
        need(1);
        if (p[at] === 0x4e /* N */) return at + 1;
        if (p[at] !== 0x74 /* t */) throw new ProtocolError("a property list entry without its key");
        at = skipValue(p, at);
        if (p[at] !== 0x4c /* L */) throw new ProtocolError("a property list entry without its length");
        at = skipValue(p, at);
        if (p[at] !== 0x78 /* x */) throw new ProtocolError("a property list entry without its value");
        at = skipValue(p, at);
      }
    case "f":
      // A format info: its encoding (u8) and a property list, both tagged.
      if (p[at] !== 0x42 /* B */) throw new ProtocolError("a format info without its encoding");
      at = skipValue(p, at);
      if (p[at] !== 0x50 /* P */) throw new ProtocolError("a format info without its properties");
      return skipValue(p, at);
    default:
      throw new ProtocolError(`an unknown tagstruct type 0x${(p[at - 1] ?? 0).toString(16)}`);
  }
}

export function readU32(payload: Uint8Array, item: TagItem | undefined): number | undefined {
  if (item?.tag !== "L") return undefined;
  return new DataView(payload.buffer, payload.byteOffset + item.start + 1, 4).getUint32(0);
}

/** A string value; `null` for a NULL string, undefined when the item is not a string. */
export function readString(payload: Uint8Array, item: TagItem | undefined): string | null | undefined {
  if (item?.tag === "N") return null;
  if (item?.tag !== "t") return undefined;
  return new TextDecoder().decode(payload.subarray(item.start + 1, item.end - 1));
}

export function readBoolean(item: TagItem | undefined): boolean | undefined {
  return item?.tag === "1" ? true : item?.tag === "0" ? false : undefined;
}

export const encodeU32 = (value: number): Uint8Array => {
  const out = new Uint8Array(5);
  out[0] = 0x4c;
  new DataView(out.buffer).setUint32(1, value >>> 0);
  return out;
};
export const encodeString = (value: string | null): Uint8Array =>
  value === null ? Uint8Array.of(0x4e) : Uint8Array.from([0x74, ...new TextEncoder().encode(value), 0]);
export const encodeBoolean = (value: boolean): Uint8Array => Uint8Array.of(value ? 0x31 : 0x30);
/** An arbitrary ('x'): its length, then the bytes (the AUTH cookie, a property's value). */
export function encodeArbitrary(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + bytes.length);
  out[0] = 0x78;
  new DataView(out.buffer).setUint32(1, bytes.length);
  out.set(bytes, 5);
  return out;
}

/** The payload with some of its items replaced by encoded values; every other byte stays as it was. */
export function replaceItems(payload: Uint8Array, items: TagItem[], replacements: Map<number, Uint8Array>): Uint8Array {
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const [index, value] of [...replacements].sort(([a], [b]) => a - b)) {
    const item = items[index]!;
    parts.push(payload.subarray(at, item.start), value);
    at = item.end;
  }
  parts.push(payload.subarray(at));
  return concatBytes(...parts);
}

/** A control packet made of tagstruct values. */
export function controlPacket(...values: Uint8Array[]): Uint8Array {
  return encodePacket({ channel: CONTROL_CHANNEL, payload: concatBytes(...values) });
}
