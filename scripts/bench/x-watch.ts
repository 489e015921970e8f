/**
 * The window watcher, shared by the startup benchmark and the scale one so that "mapped" is
 * decided the same way for dockercask and for the floor; and the cookie files it connects with,
 * in the Xauthority format of the project's own parser (src/core/x11-setup.ts).
 */
import { readFileSync } from "node:fs";
import x11 from "x11";
import { encodeXauthority, FAMILY, parseXauthority } from "../../src/core/x11/setup.ts";
import { COOKIE_PROTOCOL } from "../../src/core/x11/xauth.ts";
import { fail } from "./errors.ts";

const now = () => performance.now();

/** One FamilyWild MIT-MAGIC-COOKIE-1 entry, as an Xauthority file. */
export function xauthorityEntry(cookie: Uint8Array): Uint8Array {
  return encodeXauthority([
    { family: FAMILY.wild, address: new Uint8Array(), number: "", name: COOKIE_PROTOCOL, data: cookie },
  ]);
}

/** The MIT cookie of an Xauthority file, as the latin1 string the x11 package sends. */
export function readCookie(file: string): string {
  const entry = parseXauthority(readFileSync(file)).find((e) => e.name === COOKIE_PROTOCOL);
  return entry ? Buffer.from(entry.data).toString("latin1") : fail(`no ${COOKIE_PROTOCOL} in ${file}`);
}

// ---------------------------------------------------------------------------------------------
// The window watcher: one X connection to the nested display. It listens for
// SubstructureNotify on the root (and on each new top-level window, for a window manager's
// frame) and walks the tree on every event, plus every POLL_MS as a safety net. "Mapped" is
// the start of the first walk that finds a window of the app's class with map state Viewable.

export interface WatchStats {
  walks: number;
  events: number;
  walkMs: number;
}

export interface Watch {
  mapped: Promise<number>;
  stats: WatchStats;
  close(): void;
}

// The untyped corners of the x11 client this script uses.
interface XRequests {
  QueryTree(wid: number, cb: (err: Error | null, tree: { children: number[] }) => void): void;
  GetWindowAttributes(wid: number, cb: (err: Error | null, attrs: { mapState: number }) => void): void;
  GetProperty(
    del: number,
    wid: number,
    prop: number,
    type: number,
    offset: number,
    length: number,
    cb: (err: Error | null, prop: { data: Buffer }) => void,
  ): void;
  ChangeWindowAttributes(wid: number, values: { eventMask: number }, cb?: (err: Error | null) => void): void;
}

const XA_WM_CLASS = 67;
const ANY_PROPERTY_TYPE = 0;
const VIEWABLE = 2;
const SUBSTRUCTURE_NOTIFY = 0x00080000;

export function watchForWindow(display: number, cookie: string, options: { appClass: string; pollMs: number }): Watch {
  const { appClass: APP_CLASS, pollMs: POLL_MS } = options;
  const stats: WatchStats = { walks: 0, events: 0, walkMs: 0 };
  let client: ReturnType<typeof x11.createClient> | undefined;
  let timer: Timer | undefined;
  let closed = false;
  const close = () => {
    closed = true;
    clearInterval(timer);
    try {
      client?.terminate();
    } catch {
      // Not connected yet.
    }
  };
  const mapped = new Promise<number>((resolve, reject) => {
    const options = {
      display: `:${display}`,
      disableBigRequests: true,
      shm: false as const,
      auth: { name: COOKIE_PROTOCOL, data: cookie },
    };
    let connected = false;
    client = x11.createClient(options, (error, dpy) => {
      if (error) return reject(error);
      connected = true;
      const X = dpy.client as unknown as XRequests & typeof dpy.client;
      const root = dpy.screen[0]!.root;
      const call = <T>(fn: (cb: (err: Error | null, value: T) => void) => void) =>
        new Promise<T>((ok, ko) => fn((err, value) => (err ? ko(err) : ok(value))));
      const isApp = async (wid: number) => {
        const [attrs, prop] = await Promise.all([
          call<{ mapState: number }>((cb) => X.GetWindowAttributes(wid, cb)),
          call<{ data: Buffer }>((cb) => X.GetProperty(0, wid, XA_WM_CLASS, ANY_PROPERTY_TYPE, 0, 64, cb)),
        ]);
        const names = prop.data.toString("latin1").toLowerCase().split("\0");
        return attrs.mapState === VIEWABLE && names.includes(APP_CLASS);
      };
      // Top-level windows and one level below (a window manager's frame holds the app).
      const walk = async () => {
        const top = (await call<{ children: number[] }>((cb) => X.QueryTree(root, cb))).children;
        const checks = top.map(async (wid) => {
          const inner = await call<{ children: number[] }>((cb) => X.QueryTree(wid, cb)).then(
            (t) => t.children,
            () => [],
          );
          const found = await Promise.all([wid, ...inner].map((w) => isApp(w).catch(() => false)));
          return found.some(Boolean);
        });
        return (await Promise.all(checks)).some(Boolean);
      };
      let busy = false;
      let again = false;
      const trigger = async () => {
        if (closed) return;
        if (busy) {
          again = true;
          return;
        }
        busy = true;
        do {
          again = false;
          const started = now();
          const found = await walk().catch(() => false);
          stats.walks++;
          stats.walkMs += now() - started;
          if (found && !closed) {
            resolve(started);
            close();
            return;
          }
        } while (again && !closed);
        busy = false;
      };
      client!.on("event", (event: { name: string; parent?: number; wid?: number }) => {
        stats.events++;
        if (event.name === "CreateNotify" && event.parent === root && event.wid)
          X.ChangeWindowAttributes(event.wid, { eventMask: SUBSTRUCTURE_NOTIFY }, () => {});
        void trigger();
      });
      // A window destroyed while we look at it answers BadWindow: expected, not a failure.
      client!.on("error", () => {});
      X.ChangeWindowAttributes(root, { eventMask: SUBSTRUCTURE_NOTIFY });
      void trigger();
      if (POLL_MS > 0) timer = setInterval(() => void trigger(), POLL_MS);
    });
    // Only a failure to connect fails the watch; later errors are windows that went away.
    client.on("error", (error: Error) => {
      if (!connected) reject(error);
    });
  });
  return { mapped, stats, close };
}
