/**
 * Which monitor the user is looking at: the one that holds the pointer, from RandR 1.5's
 * monitor list (GetMonitors). A desktop of two monitors is one X screen, whose size in the
 * setup reply spans both and whose DPI is an average of neither, so the window size and the
 * DPI come from that one monitor instead.
 *
 * The whole talk with the server is here as pure code: bytes in, bytes out. It takes two round
 * trips. The first carries the connection setup and QueryExtension("RANDR"), which needs no
 * window, pipelined; the second RRQueryVersion, QueryPointer and RRGetMonitors on the root
 * window the setup reply named. A server without RandR 1.5 (an error), or with no monitors,
 * leaves the whole screen.
 *
 * References: the X Window System Protocol ("QueryExtension", "QueryPointer", "Errors");
 * randrproto.txt ("RRQueryVersion", "RRGetMonitors").
 */

import { concatBytes } from "../bytes.ts";
import { encodeSetupRequest, type HostScreen, parseSetupReply } from "./setup.ts";

export interface Monitor {
  x: number;
  y: number;
  width: number;
  height: number;
  widthMm: number;
  heightMm: number;
  primary: boolean;
  /** Made by the server from a CRTC, not defined by a client (xrandr --setmonitor). */
  automatic: boolean;
}

const OPCODE = { queryPointer: 38, queryExtension: 98 } as const;
const RANDR = { queryVersion: 0, getMonitors: 42 } as const;
/** The RandR version we ask for: GetMonitors came with 1.5. */
const RANDR_VERSION = [1, 5] as const;

/** QueryExtension: the opcode of an extension, if the server has it. */
export function encodeQueryExtension(name: string): Uint8Array {
  const text = new TextEncoder().encode(name);
  const bytes = new Uint8Array(8 + padded(text.length));
  const view = new DataView(bytes.buffer);
  bytes[0] = OPCODE.queryExtension;
  view.setUint16(2, bytes.length / 4, true);
  view.setUint16(4, text.length, true);
  bytes.set(text, 8);
  return bytes;
}

/** RRQueryVersion, QueryPointer and RRGetMonitors (active monitors only), in that order. */
export function encodeMonitorRequests(randrOpcode: number, root: number): Uint8Array {
  const bytes = new Uint8Array(12 + 8 + 12);
  const view = new DataView(bytes.buffer);
  bytes.set([randrOpcode, RANDR.queryVersion], 0);
  view.setUint16(2, 3, true);
  view.setUint32(4, RANDR_VERSION[0], true);
  view.setUint32(8, RANDR_VERSION[1], true);
  bytes[12] = OPCODE.queryPointer;
  view.setUint16(14, 2, true);
  view.setUint32(16, root, true);
  bytes.set([randrOpcode, RANDR.getMonitors], 20);
  view.setUint16(22, 3, true);
  view.setUint32(24, root, true);
  bytes[28] = 1; // get-active: monitors that show something, not ones switched off
  return bytes;
}

/** A reply or error to the request of that sequence number (events are skipped: we select none). */
export interface Answer {
  sequence: number;
  error: boolean;
  bytes: Uint8Array;
}

/** Splits whole replies and errors off the front of `bytes`; the rest waits for more data. */
export function splitAnswers(bytes: Uint8Array): { answers: Answer[]; rest: Uint8Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const answers: Answer[] = [];
  let offset = 0;
  while (offset + 32 <= bytes.length) {
    const kind = bytes[offset]!;
    // Replies (1) and generic events (35) say how much follows their 32 bytes.
    const length = kind === 1 || (kind & 0x7f) === 35 ? 32 + view.getUint32(offset + 4, true) * 4 : 32;
    if (offset + length > bytes.length) break;
    if (kind <= 1)
      answers.push({
        sequence: view.getUint16(offset + 2, true),
        error: kind === 0,
        bytes: bytes.subarray(offset, offset + length),
      });
    offset += length;
  }
  return { answers, rest: bytes.subarray(offset) };
}

/** The major opcode from a QueryExtension reply; undefined when the extension is absent. */
function parseQueryExtension(reply: Uint8Array): number | undefined {
  return reply.length >= 12 && reply[8] === 1 ? reply[9] : undefined;
}

/** The pointer's position on the root window; undefined when it is on another screen. */
export function parseQueryPointer(reply: Uint8Array): { x: number; y: number } | undefined {
  if (reply.length < 32 || reply[1] !== 1) return undefined;
  const view = new DataView(reply.buffer, reply.byteOffset, reply.byteLength);
  return { x: view.getInt16(16, true), y: view.getInt16(18, true) };
}

/** The monitors of an RRGetMonitors reply; a truncated one ends the list. */
export function parseGetMonitors(reply: Uint8Array): Monitor[] {
  if (reply.length < 32) return [];
  const view = new DataView(reply.buffer, reply.byteOffset, reply.byteLength);
  const count = view.getUint32(12, true);
  const monitors: Monitor[] = [];
  let offset = 32;
  for (let i = 0; i < count && offset + 24 <= reply.length; i++) {
    monitors.push({
      primary: reply[offset + 4] === 1,
      automatic: reply[offset + 5] === 1,
      x: view.getInt16(offset + 8, true),
      y: view.getInt16(offset + 10, true),
      width: view.getUint16(offset + 12, true),
      height: view.getUint16(offset + 14, true),
      widthMm: view.getUint32(offset + 16, true),
      heightMm: view.getUint32(offset + 20, true),
    });
    // Each monitor lists its outputs after its 24 bytes.
    offset += 24 + 4 * view.getUint16(offset + 6, true);
  }
  return monitors;
}

/**
 * The monitor under the pointer. Monitors may overlap (a mirror, or one spanning others): the
 * smallest that holds the pointer is the one the user looks at. No pointer on this screen, or
 * none inside a monitor: the primary one, else the first.
 */
export function monitorAt(monitors: Monitor[], pointer: { x: number; y: number } | undefined): Monitor | undefined {
  const usable = monitors.filter((m) => m.width > 0 && m.height > 0);
  const inside = pointer
    ? usable.filter(
        (m) => pointer.x >= m.x && pointer.x < m.x + m.width && pointer.y >= m.y && pointer.y < m.y + m.height,
      )
    : [];
  inside.sort((a, b) => a.width * a.height - b.width * b.height);
  return inside[0] ?? usable.find((m) => m.primary) ?? usable[0];
}

/**
 * The size to fit a window into and to take the DPI from: the monitor's. Its millimetres may
 * be unknown: 0 for a virtual monitor, or, for one the server made from an output that does
 * not know its size (a virtual or headless one), sizes the server makes up at exactly 96 dpi
 * (randr/rrmonitor.c, RRMonitorGetCrtcGeometry). Either way the screen's DPI stands instead,
 * which is what the server was told (Xvfb -dpi, Xorg's DisplaySize).
 */
export function monitorScreen(monitor: Monitor | undefined, screen: HostScreen): HostScreen {
  if (!monitor) return screen;
  const madeUp = (pixels: number, mm: number) => mm === Math.floor(pixels / (96 / 25.4) + 0.5);
  const known =
    monitor.widthMm > 0 &&
    monitor.heightMm > 0 &&
    !(monitor.automatic && madeUp(monitor.width, monitor.widthMm) && madeUp(monitor.height, monitor.heightMm));
  return {
    width: monitor.width,
    height: monitor.height,
    widthMm: known ? monitor.widthMm : Math.round((screen.widthMm * monitor.width) / Math.max(1, screen.width)),
    heightMm: known ? monitor.heightMm : Math.round((screen.heightMm * monitor.height) / Math.max(1, screen.height)),
  };
}

export type QueryStep =
  | { status: "waiting"; send?: Uint8Array }
  | { status: "done"; screen: HostScreen | undefined; refused?: string };

/**
 * The conversation that finds the host's monitor: `start()` gives the first bytes to send,
 * then every chunk received goes to `receive`, which says what to send next, or the answer.
 */
export function createScreenQuery(cookie?: Uint8Array): { start(): Uint8Array; receive(chunk: Uint8Array): QueryStep } {
  let buffer: Uint8Array = new Uint8Array();
  let setup: { screen: HostScreen; root: number } | undefined;
  let randr: number | undefined;
  let asked = false;
  const answers = new Map<number, Answer>();
  return {
    start: () => concatBytes(encodeSetupRequest(cookie), encodeQueryExtension("RANDR")),
    receive(chunk) {
      buffer = concatBytes(buffer, chunk);
      if (!setup) {
        const reply = parseSetupReply(buffer);
        if (reply.status === "incomplete") return { status: "waiting" };
        if (reply.status === "refused") return { status: "done", screen: undefined, refused: reply.reason };
        if (!reply.screen) return { status: "done", screen: undefined };
        setup = { screen: reply.screen, root: reply.root };
        buffer = buffer.subarray(reply.length);
      }
      const split = splitAnswers(buffer);
      buffer = split.rest;
      for (const answer of split.answers) answers.set(answer.sequence, answer);
      if (!asked) {
        const extension = answers.get(1);
        if (!extension) return { status: "waiting" };
        randr = extension.error ? undefined : parseQueryExtension(extension.bytes);
        if (randr === undefined) return { status: "done", screen: setup.screen };
        asked = true;
        return { status: "waiting", send: encodeMonitorRequests(randr, setup.root) };
      }
      // Sequence 2 is RRQueryVersion, 3 QueryPointer, 4 RRGetMonitors: all answered in order.
      const monitors = answers.get(4);
      if (!monitors) return { status: "waiting" };
      const pointer = answers.get(3);
      const position = pointer && !pointer.error ? parseQueryPointer(pointer.bytes) : undefined;
      const list = monitors.error ? [] : parseGetMonitors(monitors.bytes);
      return { status: "done", screen: monitorScreen(monitorAt(list, position), setup.screen) };
    },
  };
}

const padded = (length: number) => (length + 3) & ~3;
