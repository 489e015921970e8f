import { describe, expect, test } from "bun:test";
import { createTerminalSanitizer, sanitizeTerminalText } from "../../../../src/core/text/terminal-text.ts";

const bytes = (...parts: (string | number[])[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === "string" ? [...new TextEncoder().encode(p)] : p)));

/** Feeds the stream in the given chunks, as `logs -f` receives it. */
function sanitizeChunks(chunks: Uint8Array[]): string {
  const sanitizer = createTerminalSanitizer();
  return chunks.map((c) => sanitizer.push(c)).join("") + sanitizer.end();
}

/** Every way to cut the stream in two, and one byte at a time: the result must not depend on the cuts. */
function everySplit(input: Uint8Array): Uint8Array[][] {
  const splits = [[input], Array.from(input, (b) => Uint8Array.of(b))];
  for (let at = 1; at < input.length; at++) splits.push([input.subarray(0, at), input.subarray(at)]);
  return splits;
}

// What an app prints -> what a terminal is given.
const streamCases: [string, Uint8Array, string][] = [
  ["OSC 52 (set the clipboard), BEL-terminated", bytes("\x1b]52;c;aGVsbG8=\x07"), "\\e]52;c;aGVsbG8=\\x07"],
  ["OSC 52, ST-terminated", bytes("\x1b]52;c;aGVsbG8=\x1b\\"), "\\e]52;c;aGVsbG8=\\e\\"],
  ["CSI 2J (clear the screen) and cursor home", bytes("\x1b[2J\x1b[H"), "\\e[2J\\e[H"],
  ["OSC 0 (icon name and title)", bytes("\x1b]0;pwned\x07"), "\\e]0;pwned\\x07"],
  ["OSC 2 (title)", bytes("\x1b]2;pwned\x1b\\"), "\\e]2;pwned\\e\\"],
  ["SGR colors are shown, not applied", bytes("\x1b[31mred\x1b[0m"), "\\e[31mred\\e[0m"],
  ["8-bit C1 CSI as a raw byte (not UTF-8)", bytes([0x9b], "2J"), "\\x9b2J"],
  ["8-bit OSC as a raw byte", bytes([0x9d], "52;c;eA==", [0x9c]), "\\x9d52;c;eA==\\x9c"],
  ["C1 CSI encoded as UTF-8 (U+009B)", bytes("\u009b2J"), "\\u009b2J"],
  ["every C1 control encoded as UTF-8", bytes("\u0080\u0085\u009f"), "\\u0080\\u0085\\u009f"],
  ["C0 controls and DEL", bytes("a\x00b\x07c\x08d\x7f"), "a\\x00b\\x07c\\x08d\\x7f"],
  [
    "a lone CR would overwrite the line",
    bytes("password: hunter2\rpassword: ********"),
    "password: hunter2\\rpassword: ********",
  ],
  ["CR LF is a line end and kept", bytes("one\r\ntwo\r\n"), "one\r\ntwo\r\n"],
  ["a CR at the very end is shown", bytes("done\r"), "done\\r"],
  ["newlines and tabs are kept", bytes("a\tb\nc\n"), "a\tb\nc\n"],
  ["plain UTF-8 is untouched", bytes("Grüße, 日本語, 🦊, עברית\n"), "Grüße, 日本語, 🦊, עברית\n"],
  ["emoji joined by ZWJ and RTL marks are untouched", bytes("👩‍💻 \u200f\u200e"), "👩‍💻 \u200f\u200e"],
  [
    "bidi override (Trojan Source)",
    bytes("access\u202e\u2066// admin\u2069\u2066"),
    "access\\u202e\\u2066// admin\\u2069\\u2066",
  ],
  [
    "every bidi embedding, override and isolate",
    bytes("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"),
    "\\u202a\\u202b\\u202c\\u202d\\u202e\\u2066\\u2067\\u2068\\u2069",
  ],
  ["an invalid byte", bytes("a", [0xff], "b"), "a\\xffb"],
  ["a stray continuation byte", bytes("a", [0x80], "b"), "a\\x80b"],
  ["an overlong ESC (C0 9B... as 0xC0 0x9B)", bytes([0xc0, 0x9b], "2J"), "\\xc0\\x9b2J"],
  ["an overlong slash", bytes([0xe0, 0x80, 0xaf]), "\\xe0\\x80\\xaf"],
  ["a UTF-8-encoded surrogate", bytes([0xed, 0xa0, 0x80]), "\\xed\\xa0\\x80"],
  ["past U+10FFFF", bytes([0xf4, 0x90, 0x80, 0x80]), "\\xf4\\x90\\x80\\x80"],
  ["a sequence cut short by ASCII", bytes([0xe6, 0x97], "x"), "\\xe6\\x97x"],
  ["a sequence cut off at the end of the stream", bytes("ok", [0xe6, 0x97]), "ok\\xe6\\x97"],
  ["a truncated sequence right before ESC", bytes([0xc3], "\x1b[2J"), "\\xc3\\e[2J"],
  ["a backslash is left alone", bytes("C:\\path\\e"), "C:\\path\\e"],
];

describe("createTerminalSanitizer", () => {
  test.each(streamCases)("%s", (_, input, expected) => {
    for (const chunks of everySplit(input)) expect(sanitizeChunks(chunks)).toBe(expected);
  });

  test.each(streamCases)("never gives the terminal a control byte: %s", (_, input) => {
    for (const chunks of everySplit(input)) {
      const out = sanitizeChunks(chunks);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the assertion is that the sanitizer let none of these control characters through.
      expect(out).not.toMatch(/[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffd]/);
      // A CR reaches the terminal only as the first half of CR LF.
      expect(out.replace(/\r\n/g, "")).not.toContain("\r");
    }
  });

  test.each<[string, Uint8Array[], string]>([
    [
      "ESC in one chunk, the rest of the OSC 52 in the next",
      [bytes("a\x1b"), bytes("]52;c;eA==\x07b")],
      "a\\e]52;c;eA==\\x07b",
    ],
    ["a 4-byte emoji cut after each byte", [bytes([0xf0]), bytes([0x9f]), bytes([0xa6]), bytes([0x8a])], "🦊"],
    ["C1 CSI as UTF-8 cut between its two bytes", [bytes([0xc2]), bytes([0x9b], "2J")], "\\u009b2J"],
    ["CR at a chunk's end, LF at the next's start", [bytes("one\r"), bytes("\ntwo")], "one\r\ntwo"],
    ["CR at a chunk's end, text at the next's start", [bytes("one\r"), bytes("two")], "one\\rtwo"],
    ["an empty chunk between the halves", [bytes([0xe6]), new Uint8Array(0), bytes([0x97, 0xa5])], "日"],
  ])("across chunks: %s", (_, chunks, expected) => {
    expect(sanitizeChunks(chunks)).toBe(expected);
  });

  test("nothing is held back once a chunk ends cleanly", () => {
    const sanitizer = createTerminalSanitizer();
    expect(sanitizer.push(bytes("line\n"))).toBe("line\n");
    expect(sanitizer.push(bytes([0xe6, 0x97]))).toBe("");
    expect(sanitizer.push(bytes([0xa5], "\n"))).toBe("日\n");
    expect(sanitizer.end()).toBe("");
  });

  test("a large plain log goes through unchanged, across chunk cuts", () => {
    const line = "2026-12-01 12:00:00 INFO request served in 12 ms, Grüße\n";
    const input = bytes(line.repeat(20_000));
    const cuts = [0, 4093, 4096 * 7 + 5, 65_537, input.length];
    expect(sanitizeChunks(cuts.slice(1).map((end, i) => input.subarray(cuts[i], end)))).toBe(line.repeat(20_000));
  });
});

describe("sanitizeTerminalText", () => {
  test.each<[string, string, string, string]>([
    // name, input, multi-line, single-line
    ["plain text", "Firefox ESR (Debian)", "Firefox ESR (Debian)", "Firefox ESR (Debian)"],
    ["OSC 52 in a label", "x\x1b]52;c;eA==\x07", "x\\e]52;c;eA==\\x07", "x\\e]52;c;eA==\\x07"],
    ["a title set from a label", "\x1b]2;root@host\x07", "\\e]2;root@host\\x07", "\\e]2;root@host\\x07"],
    ["CSI clear", "\x1b[2J", "\\e[2J", "\\e[2J"],
    ["C1 CSI", "\u009b2J", "\\u009b2J", "\\u009b2J"],
    ["newlines, tabs, CR LF", "a\nb\tc\r\nd", "a\nb\tc\r\nd", "a\\nb\\tc\\r\\nd"],
    ["a lone CR", "a\rb", "a\\rb", "a\\rb"],
    ["bidi override", "abc\u202edef", "abc\\u202edef", "abc\\u202edef"],
    ["a lone surrogate", "a\ud800b", "a\\ud800b", "a\\ud800b"],
    ["astral characters", "🦊 𝔘", "🦊 𝔘", "🦊 𝔘"],
    ["the replacement character is already visible", "a\ufffdb", "a\ufffdb", "a\ufffdb"],
  ])("%s", (_, input, multi, single) => {
    expect(sanitizeTerminalText(input)).toBe(multi);
    expect(sanitizeTerminalText(input, { singleLine: true })).toBe(single);
  });

  test("agrees with the stream sanitizer on valid UTF-8", () => {
    for (const [, input, expected] of streamCases) {
      const text = new TextDecoder("utf-8", { fatal: false }).decode(input);
      if (text.includes("\ufffd")) continue;
      expect(sanitizeTerminalText(text)).toBe(expected);
    }
  });
});
