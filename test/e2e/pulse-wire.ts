/**
 * Just enough of the PulseAudio native protocol to write packets by hand: the commands pactl
 * has no verb for (extension, single-object info), and the malformed ones of the fuzz test.
 * Every packet is a 20-byte descriptor (length, channel, offset hi, offset lo, flags; big-endian
 * u32s) and a payload; a control packet (channel 0xFFFFFFFF) carries a tagstruct that starts
 * with the command and a tag.
 */

/** Command numbers, from PulseAudio's native-common.h. */
export const CMD = {
  ERROR: 0,
  REPLY: 2,
  EXIT: 7,
  AUTH: 8,
  SET_CLIENT_NAME: 9,
  GET_SERVER_INFO: 20,
  GET_MODULE_INFO: 25,
  GET_CLIENT_INFO: 27,
  GET_SINK_INPUT_INFO: 29,
  GET_SOURCE_OUTPUT_INFO: 31,
  KILL_CLIENT: 48,
  KILL_SINK_INPUT: 49,
  KILL_SOURCE_OUTPUT: 50,
  EXTENSION: 87,
} as const;
export const PA_ERR_ACCESS = 1;
const CONTROL = 0xffffffff;

type Value = { u32: number } | { str: string } | { bytes: Uint8Array } | { props: Record<string, string> };

/** A tagstruct: each value carries its type tag. */
export function tagstruct(values: Value[]): Uint8Array {
  const parts: number[] = [];
  const u32 = (n: number) => parts.push((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
  const str = (s: string) => parts.push(0x74, ...new TextEncoder().encode(s), 0); // 't'
  const bytes = (b: Uint8Array) => {
    parts.push(0x78); // 'x': arbitrary
    u32(b.length);
    parts.push(...b);
  };
  for (const v of values) {
    if ("u32" in v) {
      parts.push(0x4c); // 'L'
      u32(v.u32);
    } else if ("str" in v) str(v.str);
    else if ("bytes" in v) bytes(v.bytes);
    else {
      parts.push(0x50); // 'P': key, length, value ... then null string
      for (const [key, value] of Object.entries(v.props)) {
        const data = new TextEncoder().encode(`${value}\0`);
        str(key);
        parts.push(0x4c);
        u32(data.length);
        bytes(data);
      }
      parts.push(0x4e); // 'N'
    }
  }
  return new Uint8Array(parts);
}

/** A 20-byte descriptor; `length` may lie about the payload, for the fuzz test. */
export function descriptor(length: number, channel = CONTROL): Uint8Array {
  const d = new DataView(new ArrayBuffer(20));
  d.setUint32(0, length >>> 0);
  d.setUint32(4, channel >>> 0);
  return new Uint8Array(d.buffer);
}

export function packet(payload: Uint8Array, channel = CONTROL): Uint8Array {
  return concat(descriptor(payload.length, channel), payload);
}

export function command(cmd: number, tag: number, args: Value[] = []): Uint8Array {
  return packet(tagstruct([{ u32: cmd }, { u32: tag }, ...args]));
}

/**
 * What any client sends first: AUTH (protocol 32, without the SHM and memfd bits, and an
 * anonymous cookie) and its name, as tags 0 and 1.
 */
export function handshake(name = "raw-client"): Uint8Array {
  return concat(
    command(CMD.AUTH, 0, [{ u32: 32 }, { bytes: new Uint8Array(256) }]),
    command(CMD.SET_CLIENT_NAME, 1, [{ props: { "application.name": name } }]),
  );
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export interface Answer {
  command: number;
  tag: number;
  /** For ERROR: the error code. */
  error?: number;
  /** The payload as latin1 text, to look for names in. */
  text: string;
}

/** Splits what the server sent into control packets (audio packets are skipped). */
export function parseAnswers(bytes: Uint8Array): Answer[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const answers: Answer[] = [];
  for (let at = 0; at + 20 <= bytes.length; ) {
    const length = view.getUint32(at);
    const channel = view.getUint32(at + 4);
    const start = at + 20;
    at = start + length;
    if (channel !== CONTROL || at > bytes.length || length < 10) continue;
    // 'L' cmd 'L' tag ['L' error]
    const u32At = (offset: number) => (bytes[start + offset] === 0x4c ? view.getUint32(start + offset + 1) : NaN);
    const cmd = u32At(0);
    const answer: Answer = {
      command: cmd,
      tag: u32At(5),
      text: new TextDecoder("latin1").decode(bytes.subarray(start, at)),
    };
    if (cmd === CMD.ERROR) answer.error = u32At(10);
    answers.push(answer);
  }
  return answers;
}
