import { homedir, hostname } from "node:os";
import { join } from "node:path";
import { createScreenQuery } from "../core/x11/monitors.ts";
import {
  connectionAddress,
  type DisplayTarget,
  type HostScreen,
  isLocalDisplay,
  parseDisplayName,
  parseXauthority,
  pickCookie,
  type XauthEntry,
} from "../core/x11/setup.ts";
import { readIfExists } from "./files.ts";
import { log } from "./log.ts";

export type { HostScreen };

/** Long enough for a loaded machine, short enough that a hung server does not hang us. */
const CONNECT_TIMEOUT_MS = 2_000;

/**
 * Connects to `display` as any X client would (with the user's Xauthority cookie for it), finds
 * the monitor that holds the pointer (core/x11/monitors.ts: two round trips, the whole screen
 * without RandR) and disconnects. Undefined when the display cannot be reached, refuses us, or
 * does not answer in time: callers fall back to defaults.
 */
export async function queryHostScreen(
  display: string,
  timeoutMs = CONNECT_TIMEOUT_MS,
  env: Record<string, string | undefined> = process.env,
): Promise<HostScreen | undefined> {
  const target = parseDisplayName(display);
  if (!target) return undefined;
  const entries = readXauthority(env);
  return new Promise((resolve) => {
    let settled = false;
    let query: ReturnType<typeof createScreenQuery> | undefined;
    let send: (bytes: Uint8Array) => void = () => {};
    const finish = (screen: HostScreen | undefined) => {
      if (settled) return;
      // Settled before closing: closing reports the end at once, which finishes too.
      settled = true;
      clearTimeout(timer);
      resolve(screen);
      link.close();
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    const link = openLink(target, {
      open(write, peerIp) {
        send = write;
        query = createScreenQuery(pickCookie(entries, connectionAddress(target, hostname(), peerIp)));
        write(query.start());
      },
      data(chunk) {
        const step = query?.receive(chunk);
        if (!step) return;
        if (step.status === "waiting") {
          if (step.send) send(step.send);
          return;
        }
        if (step.refused) log.debug(`the desktop ${display} refused us (${step.refused}): default window size`);
        finish(step.screen);
      },
      end: () => finish(undefined),
    });
  });
}

interface LinkEvents {
  open(write: (bytes: Uint8Array) => void, peerIp?: string): void;
  data(chunk: Uint8Array): void;
  /** Refused, failed or closed: called at most once, and not after close(). */
  end(): void;
}

/**
 * A connection to the X server, closed by close() whatever state it is in. A local display:
 * its socket file, else the abstract socket of the same name (some sandboxes hide
 * /tmp/.X11-unix; Xlib tries both too), through Bun's own sockets, which cost nothing to load.
 * TCP through node:net, whose connection can be dropped while still trying: an unreachable
 * host would otherwise keep this process alive for minutes after the timeout.
 */
function openLink(target: DisplayTarget, on: LinkEvents): { close(): void } {
  let closed = false;
  const end = () => {
    if (!closed) on.end();
    closed = true;
  };
  if (target.transport === "tcp") {
    // Required here, not imported: loading node:net costs a few ms that a local display never needs.
    const { createConnection } = require("node:net") as typeof import("node:net");
    const socket = createConnection({ host: target.host, port: target.port });
    socket.on("connect", () => on.open((bytes) => void socket.write(bytes), socket.remoteAddress));
    socket.on("data", (chunk: Buffer) => on.data(chunk));
    socket.on("error", end);
    socket.on("close", end);
    return {
      close() {
        closed = true;
        socket.destroy();
      },
    };
  }
  let unix: { end(): void } | undefined;
  const socket = {
    open(s: { write(data: Uint8Array): number; end(): void }) {
      if (closed) return void s.end();
      unix = s;
      on.open((bytes) => void s.write(bytes));
    },
    data: (_: unknown, chunk: Uint8Array) => on.data(chunk),
    close: end,
    error: end,
  };
  Bun.connect({ unix: target.path, socket })
    .catch(() => Bun.connect({ unix: `\0${target.path}`, socket }))
    .catch(end);
  return {
    close() {
      closed = true;
      unix?.end();
    },
  };
}

/**
 * The cookie an X client would send to a display on this machine, as hex; "" for none (no
 * Xauthority, an unreadable one, or no entry for it). Undefined for a display elsewhere, whose
 * entry depends on the address it answers from, unless the Xauthority cannot be read at all:
 * then "" too, since whoever reads it next (the x11 package) would throw.
 */
export function localCookieHex(
  display: string,
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  const target = parseDisplayName(display);
  const file = readXauthorityFile(env);
  if (file === "unreadable") return "";
  if (!target || !isLocalDisplay(target)) return undefined;
  const cookie = pickCookie(file ? parseXauthority(file) : [], connectionAddress(target, hostname()));
  return cookie ? Buffer.from(cookie).toString("hex") : "";
}

/** $XAUTHORITY, else ~/.Xauthority, as Xlib reads it; none (or unreadable) means no cookie to send. */
function readXauthority(env: Record<string, string | undefined>): XauthEntry[] {
  const file = readXauthorityFile(env);
  return file instanceof Uint8Array ? parseXauthority(file) : [];
}

function readXauthorityFile(env: Record<string, string | undefined>): Uint8Array | undefined | "unreadable" {
  try {
    return readIfExists(env.XAUTHORITY || join(env.HOME || homedir(), ".Xauthority"));
  } catch {
    return "unreadable";
  }
}
