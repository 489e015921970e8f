import { readFileSync } from "node:fs";
import { homedir, hostname } from "node:os";
import { join } from "node:path";
import {
  connectionAddress,
  encodeSetupRequest,
  isLocalDisplay,
  parseDisplayName,
  parseSetupReply,
  parseXauthority,
  pickCookie,
  type DisplayTarget,
  type HostScreen,
  type XauthEntry,
} from "../core/x11-setup.ts";

export type { HostScreen };

/** Long enough for a loaded machine, short enough that a hung server does not hang us. */
const CONNECT_TIMEOUT_MS = 2_000;

/**
 * Connects to `display` as any X client would (with the user's Xauthority cookie for it), reads
 * the first screen from the connection setup reply and disconnects. Undefined when the display
 * cannot be reached, refuses us, or does not answer in time: callers fall back to defaults.
 */
export async function queryHostScreen(display: string, timeoutMs = CONNECT_TIMEOUT_MS, env: Record<string, string | undefined> = process.env): Promise<HostScreen | undefined> {
  const target = parseDisplayName(display);
  if (!target) return undefined;
  const entries = readXauthority(env);
  return new Promise((resolve) => {
    let received: Uint8Array = new Uint8Array();
    let socket: { end(): void; write(data: Uint8Array): number } | undefined;
    let settled = false;
    const finish = (screen: HostScreen | undefined) => {
      if (settled) return;
      // Settled before end(): ending calls the close handler at once, which finishes too.
      settled = true;
      clearTimeout(timer);
      resolve(screen);
      socket?.end();
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    const handlers = {
      open(s: { write(data: Uint8Array): number; end(): void; remoteAddress?: string }) {
        if (settled) return void s.end();
        socket = s;
        const cookie = pickCookie(entries, connectionAddress(target, hostname(), s.remoteAddress));
        s.write(encodeSetupRequest(cookie));
      },
      data(_: unknown, chunk: Uint8Array) {
        received = concat(received, chunk);
        const reply = parseSetupReply(received);
        if (reply.status !== "incomplete") finish(reply.status === "accepted" ? reply.screen : undefined);
      },
      close: () => finish(undefined),
      error: () => finish(undefined),
    };
    connect(target, handlers).catch(() => finish(undefined));
  });
}

/**
 * Rejects when nothing answers. A local display: its socket file, else the abstract socket of
 * the same name (some sandboxes hide /tmp/.X11-unix; Xlib tries both too).
 */
async function connect(target: DisplayTarget, socket: Parameters<typeof Bun.connect>[0]["socket"]): Promise<void> {
  if (target.transport === "tcp") return void (await Bun.connect({ hostname: target.host, port: target.port, socket }));
  await Bun.connect({ unix: target.path, socket }).catch(() => Bun.connect({ unix: `\0${target.path}`, socket }));
}

/**
 * The cookie an X client would send to a display on this machine, as hex; "" for none (no
 * Xauthority, an unreadable one, or no entry for it). Undefined for a display elsewhere,
 * whose entry depends on the address it answers from.
 */
export function localCookieHex(display: string, env: Record<string, string | undefined> = process.env): string | undefined {
  const target = parseDisplayName(display);
  if (!target || !isLocalDisplay(target)) return undefined;
  const cookie = pickCookie(readXauthority(env), connectionAddress(target, hostname()));
  return cookie ? Buffer.from(cookie).toString("hex") : "";
}

/** $XAUTHORITY, else ~/.Xauthority, as Xlib reads it; none (or unreadable) means no cookie to send. */
function readXauthority(env: Record<string, string | undefined>): XauthEntry[] {
  try {
    return parseXauthority(readFileSync(env.XAUTHORITY || join(env.HOME || homedir(), ".Xauthority")));
  } catch {
    return [];
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return new Uint8Array(b);
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}
