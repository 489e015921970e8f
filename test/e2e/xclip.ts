/**
 * The test side of a clipboard: xclip on a display (the desktop's, or with its cookie an
 * instance's), as dockercask itself moves content: xsel 1.2.0's daemon dies when a reader leaves
 * quickly. Bytes pass untouched, as one target.
 */
export async function copyOn(env: Record<string, string>, data: Uint8Array, target: string): Promise<void> {
  const proc = Bun.spawn(["xclip", "-selection", "clipboard", "-t", target, "-i"], {
    env: { ...process.env, ...env },
    stdin: new Blob([data]),
    stdout: "ignore",
    stderr: "ignore",
  });
  await proc.exited;
}

export async function pasteOn(env: Record<string, string>, target: string): Promise<Uint8Array> {
  const proc = Bun.spawn(["xclip", "-selection", "clipboard", "-o", "-t", target], {
    env: { ...process.env, ...env },
    stdout: "pipe",
    stderr: "ignore",
  });
  const bytes = new Uint8Array(await new Response(proc.stdout).arrayBuffer());
  await proc.exited;
  return bytes;
}

/** Text, as UTF8_STRING. */
export const copyText = (env: Record<string, string>, text: string) =>
  copyOn(env, new TextEncoder().encode(text), "UTF8_STRING");
export const pasteText = async (env: Record<string, string>) =>
  new TextDecoder().decode(await pasteOn(env, "UTF8_STRING"));
