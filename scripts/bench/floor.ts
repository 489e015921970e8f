/**
 * The floor's parts, shared by the startup benchmark (scripts/bench.ts) and the scale one
 * (scripts/bench/scale.ts): cookie files written by hand, Xephyr's display number read from
 * -displayfd, a plain `docker run` translated from the container spec dockercask would send,
 * and the window watcher that decides "mapped" the same way for dockercask and for the floor.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import x11 from "x11";
import type { buildContainerSpec } from "../../src/core/container-spec.ts";

export class BenchError extends Error {}

export function fail(message: string): never {
  throw new BenchError(message);
}

const now = () => performance.now();
type Proc = ReturnType<typeof Bun.spawn>;

// ---------------------------------------------------------------------------------------------
// Cookies: the binary Xauthority format, one FamilyWild MIT-MAGIC-COOKIE-1 entry.

const COOKIE_NAME = "MIT-MAGIC-COOKIE-1";

export function xauthorityEntry(cookie: Uint8Array): Buffer {
  const field = (bytes: Uint8Array) => {
    const length = Buffer.alloc(2);
    length.writeUInt16BE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  const family = Buffer.from([0xff, 0xff]);
  return Buffer.concat([family, field(new Uint8Array()), field(new Uint8Array()), field(Buffer.from(COOKIE_NAME)), field(cookie)]);
}

/** The MIT cookie of an Xauthority file, as the latin1 string the x11 package sends. */
export function readCookie(file: string): string {
  const buf = readFileSync(file);
  let offset = 0;
  while (offset + 2 <= buf.length) {
    offset += 2;
    const fields: Buffer[] = [];
    for (let i = 0; i < 4; i++) {
      const length = buf.readUInt16BE(offset);
      fields.push(buf.subarray(offset + 2, offset + 2 + length));
      offset += 2 + length;
    }
    if (fields[2]!.toString("latin1") === COOKIE_NAME) return fields[3]!.toString("latin1");
  }
  return fail(`no ${COOKIE_NAME} in ${file}`);
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
  GetProperty(del: number, wid: number, prop: number, type: number, offset: number, length: number, cb: (err: Error | null, prop: { data: Buffer }) => void): void;
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
    const options = { display: `:${display}`, disableBigRequests: true, shm: false as const, auth: { name: COOKIE_NAME, data: cookie } };
    let connected = false;
    client = x11.createClient(options, (error, dpy) => {
      if (error) return reject(error);
      connected = true;
      const X = dpy.client as unknown as XRequests & typeof dpy.client;
      const root = dpy.screen[0]!.root;
      const call = <T>(fn: (cb: (err: Error | null, value: T) => void) => void) => new Promise<T>((ok, ko) => fn((err, value) => (err ? ko(err) : ok(value))));
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
        if (event.name === "CreateNotify" && event.parent === root && event.wid) X.ChangeWindowAttributes(event.wid, { eventMask: SUBSTRUCTURE_NOTIFY }, () => {});
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

export async function readDisplayNumber(proc: Proc): Promise<number | undefined> {
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes("\n")) {
    const next = await reader.read();
    if (next.done) return undefined;
    text += decoder.decode(next.value, { stream: true });
  }
  // Keep draining, so Xephyr never blocks on a full pipe.
  void (async () => {
    while (!(await reader.read().catch(() => ({ done: true }))).done);
  })();
  const match = /^\s*(\d+)\s*$/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

let seccomp: { file: string; json: string } | undefined;

/** A file holding the seccomp profile `json`, in the sandbox (removed with it): written by the first floor run, reused by the next. */
function seccompFile(json: string, dir: string): string {
  if (seccomp?.json !== json) {
    const file = join(dir, "seccomp.json");
    writeFileSync(file, json);
    seccomp = { file, json };
  }
  return seccomp.file;
}

/** The container spec dockercask would send to the Engine API, as `docker run` flags. */
export function dockerRunArgs(spec: ReturnType<typeof buildContainerSpec>, name: string, label: string, dir: string): string[] {
  const { HostConfig: host = {}, Image, Cmd, Hostname, User, WorkingDir, Env, Labels: _labels, name: _name, ...rest } = spec;
  if (Object.keys(rest).length) fail(`the floor does not know how to pass ${Object.keys(rest).join(", ")} to docker run`);
  const args = ["--rm", "--name", name, "--label", label];
  if (Hostname) args.push("--hostname", Hostname);
  if (User) args.push("--user", User);
  if (WorkingDir) args.push("--workdir", WorkingDir);
  for (const e of Env ?? []) args.push("--env", e);
  for (const [key, value] of Object.entries(host)) {
    if (value === undefined) continue;
    switch (key) {
      case "Binds":
        for (const b of value as string[]) args.push("--volume", b);
        break;
      case "CapDrop":
        for (const c of value as string[]) args.push("--cap-drop", c);
        break;
      case "CapAdd":
        for (const c of value as string[]) args.push("--cap-add", c);
        break;
      case "SecurityOpt":
        for (const s of value as string[]) {
          // The Engine API takes a seccomp profile inline; the docker CLI wants a file.
          if (s.startsWith("seccomp={")) args.push("--security-opt", `seccomp=${seccompFile(s.slice("seccomp=".length), dir)}`);
          else args.push("--security-opt", s);
        }
        break;
      case "Init":
        if (value) args.push("--init");
        break;
      case "PidsLimit":
        args.push("--pids-limit", String(value));
        break;
      case "ReadonlyRootfs":
        if (value) args.push("--read-only");
        break;
      case "Tmpfs":
        for (const [path, o] of Object.entries(value as Record<string, string>)) args.push("--tmpfs", `${path}:${o}`);
        break;
      case "ShmSize":
        args.push("--shm-size", String(value));
        break;
      case "IpcMode":
        args.push("--ipc", String(value));
        break;
      case "NetworkMode":
        args.push("--network", String(value));
        break;
      case "Devices":
        for (const d of value as { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }[]) args.push("--device", `${d.PathOnHost}:${d.PathInContainer}:${d.CgroupPermissions}`);
        break;
      case "Memory":
        args.push("--memory", String(value));
        break;
      case "MemorySwap":
        args.push("--memory-swap", String(value));
        break;
      case "CpuShares":
        args.push("--cpu-shares", String(value));
        break;
      case "NanoCpus":
        args.push("--cpus", String((value as number) / 1e9));
        break;
      case "AutoRemove":
        break; // --rm above: the floor's own teardown is docker rm -f anyway
      default:
        fail(`the floor does not know how to pass HostConfig.${key} to docker run`);
    }
  }
  // No --entrypoint: the image's own, so the window manager starts before the app, as in dockercask.
  return [...args, Image!, ...(Cmd as string[])];
}
