import type { ClipboardPolicy } from "../catalog/policy.ts";
import { type ClipboardContent, sameContent } from "./content.ts";

export type { ClipboardContent };

/**
 * The clipboard bridge between the host desktop and one instance's Xephyr, as a pure state
 * machine. The adapter tells it when a side's selection changed owner (XFixes events, so
 * nothing is polled while idle) and what the side then holds; it answers what to do.
 *
 * - Echoes: writing to a side makes that side report a change too. What we last wrote to each
 *   side is remembered, so reading it back from that side is recognised and dropped; a value
 *   the user copies there themselves (even the same text again, later) is not.
 * - Concurrent changes: when both sides changed before we got to them, the side that changed
 *   last is read first. If it holds a new value, that is carried over and the older change on
 *   the other side is superseded: both sides end up holding the newer value. If it was only an
 *   echo of our own write, the other side's change is still carried.
 * - A change on the other side while one side is being read (a read spawns xclip, which takes
 *   a while under load): what the other side holds now may be newer than what was read, so it
 *   is not overwritten unseen. The read value is deferred: the other side is read first, and
 *   this side again after it, unless the other side's value superseded it. (That change may
 *   also be only our own earlier write, reported late: then it is an echo, and the deferred side
 *   is carried on its second read.)
 * - Empty or cleared: an owner that went away (an app quit) is not carried over: it would wipe
 *   a clipboard the user still wants.
 * - Duplicates: a value the other side already holds by our own write (read again, say, because
 *   the host's clipboard was carried in at start and its change event came after) is not written
 *   there again: the second write could land after a copy the user made there meanwhile.
 * - Content is bytes of one target (text or an image, see clipboard-content.ts), compared byte
 *   for byte: an image is an echo only when it is the same type with the same bytes.
 */
export type Side = "host" | "app";

export const DEFAULT_MAX_CLIPBOARD_BYTES = 1024 * 1024;
/** The largest `clipboard-max`: clipboard values travel through memory and pipes; past this, copying is a mistake. */
export const MAX_CLIPBOARD_BYTES = 64 * 1024 * 1024;

/** The X selections the bridge can carry: CLIPBOARD (Ctrl+C) and PRIMARY (what is highlighted). */
export type Selection = "CLIPBOARD" | "PRIMARY";

/**
 * The selections an instance's bridge carries. PRIMARY only when asked for: it changes with every
 * highlight, so carrying it by default would hand an app whatever the user merely selects.
 */
export function clipboardSelections(primary: boolean): Selection[] {
  return primary ? ["CLIPBOARD", "PRIMARY"] : ["CLIPBOARD"];
}

/** What flows by itself, as the bridge watches: nothing under `explicit` or `off`. */
export function allowedDirections(policy: ClipboardPolicy): { toApp: boolean; fromApp: boolean } {
  return { toApp: policy === "both" || policy === "to-app", fromApp: policy === "both" || policy === "from-app" };
}

/** Whether the session watches the clipboard at all (a bridge runs beside the instance). */
export function watchesClipboard(policy: ClipboardPolicy): boolean {
  const { toApp, fromApp } = allowedDirections(policy);
  return toApp || fromApp;
}

export type ClipDirection = "push" | "pull";

/**
 * Whether `clip push` (desktop -> instance) or `clip pull` (instance -> desktop) may move the
 * clipboard once. Only where the policy lets that direction through anyway, or under `explicit`,
 * which exists for it: a one-shot push must not open a door the policy keeps shut (a `from-app`
 * password manager never gets the desktop's clipboard, not even by command), and `off` is off.
 */
export function clipAllowed(policy: ClipboardPolicy, direction: ClipDirection): boolean {
  if (policy === "explicit") return true;
  const { toApp, fromApp } = allowedDirections(policy);
  return direction === "push" ? toApp : fromApp;
}

export function otherSide(side: Side): Side {
  return side === "host" ? "app" : "host";
}

export type ClipboardDecision =
  | { action: "copy"; to: Side; content: ClipboardContent }
  | { action: "ignore"; reason: "echo" | "empty" | "policy" | "deferred" | "duplicate" }
  | { action: "refuse"; reason: "too-large"; bytes: number }
  | { action: "refuse"; reason: "malformed"; target: string };

export interface ClipboardSync {
  /** A side's selection changed owner at `at` (ms). */
  changed(side: Side, at: number): void;
  /** The side to read next: the one that changed last. */
  next(): Side | undefined;
  /** What `side` holds now (undefined when empty or unreadable): carry it over, or not. */
  decide(
    side: Side,
    content: ClipboardContent | { tooLarge: number } | { malformed: string } | undefined,
  ): ClipboardDecision;
}

export function createClipboardSync(policy: ClipboardPolicy, maxBytes = DEFAULT_MAX_CLIPBOARD_BYTES): ClipboardSync {
  const directions = allowedDirections(policy);
  const pending = new Map<Side, number>();
  // Per side: the content we wrote there and have not seen replaced since.
  const written: Record<Side, ClipboardContent | undefined> = { host: undefined, app: undefined };
  let chosenAt = -Infinity;
  return {
    changed(side, at) {
      // A side we may not read from is never read: its changes are not even looked at.
      if (side === "host" ? !directions.toApp : !directions.fromApp) return;
      pending.set(side, Math.max(at, pending.get(side) ?? -Infinity));
    },
    next() {
      let newest: Side | undefined;
      for (const [side, at] of pending) if (newest === undefined || at > pending.get(newest)!) newest = side;
      if (newest === undefined) return undefined;
      chosenAt = pending.get(newest)!;
      pending.delete(newest);
      return newest;
    },
    decide(side, content) {
      const allowed = side === "host" ? directions.toApp : directions.fromApp;
      if (!allowed) return { action: "ignore", reason: "policy" };
      if (!content || ("data" in content && content.data.length === 0)) {
        // Empty: what we wrote there is gone (its owner quit), so the side no longer holds it.
        written[side] = undefined;
        return { action: "ignore", reason: "empty" };
      }
      if ("tooLarge" in content) return { action: "refuse", reason: "too-large", bytes: content.tooLarge };
      if ("malformed" in content) return { action: "refuse", reason: "malformed", target: content.malformed };
      if (sameContent(content, written[side])) return { action: "ignore", reason: "echo" };
      // The side holds something of its own now: a later read of our old content there is genuine.
      written[side] = undefined;
      const other = otherSide(side);
      if ((pending.get(other) ?? -Infinity) > chosenAt) {
        // The other side changed after the change just read: read it first, then this side again.
        pending.set(side, Math.max(chosenAt, pending.get(side) ?? -Infinity));
        return { action: "ignore", reason: "deferred" };
      }
      // The other side holds this already, by our own write, not replaced since: writing it again
      // would only race a copy made there meanwhile (which the write would overwrite). Only where
      // the other side is read: a side the policy never reads may hold anything by now.
      const otherRead = other === "host" ? directions.toApp : directions.fromApp;
      if (otherRead && sameContent(content, written[other])) return { action: "ignore", reason: "duplicate" };
      if (content.data.length > maxBytes) return { action: "refuse", reason: "too-large", bytes: content.data.length };
      written[other] = content;
      // What the other side held before this change is superseded; a later change there is not.
      if ((pending.get(other) ?? Infinity) <= chosenAt) pending.delete(other);
      return { action: "copy", to: other, content };
    },
  };
}
