import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInstanceStore, removeInside } from "../../../src/adapters/instance-store.ts";
import { resolvePaths } from "../../../src/core/config/paths.ts";
import { UnsafePathError } from "../../../src/core/errors.ts";
import { parseInstanceName } from "../../../src/core/instance/name.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "dockercask-store-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("instance store", () => {
  test("register, list, unregister; the home survives unregister", () => {
    const paths = resolvePaths({ HOME: dir });
    const store = createInstanceStore(paths);
    const name = parseInstanceName("xeyes#work");
    const record = store.register(name);
    expect(record.home).toBe(join(dir, ".local/share/dockercask/homes/xeyes#work"));
    expect(statSync(record.home).mode & 0o777).toBe(0o700);
    expect(store.list().map((r) => r.name.full)).toEqual(["xeyes#work"]);
    expect(readdirSync(paths.instances)).toEqual(["xeyes#work.json"]);
    store.unregister(name);
    expect(store.list()).toEqual([]);
    expect(existsSync(record.home)).toBe(true);
  });

  test("ignores corrupt or foreign files in the registry", () => {
    const paths = resolvePaths({ HOME: dir });
    mkdirSync(paths.instances, { recursive: true });
    writeFileSync(join(paths.instances, "junk.json"), "{not json");
    writeFileSync(join(paths.instances, "evil.json"), JSON.stringify({ app: "../../etc", id: "" }));
    expect(createInstanceStore(paths).list()).toEqual([]);
  });
});

describe("removeInside", () => {
  test("deletes a tree, but only unlinks symbolic links: their targets survive", () => {
    const root = join(dir, "homes");
    const outside = join(dir, "precious");
    mkdirSync(join(root, "app/sub"), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(outside, "keep.txt"), "mine");
    writeFileSync(join(root, "app/sub/file"), "x");
    symlinkSync(outside, join(root, "app/link-to-dir"));
    symlinkSync(join(outside, "keep.txt"), join(root, "app/sub/link-to-file"));
    removeInside(root, join(root, "app"));
    expect(existsSync(join(root, "app"))).toBe(false);
    expect(readdirSync(outside)).toEqual(["keep.txt"]);
  });

  test("a home that is itself a symlink is unlinked, not followed", () => {
    const root = join(dir, "homes");
    const outside = join(dir, "precious");
    mkdirSync(root);
    mkdirSync(outside);
    writeFileSync(join(outside, "keep.txt"), "mine");
    symlinkSync(outside, join(root, "app"));
    removeInside(root, join(root, "app"));
    expect(readdirSync(outside)).toEqual(["keep.txt"]);
  });

  test.each([
    ["..", "../precious"],
    ["nested", "a/b"],
  ])("refuses a target that is not directly inside the root (%s)", (_, rel) => {
    const root = join(dir, "homes");
    mkdirSync(root);
    expect(() => removeInside(root, join(root, rel))).toThrow(UnsafePathError);
  });

  test("a missing target is fine", () => {
    mkdirSync(join(dir, "homes"));
    expect(() => removeInside(join(dir, "homes"), join(dir, "homes", "gone"))).not.toThrow();
  });
});
