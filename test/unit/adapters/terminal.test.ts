import { describe, expect, test } from "bun:test";
import { EventEmitter } from "node:events";
import { safeOutput, terminalLine } from "../../../src/adapters/terminal.ts";

/** A stand-in for process.stdout: records what it was given, as bytes. */
function fakeOutput(isTTY: boolean) {
  const written: Buffer[] = [];
  const target = Object.assign(new EventEmitter(), {
    isTTY,
    write(chunk: string | Uint8Array, callback?: () => void) {
      written.push(Buffer.from(chunk));
      callback?.();
      return true;
    },
  });
  return { target: target as unknown as NodeJS.WriteStream, bytes: () => Buffer.concat(written) };
}

const write = (stream: NodeJS.WritableStream, chunk: Uint8Array) =>
  new Promise<void>((resolve) => stream.write(chunk, () => resolve()));

const OSC52 = Buffer.from("\x1b]52;c;aGk=\x07");

describe("safeOutput", () => {
  test.each<[string, boolean, boolean, Buffer]>([
    ["a terminal gets the visible form", true, false, Buffer.from("\\e]52;c;aGk=\\x07")],
    ["a terminal with --raw gets the exact bytes", true, true, OSC52],
    ["a pipe gets the exact bytes", false, false, OSC52],
    ["a pipe with --raw gets the exact bytes", false, true, OSC52],
  ])("%s", async (_, isTTY, raw, expected) => {
    const out = fakeOutput(isTTY);
    const safe = safeOutput(out.target, { raw });
    // Cut inside the sequence, as a chunked `logs -f` would.
    await write(safe.stream, OSC52.subarray(0, 1));
    await write(safe.stream, OSC52.subarray(1));
    await safe.finish();
    expect(out.bytes().equals(expected)).toBe(true);
  });

  test("a sequence cut off at the end is written out visibly by finish", async () => {
    const out = fakeOutput(true);
    const safe = safeOutput(out.target);
    await write(safe.stream, Uint8Array.of(0x6f, 0x6b, 0xe6, 0x97));
    expect(out.bytes().toString()).toBe("ok");
    await safe.finish();
    expect(out.bytes().toString()).toBe("ok\\xe6\\x97");
  });

  test("finish after the stream was ended by a pipe resolves", async () => {
    const out = fakeOutput(true);
    const safe = safeOutput(out.target);
    safe.stream.end(Buffer.from("\x1b[2J"));
    await safe.finish();
    await safe.finish();
    expect(out.bytes().toString()).toBe("\\e[2J");
  });
});

describe("terminalLine", () => {
  test.each<[string, boolean, string, string]>([
    ["a terminal sees one visible line", true, "a\x1b[2J\nb", "a\\e[2J\\nb"],
    ["a pipe gets the exact text", false, "a\x1b[2J\nb", "a\x1b[2J\nb"],
  ])("%s", (_, isTTY, input, line) => {
    expect(terminalLine(input, { isTTY })).toBe(line);
  });
});
