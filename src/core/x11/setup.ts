/**
 * Just enough of the X11 protocol to ask a server its screen size: where DISPLAY points, which
 * cookie of an Xauthority file an X client would send there, the connection setup request, and
 * the first screen in the server's reply (x11-monitors.ts then narrows it to one monitor). `run` asks this of the user's desktop before Xephyr
 * can start, so it is on the path to every window: a client library cost ~10 ms here, this
 * costs well under one.
 *
 * References: the X Window System Protocol, "Connection Setup"; libXau's XauGetBestAuthByAddr.
 */
import { COOKIE_PROTOCOL } from "./xauth.ts";

export interface HostScreen {
  width: number;
  height: number;
  widthMm: number;
  heightMm: number;
}

/** Where a DISPLAY string says the server listens. */
export type DisplayTarget =
  | { transport: "unix"; path: string; number: string }
  | { transport: "tcp"; host: string; port: number; number: string };

/** Xauthority address families (Xauth.h). */
export const FAMILY = { internet: 0, internet6: 6, local: 256, wild: 0xffff } as const;

export interface XauthEntry {
  family: number;
  address: Uint8Array;
  /** The display number as text; empty matches any display. */
  number: string;
  name: string;
  data: Uint8Array;
}

/**
 * ":0", ":0.1", "unix:0" are the local socket; "host:0" and "[::1]:0" are TCP on 6000 + n
 * (ssh -X gives "localhost:10.0"). Undefined for anything else (a launchd path, "host::0").
 */
export function parseDisplayName(display: string): DisplayTarget | undefined {
  const match = /^(.*):(\d+)(?:\.\d+)?$/.exec(display.trim());
  if (!match) return undefined;
  const [, host = "", digits = ""] = match;
  // ":01" is display 1, as Xlib reads it: socket X1, Xauthority number "1".
  const number = String(Number(digits));
  if (host === "" || host === "unix") return { transport: "unix", path: `/tmp/.X11-unix/X${number}`, number };
  if (host.startsWith("/") || host.endsWith(":")) return undefined;
  const port = 6000 + Number(number);
  if (port > 65535) return undefined;
  return { transport: "tcp", host: host.replace(/^\[(.*)\]$/, "$1"), port, number };
}

/** The entries of an Xauthority file; a truncated last entry is dropped, as libXau does. */
export function parseXauthority(bytes: Uint8Array): XauthEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries: XauthEntry[] = [];
  let offset = 0;
  const counted = (): Uint8Array | undefined => {
    if (offset + 2 > bytes.length) return undefined;
    const length = view.getUint16(offset);
    if (offset + 2 + length > bytes.length) return undefined;
    const field = bytes.subarray(offset + 2, offset + 2 + length);
    offset += 2 + length;
    return field;
  };
  while (offset + 2 <= bytes.length) {
    const family = view.getUint16(offset);
    offset += 2;
    const [address, number, name, data] = [counted(), counted(), counted(), counted()];
    if (!address || !number || !name || !data) break;
    entries.push({ family, address, number: latin1(number), name: latin1(name), data });
  }
  return entries;
}

/** Xauthority entries in the file format parseXauthority reads: each field counted, lengths big-endian. */
export function encodeXauthority(entries: XauthEntry[]): Uint8Array {
  const parts: number[] = [];
  const u16 = (value: number) => parts.push(value >> 8, value & 0xff);
  const field = (value: Uint8Array) => {
    u16(value.length);
    parts.push(...value);
  };
  for (const e of entries) {
    u16(e.family);
    for (const value of [e.address, new TextEncoder().encode(e.number), new TextEncoder().encode(e.name), e.data])
      field(value);
  }
  return Uint8Array.from(parts);
}

/**
 * The cookie an X client would send (libXau's rule, for the one protocol we speak): the first
 * MIT-MAGIC-COOKIE-1 entry whose family and address match the connection, or whose family is
 * wild, and whose display number matches or is empty.
 */
export function pickCookie(
  entries: XauthEntry[],
  connection: { family: number; address: Uint8Array; number: string },
): Uint8Array | undefined {
  const entry = entries.find(
    (e) =>
      e.name === COOKIE_PROTOCOL &&
      (e.family === FAMILY.wild || (e.family === connection.family && sameBytes(e.address, connection.address))) &&
      (e.number === "" || e.number === connection.number),
  );
  return entry?.data;
}

/**
 * Which Xauthority address names this connection. A local one (unix socket, or TCP to this
 * machine as ssh -X forwards it) is FamilyLocal with our host name, as xauth and Xlib write it;
 * otherwise the server's IP address.
 */
export function connectionAddress(
  target: DisplayTarget,
  hostname: string,
  peerIp?: string,
): { family: number; address: Uint8Array; number: string } {
  const local = { family: FAMILY.local, address: new TextEncoder().encode(hostname), number: target.number };
  if (target.transport === "unix" || !peerIp || isLoopback(peerIp)) return local;
  const v4 = /^(?:::ffff:)?(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(peerIp);
  if (v4) return { family: FAMILY.internet, address: Uint8Array.from(v4.slice(1).map(Number)), number: target.number };
  return { family: FAMILY.internet6, address: ipv6Bytes(peerIp), number: target.number };
}

/** Whether the display is on this machine: its Xauthority entry is then FamilyLocal with our host name. */
export function isLocalDisplay(target: DisplayTarget): boolean {
  return target.transport === "unix" || target.host === "localhost" || isLoopback(target.host);
}

/** The connection setup request, little-endian, with the cookie if there is one. */
export function encodeSetupRequest(cookie?: Uint8Array): Uint8Array {
  const name = cookie ? new TextEncoder().encode(COOKIE_PROTOCOL) : new Uint8Array();
  const data = cookie ?? new Uint8Array();
  const bytes = new Uint8Array(12 + padded(name.length) + padded(data.length));
  const view = new DataView(bytes.buffer);
  bytes[0] = 0x6c; // "l": we speak little-endian
  view.setUint16(2, 11, true); // protocol 11.0
  view.setUint16(4, 0, true);
  view.setUint16(6, name.length, true);
  view.setUint16(8, data.length, true);
  bytes.set(name, 12);
  bytes.set(data, 12 + padded(name.length));
  return bytes;
}

export type SetupReply =
  | { status: "incomplete" }
  | { status: "refused"; reason: string }
  /** `length`: the reply's bytes, after which the answers to later requests follow. `root`: the first screen's root window. */
  | { status: "accepted"; screen: undefined; length: number }
  | { status: "accepted"; screen: HostScreen; root: number; length: number };

/** Reads the server's answer to `encodeSetupRequest`; "incomplete" until all of it has arrived. */
export function parseSetupReply(bytes: Uint8Array): SetupReply {
  if (bytes.length < 8) return { status: "incomplete" };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const total = 8 + view.getUint16(6, true) * 4;
  if (bytes.length < total) return { status: "incomplete" };
  const status = bytes[0];
  if (status !== 1) {
    // Failed carries its reason's length in byte 1; Authenticate (2) pads it to the end.
    const length = status === 0 ? bytes[1]! : total - 8;
    return {
      status: "refused",
      reason:
        latin1(bytes.subarray(8, 8 + length))
          .replace(/\0+$/, "")
          .trim() || "refused",
    };
  }
  // A success reply shorter than its fixed part has no screen to read (no real server sends one).
  if (total < 40) return { status: "accepted", screen: undefined, length: total };
  const vendorLength = view.getUint16(24, true);
  const screens = bytes[28]!;
  const formats = bytes[29]!;
  const screen = 40 + padded(vendorLength) + 8 * formats;
  // A SCREEN is at least 40 bytes; the sizes are at 20-27.
  if (screens === 0 || screen + 40 > total) return { status: "accepted", screen: undefined, length: total };
  return {
    status: "accepted",
    length: total,
    root: view.getUint32(screen, true),
    screen: {
      width: view.getUint16(screen + 20, true),
      height: view.getUint16(screen + 22, true),
      widthMm: view.getUint16(screen + 24, true),
      heightMm: view.getUint16(screen + 26, true),
    },
  };
}

const padded = (length: number) => (length + 3) & ~3;

function latin1(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return text;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** The loopback addresses libxcb counts as this machine (FamilyLocal) on a TCP connection. */
function isLoopback(ip: string): boolean {
  return ip === "::1" || ip === "127.0.0.1" || ip === "::ffff:127.0.0.1";
}

function ipv6Bytes(ip: string): Uint8Array {
  const [head = "", tail = ""] = ip.split("::");
  const groups = (part: string) => (part ? part.split(":").map((g) => parseInt(g, 16)) : []);
  const front = groups(head);
  const back = groups(tail);
  const all = [...front, ...Array<number>(Math.max(0, 8 - front.length - back.length)).fill(0), ...back];
  return Uint8Array.from(all.flatMap((g) => [g >> 8, g & 0xff]));
}
