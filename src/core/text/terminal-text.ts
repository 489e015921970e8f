/**
 * Text an app controls (its output, its recipe's labels, build output), made safe to show on
 * a terminal: every control character and every escape sequence is shown, never interpreted.
 * An app that could print ESC could set the host clipboard through the terminal (OSC 52),
 * retitle the terminal (OSC 0/2), clear or repaint the screen (CSI), or hide what it printed.
 *
 * One notation, the one shells and C use, so what is shown can be read and is never live:
 *
 *   ESC                                   \e        (so an OSC 52 shows as \e]52;c;...\x07)
 *   CR not followed by LF                 \r        (a lone CR would overwrite the line)
 *   other C0 controls, DEL                \xNN      (\x07 for BEL, \x7f for DEL)
 *   a byte that is not valid UTF-8        \xNN      (the raw 8-bit CSI 0x9b shows as \x9b)
 *   C1 controls U+0080-U+009F             \uNNNN    (UTF-8-encoded CSI shows as \u009b)
 *   bidi embeddings, overrides, isolates  \uNNNN    (U+202A-U+202E, U+2066-U+2069)
 *
 * LF, tab and CR LF are kept in multi-line text (logs); single-line text (a table cell)
 * shows them as \n, \t and \r too. Backslashes are not doubled: the result is for reading,
 * not for decoding (`logs --raw` gives the exact bytes).
 *
 * The bidi controls are the ones rustc and GCC warn about since "Trojan Source": they make
 * a terminal show text in an order other than the one it has. The marks (U+200E, U+200F,
 * U+061C) and the zero-width joiners are left alone: right-to-left text and emoji need them.
 */
import { concatBytes } from "../bytes.ts";

/** How a code point is shown, or undefined when it is shown as itself. */
function escapeCodePoint(cp: number, singleLine: boolean): string | undefined {
  if (cp >= 0x20 && cp < 0x7f) return undefined;
  if (cp === 0x0a) return singleLine ? "\\n" : undefined;
  if (cp === 0x09) return singleLine ? "\\t" : undefined;
  if (cp === 0x0d) return "\\r";
  if (cp === 0x1b) return "\\e";
  if (cp < 0x20 || cp === 0x7f) return `\\x${hex(cp, 2)}`;
  if (cp <= 0x9f) return `\\u${hex(cp, 4)}`;
  if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)) return `\\u${hex(cp, 4)}`;
  // A lone surrogate can only come from a JS string; UTF-8 bytes of one are invalid input.
  if (cp >= 0xd800 && cp <= 0xdfff) return `\\u${hex(cp, 4)}`;
  return undefined;
}

const hex = (value: number, digits: number) => value.toString(16).padStart(digits, "0");

/** Anything escapeCodePoint would change in multi-line text; most text has none of it. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal sanitizer looks for exactly these control characters.
const NEEDS_WORK = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]/;

export interface TerminalTextOptions {
  /** Show LF, tab and CR LF visibly too: for a table cell or a title, which must stay one line. */
  singleLine?: boolean;
}

/** A string (already decoded: a label, an error message) made safe to show on a terminal. */
export function sanitizeTerminalText(text: string, options: TerminalTextOptions = {}): string {
  const singleLine = Boolean(options.singleLine);
  if (!singleLine && !NEEDS_WORK.test(text)) return text;
  let out = "";
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const size = cp > 0xffff ? 2 : 1;
    if (cp === 0x0d && !singleLine && text.charCodeAt(i + 1) === 0x0a) {
      out += "\r\n";
      i += 2;
      continue;
    }
    out += escapeCodePoint(cp, singleLine) ?? text.slice(i, i + size);
    i += size;
  }
  return out;
}

export interface TerminalSanitizer {
  /**
   * The visible text for the next chunk of a byte stream. What could still be the start of
   * something (a UTF-8 sequence cut in two, a CR whose LF may follow) is held back for the
   * next chunk, so a sequence split across chunks is neutralised all the same.
   */
  push(chunk: Uint8Array): string;
  /** What was held back, at the end of the stream: a cut-off UTF-8 sequence shows as \xNN. */
  end(): string;
}

/** A stateful sanitizer for one byte stream of multi-line text (an app's stdout, or its stderr). */
export function createTerminalSanitizer(): TerminalSanitizer {
  let held = new Uint8Array(0);
  return {
    push(chunk) {
      const bytes = held.length ? concatBytes(held, chunk) : chunk;
      const { text, consumed } = sanitizeBytes(bytes, false);
      held = bytes.slice(consumed);
      return text;
    },
    end() {
      const { text } = sanitizeBytes(held, true);
      held = new Uint8Array(0);
      return text;
    },
  };
}

const decoder = new TextDecoder();

/**
 * Walks the bytes once. Runs of bytes that are shown as they are (valid UTF-8 of safe code
 * points) are decoded whole; everything else is replaced by its visible form. Unless `final`,
 * it stops before an incomplete tail and says how far it got.
 */
function sanitizeBytes(bytes: Uint8Array, final: boolean): { text: string; consumed: number } {
  let out = "";
  let run = 0;
  let i = 0;
  const replace = (end: number, visible: string) => {
    if (i > run) out += decoder.decode(bytes.subarray(run, i));
    out += visible;
    i = run = end;
  };
  while (i < bytes.length) {
    const b = bytes[i]!;
    if ((b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x09) {
      i++;
    } else if (b === 0x0d) {
      if (i + 1 < bytes.length && bytes[i + 1] === 0x0a) i += 2;
      else if (i + 1 === bytes.length && !final) break;
      else replace(i + 1, "\\r");
    } else if (b < 0x80) {
      replace(i + 1, escapeCodePoint(b, false)!);
    } else {
      const need = sequenceLength(b);
      let k = 1;
      while (need && k < need && i + k < bytes.length && isContinuation(b, k, bytes[i + k]!)) k++;
      if (need && k < need && i + k === bytes.length && !final) break;
      if (!need || k < need) {
        // Not UTF-8: each byte of the broken part is shown, and decoding resumes after it.
        replace(
          i + Math.max(k, 1),
          Array.from(bytes.subarray(i, i + Math.max(k, 1)), (x) => `\\x${hex(x, 2)}`).join(""),
        );
        continue;
      }
      const escaped = escapeCodePoint(decodeSequence(bytes, i, need), false);
      if (escaped) replace(i + need, escaped);
      else i += need;
    }
  }
  const consumed = i;
  if (consumed > run) out += decoder.decode(bytes.subarray(run, consumed));
  return { text: out, consumed };
}

/** The length of the UTF-8 sequence a lead byte starts, or 0 when it cannot start one. */
function sequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** Whether `byte` may be the k-th byte after `lead`: rules out overlong forms, surrogates and code points past U+10FFFF. */
function isContinuation(lead: number, k: number, byte: number): boolean {
  if (k === 1) {
    if (lead === 0xe0) return byte >= 0xa0 && byte <= 0xbf;
    if (lead === 0xed) return byte >= 0x80 && byte <= 0x9f;
    if (lead === 0xf0) return byte >= 0x90 && byte <= 0xbf;
    if (lead === 0xf4) return byte >= 0x80 && byte <= 0x8f;
  }
  return byte >= 0x80 && byte <= 0xbf;
}

function decodeSequence(bytes: Uint8Array, at: number, length: number): number {
  let cp = bytes[at]! & (0xff >> (length + 1));
  for (let k = 1; k < length; k++) cp = (cp << 6) | (bytes[at + k]! & 0x3f);
  return cp;
}
