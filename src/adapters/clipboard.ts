import type { XDisplay } from "x11";
import { chooseTarget, contentOf, parseTargets, TEXT_TARGET } from "../core/clipboard/content.ts";
import { isOwnerChange } from "../core/clipboard/selection-targets.ts";
import { COOKIE_PROTOCOL } from "../core/x11/xauth.ts";
import type { ClipboardContent, ClipboardRead, ClipboardSide, Selection } from "../ports/clipboard-side.ts";
import {
  type Ask,
  createSelectionTargets,
  resetAtomCache,
  type SelectionTargets,
  type TargetsClient,
} from "./selection-targets.ts";

/** One end of the bridge: an X display and how to authenticate to it. */
export interface SelectionEndpoint {
  display: string;
  /** Env for xclip: DISPLAY and XAUTHORITY for this display. */
  env: Record<string, string | undefined>;
  /**
   * The cookie for the X protocol connection, as hex ("" to send none). Always give it where
   * it is known: without it the x11 package reads XAUTHORITY itself, and throws, fatally and
   * out of reach, when that file exists but cannot be read.
   */
  cookieHex?: string;
}

/** What this adapter uses of an x11 client beyond src/types/x11.d.ts: XFixes, and what selection-targets.ts uses. */
interface SelectionClient extends TargetsClient {
  require(extension: "fixes", callback: (error: unknown, fixes: XFixes) => void): void;
}

interface XFixes {
  firstEvent: number;
  SelectionEventMask: { SetSelectionOwner: number; SelectionWindowDestroy: number; SelectionClientClose: number };
  SelectSelectionInput(window: number, selection: number, mask: number): void;
}

const XCLIP_TIMEOUT_MS = 3000;
const selectionArgs = (selection: Selection) => ["-selection", selection === "CLIPBOARD" ? "clipboard" : "primary"];

/**
 * xclip moves the content, not xsel: Debian's xsel 1.2.0 serves a selection from a daemon
 * that dies on BadWindow when a reader exits right after reading (as every `xsel -o` does),
 * which lost 30-50% of copies here. xclip lost none in the same test.
 */
export function createClipboardSide(endpoint: SelectionEndpoint, xclip = "xclip"): ClipboardSide {
  // The watch's connection, while it is up, also asks owners for their TARGETS.
  let targets: SelectionTargets | undefined;
  return {
    async watch(selections, onChange) {
      const watching = await watchSelections(endpoint, selections, onChange);
      targets = watching.targets;
      return () => {
        if (targets === watching.targets) targets = undefined;
        watching.close();
      };
    },
    read: (selection, maxBytes) => readSelection(endpoint, xclip, selection, maxBytes, targets),
    write: (selection, content) => writeSelection(endpoint, xclip, selection, content),
    // Empty text takes the selection over: its old owner lets go, and a paste gets nothing.
    clear: (selection) => writeSelection(endpoint, xclip, selection, { target: TEXT_TARGET, data: new Uint8Array() }),
  };
}

/**
 * XFixes SelectSelectionInput on the root window: the server sends an event when a selection
 * changes owner, so an idle clipboard costs nothing (no process spawned, no timer).
 */
async function watchSelections(
  endpoint: SelectionEndpoint,
  selections: Selection[],
  onChange: (selection: Selection) => void,
): Promise<{ close: () => void; targets?: SelectionTargets }> {
  const mod = await import("x11");
  const x11 = mod.default ?? mod;
  const auth =
    endpoint.cookieHex === undefined
      ? undefined
      : {
          name: endpoint.cookieHex ? COOKIE_PROTOCOL : "",
          data: Buffer.from(endpoint.cookieHex, "hex").toString("latin1"),
        };
  const display = await new Promise<XDisplay>((resolve, reject) => {
    const client = x11.createClient(
      { display: endpoint.display, disableBigRequests: true, shm: false, ...(auth ? { auth } : {}) } as never,
      (error, d) => (error ? reject(error) : resolve(d)),
    );
    client.on("error", reject);
  });
  const X = display.client as SelectionClient;
  // The display can go away before the watch is set up (its window closed as the session
  // starts): then a request below gets no reply, ever. Fail instead of waiting for one.
  const gone = new Promise<never>((_, reject) => {
    X.once("end", () => reject(new Error(`the display ${endpoint.display} went away`)));
    // An X protocol error (BadWindow, BadAtom: an app can cause them at will) fails only its own
    // request, through that request's callback; only the connection failing fails every ask.
    X.on("error", (error: unknown) => {
      if (!isProtocolError(error)) reject(error);
    });
  });
  gone.catch(() => {});
  const ask: Ask = <T>(request: (callback: (error: unknown, value: T) => void) => void): Promise<T> =>
    Promise.race([
      new Promise<T>((resolve, reject) => request((error, value) => (error ? reject(error) : resolve(value)))),
      gone,
    ]);
  const close = () => {
    try {
      X.terminate();
    } catch {
      // Already closed.
    }
  };
  const root = display.screen[0]!.root;
  let atoms: Map<Selection, number>;
  try {
    atoms = await watchOn(X, root, selections, ask, onChange);
  } catch (error) {
    close();
    throw error;
  }
  // The display going away (Xephyr closed) is the session's business, not an error here.
  X.on("error", () => {});
  // Without it, reads ask with xclip, as `clip push/pull` (which does not watch) always does.
  const targets = await createSelectionTargets(X, root, atoms, ask).catch(() => undefined);
  return { close, targets };
}

/** The x11 package gives an X protocol error its numeric code as `error`; a socket's error has none. */
function isProtocolError(error: unknown): boolean {
  return typeof error === "object" && error !== null && typeof (error as { error?: unknown }).error === "number";
}

async function watchOn(
  X: SelectionClient,
  root: number,
  selections: Selection[],
  ask: Ask,
  onChange: (selection: Selection) => void,
): Promise<Map<Selection, number>> {
  // x11 4.2.2 caches interned atoms in one object shared by every connection: this one gets
  // its own, holding only the protocol's predefined atoms.
  resetAtomCache(X);
  const fixes = await ask<XFixes>((callback) => X.require("fixes", callback));
  const atoms = new Map<Selection, number>();
  for (const selection of selections) {
    const atom = await ask<number>((callback) => X.InternAtom(false, selection, callback));
    atoms.set(selection, atom);
    const mask = fixes.SelectionEventMask;
    fixes.SelectSelectionInput(
      root,
      atom,
      mask.SetSelectionOwner | mask.SelectionWindowDestroy | mask.SelectionClientClose,
    );
  }
  const byAtom = new Map([...atoms].map(([selection, atom]) => [atom, selection]));
  // Only the server's own XFixes event is a change: an app can send any event to our TARGETS
  // window, and an owner's answer there is a core SelectionNotify (core/clipboard/selection-targets.ts).
  X.on("event", (event: { type?: number; rawData?: Uint8Array; selection?: number }) => {
    if (!isOwnerChange(event, fixes.firstEvent) || event.selection === undefined) return;
    const selection = byAtom.get(event.selection);
    if (selection) onChange(selection);
  });
  return atoms;
}

/**
 * Asks the owner what it offers (TARGETS), picks one target (core/clipboard/content.ts: plain
 * text first, else an image) and reads its bytes as they are; stops reading (and says so) past
 * `maxBytes`. Undefined when empty or when nothing offered is carried. An owner that does not
 * answer TARGETS (some old clients) is still asked for text, as before images were carried.
 * TARGETS goes over the watch's connection when there is one, else through xclip.
 */
async function readSelection(
  endpoint: SelectionEndpoint,
  xclip: string,
  selection: Selection,
  maxBytes: number,
  viaX?: SelectionTargets,
): Promise<ClipboardRead> {
  const targets = (await viaX?.ask(selection)) ?? (await targetsByXclip(endpoint, xclip, selection));
  const target = targets.length ? chooseTarget(targets) : TEXT_TARGET;
  if (!target) return undefined;
  const read = await runXclip(endpoint, [xclip, ...selectionArgs(selection), "-o", "-t", target], maxBytes);
  if (!read || "tooLarge" in read) return read;
  return contentOf(target, read.data);
}

async function targetsByXclip(endpoint: SelectionEndpoint, xclip: string, selection: Selection): Promise<string[]> {
  const offered = await runXclip(
    endpoint,
    [xclip, ...selectionArgs(selection), "-o", "-t", "TARGETS"],
    TARGETS_MAX_BYTES,
  );
  return offered && "data" in offered ? parseTargets(new TextDecoder().decode(offered.data)) : [];
}

/** A TARGETS list is a few atom names; more than this is not one. */
const TARGETS_MAX_BYTES = 64 * 1024;

async function runXclip(
  endpoint: SelectionEndpoint,
  argv: string[],
  maxBytes: number,
): Promise<{ data: Uint8Array } | { tooLarge: number } | undefined> {
  const proc = Bun.spawn(argv, {
    env: endpoint.env as Record<string, string>,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "ignore",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), XCLIP_TIMEOUT_MS);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of proc.stdout) {
      size += chunk.length;
      if (size > maxBytes) {
        proc.kill("SIGKILL");
        return { tooLarge: size };
      }
      chunks.push(chunk);
    }
    if ((await proc.exited) !== 0 || size === 0) return undefined;
    return { data: new Uint8Array(Buffer.concat(chunks)) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Hands the bytes to xclip on stdin, offered as their target, and xclip takes the selection and
 * forks to serve it until another client takes it over: the value stays pasteable after the
 * instance is gone.
 */
async function writeSelection(
  endpoint: SelectionEndpoint,
  xclip: string,
  selection: Selection,
  content: ClipboardContent,
): Promise<void> {
  const argv = [xclip, ...selectionArgs(selection), "-i", "-t", content.target];
  // Not a pipe for stderr: the child that serves the selection would hold it open until it quits.
  const proc = Bun.spawn(argv, {
    env: endpoint.env as Record<string, string>,
    stdin: new Blob([content.data]),
    stdout: "ignore",
    stderr: "ignore",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), XCLIP_TIMEOUT_MS);
  const code = await proc.exited;
  clearTimeout(timer);
  // xclip exits 0 once it holds the selection (its child serves it): anything else is a failure.
  if (code !== 0)
    throw new Error(
      `xclip could not take the ${selection} selection on display ${endpoint.display} (${proc.signalCode ? `killed after ${XCLIP_TIMEOUT_MS / 1000} s` : `exit code ${code}`})`,
    );
}
