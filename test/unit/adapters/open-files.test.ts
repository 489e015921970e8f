import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readHostFile } from "../../../src/adapters/open-files.ts";
import { OpenRefusedError } from "../../../src/core/files/open-items.ts";

const dir = mkdtempSync(join(tmpdir(), "dockercask-open-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, "a.txt"), "hello\n");
writeFileSync(join(dir, "big.bin"), Buffer.alloc(4096, 1));
symlinkSync(join(dir, "a.txt"), join(dir, "link.txt"));
symlinkSync(join(dir, "nowhere"), join(dir, "dangling"));
mkdirSync(join(dir, "folder"));
Bun.spawnSync(["mkfifo", join(dir, "fifo")]);
const server = createServer().listen(join(dir, "sock"));
afterAll(() => server.close());

describe("readHostFile", () => {
  test("reads a regular file whole, under the name given", () => {
    const file = readHostFile(join(dir, "a.txt"), 1024);
    expect(file.name).toBe("a.txt");
    expect(Buffer.from(file.data).toString()).toBe("hello\n");
  });

  test("a symbolic link named on the command line means its target, under the link's name", () => {
    const file = readHostFile(join(dir, "link.txt"), 1024);
    expect([file.name, Buffer.from(file.data).toString()]).toEqual(["link.txt", "hello\n"]);
  });

  test("exactly at the cap is fine", () => {
    expect(readHostFile(join(dir, "big.bin"), 4096).data.length).toBe(4096);
  });

  test.each([
    ["a FIFO (read without blocking)", "fifo", 1024, /FIFO/],
    ["a socket", "sock", 1024, /socket/],
    ["a folder", "folder", 1024, /folder/],
    ["a folder named with a slash", "folder/", 1024, /no file name/],
    ["a device", "/dev/null", 1024, /device/],
    ["a missing file", "missing", 1024, /no such file/],
    ["a dangling link", "dangling", 1024, /no such file/],
    ["a file over the cap", "big.bin", 4095, /4096 bytes; the limit is 4095 bytes/],
  ])("refuses %s", (_, name, cap, reason) => {
    const path = name.startsWith("/") ? name : join(dir, name);
    expect(() => readHostFile(path, cap)).toThrow(OpenRefusedError);
    expect(() => readHostFile(path, cap)).toThrow(reason);
  });
});
