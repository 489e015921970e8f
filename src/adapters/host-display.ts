import { closeSync, openSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** Facts about the user's desktop, asked of its X server directly (no xdpyinfo needed). */
export interface HostScreen {
  width: number;
  height: number;
  widthMm: number;
  heightMm: number;
}

/** Long enough for a loaded machine, short enough that a hung server does not hang us. */
const CONNECT_TIMEOUT_MS = 2_000;

/**
 * Connects to `display` as any X client would (with the user's XAUTHORITY cookie), reads the
 * first screen from the handshake and disconnects. Undefined when the display cannot be
 * reached, refuses us, or does not answer in time.
 */
export async function queryHostScreen(display: string, timeoutMs = CONNECT_TIMEOUT_MS): Promise<HostScreen | undefined> {
  if (!display || !xauthorityReadable()) return undefined;
  const mod = await import("x11");
  const x11 = mod.default ?? mod;
  return new Promise((resolve) => {
    let settled = false;
    let client: ReturnType<typeof x11.createClient> | undefined;
    const finish = (screen: HostScreen | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // On a timeout the socket may still be connecting; closing what exists is the best we can do.
      try {
        client?.terminate();
      } catch {
        // Never connected, nothing to close.
      }
      resolve(screen);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    try {
      // A plain socket without BIG-REQUESTS: the handshake is all we want.
      client = x11.createClient({ display, disableBigRequests: true, shm: false }, (error, connection) => {
        const screen = connection?.screen?.[0];
        finish(error || !screen ? undefined : { width: screen.pixel_width, height: screen.pixel_height, widthMm: screen.mm_width, heightMm: screen.mm_height });
      });
      // A refused handshake (wrong cookie) arrives as an 'error' event, not through the callback.
      client.on("error", () => finish(undefined));
    } catch {
      finish(undefined);
    }
  });
}

/**
 * x11 4.2.2 throws from an fs callback, uncatchable and fatal, when the cookie file exists but
 * cannot be read (EACCES, EISDIR); only a missing file is handled. So look first, at the same
 * file it would: $XAUTHORITY, else ~/.Xauthority.
 */
function xauthorityReadable(): boolean {
  // process.env, not an env passed in: it is what x11 itself reads.
  const file = process.env.XAUTHORITY || join(homedir(), ".Xauthority");
  try {
    if (!statSync(file).isFile()) return false;
    closeSync(openSync(file, "r"));
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT";
  }
}
