import { expect, test } from "bun:test";
import { extract } from "tar-stream";
import { createBuildContext, entryMode } from "../../../../src/core/catalog/build-context.ts";

async function readTar(bytes: Uint8Array): Promise<Record<string, { mode: number; text: string }>> {
  const out: Record<string, { mode: number; text: string }> = {};
  const ex = extract();
  ex.on("entry", (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: unknown) => chunks.push(c as Buffer));
    stream.on("end", () => {
      out[header.name] = { mode: header.mode ?? 0, text: Buffer.concat(chunks).toString() };
      next();
    });
  });
  const done = new Promise<void>((resolve) => ex.on("finish", () => resolve()));
  ex.end(Buffer.from(bytes));
  await done;
  return out;
}

test("holds every file with its text, scripts executable", async () => {
  const files = { Dockerfile: "FROM x\n", "bin/start": "#!/bin/sh\necho hi\n", "conf/ünïcode.conf": "a = ✓\n" };
  const entries = await readTar(await createBuildContext(files));
  expect(entries).toEqual({
    Dockerfile: { mode: 0o644, text: "FROM x\n" },
    "bin/start": { mode: 0o755, text: "#!/bin/sh\necho hi\n" },
    "conf/ünïcode.conf": { mode: 0o644, text: "a = ✓\n" },
  });
});

test("is byte-for-byte deterministic, so Docker's cache hits", async () => {
  const files = { b: "2", a: "1" };
  const first = await createBuildContext(files);
  await Bun.sleep(5);
  expect(Buffer.from(await createBuildContext({ a: "1", b: "2" })).equals(Buffer.from(first))).toBe(true);
});

test.each([
  ["#!/bin/sh\n", 0o755],
  ["FROM x", 0o644],
  ["", 0o644],
])("entryMode(%p)", (content, mode) => {
  expect(entryMode(content)).toBe(mode);
});
