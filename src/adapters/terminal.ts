import { Writable } from "node:stream";
import { createTerminalSanitizer, sanitizeTerminalText } from "../core/text/terminal-text.ts";

/**
 * Where text an app controls is shown. On a terminal it goes through the sanitizer
 * (src/core/terminal-text.ts), so no escape sequence reaches the terminal live. Anything else
 * (a pipe, a file) gets the exact bytes: a program reading them must see what the app wrote.
 *
 * The test is isTTY alone, not isInteractive: CI or TERM=dumb still shows the text to a
 * terminal of some kind, and safety must not depend on them.
 */
function isTerminal(stream: { isTTY?: boolean }): boolean {
  return Boolean(stream.isTTY);
}

/** A text an app controls (a label, a description), fit for one line of `stream`. */
export function terminalLine(text: string, stream: { isTTY?: boolean } = process.stdout): string {
  return isTerminal(stream) ? sanitizeTerminalText(text, { singleLine: true }) : text;
}

export interface SafeOutput {
  stream: NodeJS.WritableStream;
  /** Writes out what the sanitizer still holds (a cut-off sequence) once the bytes have ended. */
  finish(): Promise<void>;
}

/**
 * A byte stream an app controls (its stdout or stderr), written to `target`: sanitized when
 * `target` is a terminal and `raw` is not asked for, else passed through untouched. Each
 * stream gets a sanitizer of its own, so a sequence split across chunks of one stream is
 * caught whatever the other stream does in between.
 */
export function safeOutput(target: NodeJS.WriteStream, options: { raw?: boolean } = {}): SafeOutput {
  if (options.raw || !isTerminal(target)) return { stream: target, finish: async () => {} };
  const sanitizer = createTerminalSanitizer();
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      const text = sanitizer.push(typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk);
      if (!text || target.write(text)) done();
      else target.once("drain", () => done());
    },
    final(done) {
      const text = sanitizer.end();
      if (text) target.write(text, () => done());
      else done();
    },
  });
  return {
    stream,
    finish: () =>
      new Promise<void>((resolve) => {
        if (stream.writableFinished) return resolve();
        stream.once("finish", () => resolve());
        if (!stream.writableEnded) stream.end();
      }),
  };
}
