import { pack } from "tar-stream";

/**
 * The docker build context for an app, made in memory from its files: no temp dirs, and
 * the same bytes under `bun test`, `bun run` and the compiled binary.
 *
 * tar-stream rather than Bun.Archive: Bun.Archive cannot set per-entry modes, and entry
 * point scripts must be executable inside the image.
 */
export async function createBuildContext(files: Record<string, string>): Promise<Uint8Array> {
  const tar = pack();
  const chunks: Uint8Array[] = [];
  tar.on("data", (chunk: unknown) => chunks.push(chunk as Uint8Array));
  const ended = new Promise<void>((resolve, reject) => {
    tar.on("end", resolve);
    tar.on("error", reject);
  });
  for (const path of Object.keys(files).sort()) {
    const content = files[path]!;
    // Fixed mtime and owner: identical recipes give identical contexts, so Docker's cache hits.
    tar.entry({ name: path, mode: entryMode(content), mtime: new Date(0), uid: 0, gid: 0 }, content);
  }
  tar.finalize();
  await ended;
  return Buffer.concat(chunks);
}

/** Scripts (a `#!` first line) are executable; everything else is plain data. */
export function entryMode(content: string): number {
  return content.startsWith("#!") ? 0o755 : 0o644;
}
