import { closeSync, constants, fstatSync, openSync, readSync, type Stats, statSync } from "node:fs";
import { basename } from "node:path";
import { describeFileKind, explainUnsafeFileName, OpenRefusedError, tooLargeError } from "../core/files/open-items.ts";

/**
 * Reads a file the user named for `dockercask open`, whole, refusing anything but a regular
 * file of at most `maxBytes`. A symbolic link named on the command line means its target, as
 * with cp; the copy keeps the name the user typed. The kind is judged before opening (opening
 * a FIFO would block, opening a device may act) and again on the opened descriptor, which
 * must be the same file, so a path swapped in between is refused rather than read.
 */
export function readHostFile(path: string, maxBytes: number): { name: string; data: Uint8Array } {
  const name = basename(path);
  const unsafe = explainUnsafeFileName(path.endsWith("/") ? "" : name);
  if (unsafe) throw new OpenRefusedError(JSON.stringify(path), unsafe);
  let before: Stats;
  try {
    before = statSync(path);
  } catch (error) {
    throw new OpenRefusedError(JSON.stringify(path), explainErrno(error));
  }
  if (!before.isFile()) throw new OpenRefusedError(JSON.stringify(path), describeFileKind(kindOf(before)));
  if (before.size > maxBytes) throw tooLargeError(JSON.stringify(path), before.size, maxBytes, false);
  // O_NONBLOCK: should a FIFO be swapped in after the check, the open still returns, and the
  // fstat below refuses it. O_NOCTTY: a terminal swapped in never becomes ours.
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    throw new OpenRefusedError(JSON.stringify(path), explainErrno(error));
  }
  try {
    const stat = fstatSync(fd);
    if (stat.dev !== before.dev || stat.ino !== before.ino || !stat.isFile())
      throw new OpenRefusedError(JSON.stringify(path), "it was replaced while being checked");
    // One byte more than allowed: a file that grows past the cap while read is refused, not cut.
    const data = Buffer.alloc(Math.min(stat.size, maxBytes) + 1);
    let length = 0;
    while (length < data.length) {
      const read = readSync(fd, data, length, data.length - length, null);
      if (read === 0) break;
      length += read;
    }
    if (length > maxBytes) throw tooLargeError(JSON.stringify(path), length, maxBytes, false);
    return { name, data: new Uint8Array(data.buffer, data.byteOffset, length) };
  } finally {
    closeSync(fd);
  }
}

function kindOf(stat: Stats): Parameters<typeof describeFileKind>[0] {
  if (stat.isDirectory()) return "directory";
  if (stat.isFIFO()) return "fifo";
  if (stat.isSocket()) return "socket";
  if (stat.isCharacterDevice()) return "character-device";
  if (stat.isBlockDevice()) return "block-device";
  return "other";
}

function explainErrno(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "there is no such file";
  if (code === "EACCES") return "you may not read it";
  if (code === "ELOOP") return "its symbolic links go round in a loop";
  return (error as Error).message;
}
