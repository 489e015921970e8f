/** X server answers made by hand, as a server sends them (little-endian), for the unit tests of src/core/x11-*.ts. */

const text = (s: string) => new TextEncoder().encode(s);

/** The first screen's root window in `setupAccepted`; screen i has ROOT + i. */
export const ROOT = 0x25a;

/** A connection setup success reply; every screen is 1920+i x 1080 pixels, 508 x 286 mm. */
export function setupAccepted(
  options: {
    vendor?: string;
    formats?: number;
    screens?: number;
    screen?: { width: number; height: number; widthMm: number; heightMm: number };
  } = {},
): Uint8Array {
  const vendor = text(options.vendor ?? "The X.Org Foundation");
  const formats = options.formats ?? 7;
  const screens = options.screens ?? 1;
  const vendorPadded = (vendor.length + 3) & ~3;
  const body = 32 + vendorPadded + 8 * formats + 40 * screens;
  const reply = new Uint8Array(8 + body);
  const view = new DataView(reply.buffer);
  reply[0] = 1;
  view.setUint16(2, 11, true);
  view.setUint16(6, body / 4, true);
  view.setUint16(24, vendor.length, true);
  reply[28] = screens;
  reply[29] = formats;
  reply.set(vendor, 40);
  const screen = 40 + vendorPadded + 8 * formats;
  for (let i = 0; i < screens; i++) {
    const size = options.screen ?? { width: 1920 + i, height: 1080, widthMm: 508, heightMm: 286 };
    view.setUint32(screen + 40 * i, ROOT + i, true);
    view.setUint16(screen + 40 * i + 20, size.width, true);
    view.setUint16(screen + 40 * i + 22, size.height, true);
    view.setUint16(screen + 40 * i + 24, size.widthMm, true);
    view.setUint16(screen + 40 * i + 26, size.heightMm, true);
  }
  return reply;
}

/** A reply to request `sequence`: 32 bytes (the given ones from offset 8 on), then `extra`. */
export function reply(
  sequence: number,
  fields: (view: DataView, bytes: Uint8Array) => void,
  extra = 0,
  header1 = 0,
): Uint8Array {
  const bytes = new Uint8Array(32 + extra);
  const view = new DataView(bytes.buffer);
  bytes[0] = 1;
  bytes[1] = header1;
  view.setUint16(2, sequence, true);
  view.setUint32(4, extra / 4, true);
  fields(view, bytes);
  return bytes;
}

/** An X error for request `sequence` (BadRequest by default: an unknown minor opcode). */
export function xError(sequence: number, code = 1): Uint8Array {
  const bytes = new Uint8Array(32);
  bytes[1] = code;
  new DataView(bytes.buffer).setUint16(2, sequence, true);
  return bytes;
}

/** QueryExtension's reply: present with that opcode, or absent. */
export const extensionReply = (sequence: number, opcode: number | undefined) =>
  reply(sequence, (_, b) => {
    b[8] = opcode === undefined ? 0 : 1;
    b[9] = opcode ?? 0;
  });

/** QueryPointer's reply: on this screen at (x, y), or on another screen. */
export const pointerReply = (sequence: number, at: { x: number; y: number } | "elsewhere") =>
  reply(
    sequence,
    (view) => {
      if (at === "elsewhere") return;
      view.setInt16(16, at.x, true);
      view.setInt16(18, at.y, true);
    },
    0,
    at === "elsewhere" ? 0 : 1,
  );

export interface MonitorInfo {
  x: number;
  y: number;
  width: number;
  height: number;
  widthMm: number;
  heightMm: number;
  primary?: boolean;
  automatic?: boolean;
  outputs?: number;
}

/** RRGetMonitors' reply with these monitors, each followed by its outputs. */
export function monitorsReply(sequence: number, monitors: MonitorInfo[]): Uint8Array {
  const extra = monitors.reduce((sum, m) => sum + 24 + 4 * (m.outputs ?? 1), 0);
  return reply(
    sequence,
    (view, bytes) => {
      view.setUint32(12, monitors.length, true);
      let offset = 32;
      for (const m of monitors) {
        view.setUint32(offset, 0x1f0, true); // the name atom
        bytes[offset + 4] = m.primary ? 1 : 0;
        bytes[offset + 5] = m.automatic ? 1 : 0;
        view.setUint16(offset + 6, m.outputs ?? 1, true);
        view.setInt16(offset + 8, m.x, true);
        view.setInt16(offset + 10, m.y, true);
        view.setUint16(offset + 12, m.width, true);
        view.setUint16(offset + 14, m.height, true);
        view.setUint32(offset + 16, m.widthMm, true);
        view.setUint32(offset + 20, m.heightMm, true);
        offset += 24 + 4 * (m.outputs ?? 1);
      }
    },
    extra,
  );
}
