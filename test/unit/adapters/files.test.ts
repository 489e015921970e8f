import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readIfExists, removeIfExists, writeFileAtomically } from "../../../src/adapters/files.ts";

const dir = mkdtempSync(join(tmpdir(), "dockercask-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("writeFileAtomically", () => {
  test.each([
    ["a new file", "new.txt", undefined, 0o600],
    ["over an old one", "old.txt", "old text", 0o644],
  ])("writes %s with its mode, and leaves no temporary file", (_, name, before, mode) => {
    const sub = join(dir, `write-${name}`);
    mkdirSync(sub);
    const path = join(sub, name);
    if (before !== undefined) writeFileSync(path, before);
    writeFileAtomically(path, "fresh", mode);
    expect(readFileSync(path, "utf8")).toBe("fresh");
    if (before === undefined) expect(statSync(path).mode & 0o777).toBe(mode);
    expect(readdirSync(sub)).toEqual([name]);
  });
});

describe("readIfExists and removeIfExists", () => {
  test("a missing file is undefined, and removing it is false", () => {
    expect(readIfExists(join(dir, "missing"), "utf8")).toBeUndefined();
    expect(readIfExists(join(dir, "missing"))).toBeUndefined();
    expect(removeIfExists(join(dir, "missing"))).toBe(false);
  });

  test("a file is read (as text or bytes) and removed", () => {
    const path = join(dir, "present");
    writeFileSync(path, "here");
    expect(readIfExists(path, "utf8")).toBe("here");
    expect(readIfExists(path)?.toString()).toBe("here");
    expect(removeIfExists(path)).toBe(true);
    expect(readIfExists(path)).toBeUndefined();
  });

  test.each<[string, () => unknown]>([
    ["reading a folder", () => readIfExists(dir, "utf8")],
    ["removing a folder", () => removeIfExists(dir)],
  ])("any other failure throws: %s", (_, act) => {
    expect(act).toThrow();
  });
});
