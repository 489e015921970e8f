import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { lineariseVisualCount } from "../../../scripts/lib/x11-handshake.ts";

const HANDSHAKE = join(import.meta.dir, "../../../node_modules/x11/lib/handshake.js");
const original = readFileSync(HANDSHAKE, "utf8");

/** x11's readVisuals from `source`, fed `n` visuals of 24 bytes by a stand-in reader; what it read, and how often it was done. */
function readVisualsOf(source: string, n: number) {
  const module = { exports: {} as Record<string, unknown> };
  // The module's own readVisuals, exported for the test; `xutil` is not used by it.
  new Function("require", "module", `${source}\nmodule.exports.readVisuals = readVisuals;`)(() => ({}), module);
  const readVisuals = module.exports.readVisuals as (
    bl: unknown,
    visuals: Record<number, unknown>,
    n: number,
    cb: () => void,
  ) => void;
  let next = 0;
  const bl = {
    get(bytes: number, callback: (buf: Buffer) => void) {
      const buf = Buffer.alloc(bytes);
      buf.writeUInt32LE(0x20 + next++, 0);
      callback(buf);
    },
  };
  const visuals: Record<number, unknown> = {};
  let done = 0;
  readVisuals(bl, visuals, n, () => done++);
  return { ids: Object.keys(visuals).map(Number), done, asked: next };
}

describe("the x11 handshake, patched at build time", () => {
  test("the installed package holds the quadratic count once, and the patch takes it out", () => {
    const patched = lineariseVisualCount(original);
    expect(patched).not.toContain("Object.keys(visuals)");
    expect(patched).toContain("if (--n_visuals == 0)");
  });

  test.each([1, 2, 390])("reads %d visuals as the original does, each once, then calls back once", (n) => {
    const control = readVisualsOf(original, n);
    const patched = readVisualsOf(lineariseVisualCount(original), n);
    expect(control).toEqual({ ids: Array.from({ length: n }, (_, i) => 0x20 + i), done: 1, asked: n });
    expect(patched).toEqual(control);
  });

  test("a changed package fails the build instead of shipping unpatched", () => {
    expect(() =>
      lineariseVisualCount(original.replace("Object.keys(visuals).length", "Object.keys(visuals).size")),
    ).toThrow(/exactly once/);
    expect(() => lineariseVisualCount(`${original}\n// if (Object.keys(visuals).length == n_visuals)`)).toThrow(
      /exactly once/,
    );
  });
});
