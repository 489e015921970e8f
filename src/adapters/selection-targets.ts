import type { XClient } from "x11";
import { CARRIED_TARGETS } from "../core/clipboard/content.ts";
import {
  answerOf,
  type PendingConversion,
  type PropertyReply,
  type SelectionNotifyEvent,
  targetAtoms,
} from "../core/clipboard/selection-targets.ts";
import { withTimeout } from "../core/with-timeout.ts";
import type { Selection } from "../ports/clipboard-side.ts";

/**
 * Asks a selection's owner what it offers (TARGETS) over an X connection that is open anyway
 * (the clipboard watch's), instead of spawning `xclip -o -t TARGETS` for every read: that
 * spawn was about half of a copy's fan-out time at ten instances.
 */
export interface SelectionTargets {
  /**
   * The names the owner offers, in its order; [] when it refused, gave no usable answer or none
   * in time (read as an owner that does not answer TARGETS); undefined when this connection
   * cannot ask (it closed, or `selection` is not one it watches): ask some other way.
   */
  ask(selection: Selection): Promise<string[] | undefined>;
}

/** What this module uses of an x11 client beyond src/types/x11.d.ts. */
export interface TargetsClient extends XClient {
  atoms: Record<string, number>;
  atom_names: Record<number, string>;
  AllocID(): number;
  CreateWindow(
    id: number,
    parent: number,
    x: number,
    y: number,
    width: number,
    height: number,
    border: number,
    depth: number,
    windowClass: number,
    visual: number,
    values: object,
  ): void;
  DestroyWindow(id: number): void;
  ReleaseID(id: number): void;
  ConvertSelection(requestor: number, selection: number, target: number, property: number, time: number): void;
  GetProperty(
    del: number,
    window: number,
    property: number,
    type: number,
    longOffset: number,
    longLength: number,
    callback: (error: unknown, reply: PropertyReply) => void,
  ): void;
  InternAtom(onlyIfExists: boolean, name: string, callback: (error: unknown, atom: number) => void): void;
}

/** One request on the connection, as a promise that fails when the display goes away. */
export type Ask = <T>(request: (callback: (error: unknown, value: T) => void) => void) => Promise<T>;

/** The whole exchange (owner's answer, property) gets this long: an owner that never answers, or an app grabbing its server, costs one second. */
const ANSWER_TIMEOUT_MS = 1000;
const INPUT_ONLY = 2;
const ANY_PROPERTY_TYPE = 0;
/** The protocol's predefined atoms, ids 1-68, the same on every server. */
const PREDEFINED_ATOMS_MAX = 68;

/**
 * Cuts the x11 package's atom caches back to the predefined atoms. It shares them between
 * connections, so a second display would get the first one's CLIPBOARD id. (It also adds every
 * name it fetches; a connection of ours fetches none: it interns a fixed set of names.)
 */
export function resetAtomCache(X: Pick<TargetsClient, "atoms" | "atom_names">): void {
  X.atoms = Object.fromEntries(Object.entries(X.atoms).filter(([, id]) => id <= PREDEFINED_ATOMS_MAX));
  X.atom_names = Object.fromEntries(Object.entries(X.atoms).map(([name, id]) => [id, name]));
}

/**
 * One unmapped InputOnly window of ours receives the answers, into one property of ours.
 * One conversion at a time: answers are matched by window, selection and target. After
 * anything but a clean answer the window is destroyed, with whatever an owner left on it, its
 * id given back (else every failed ask would use one up), and the next ask makes a new one.
 * A late or forged answer can at worst pass for the next one's: any client may write our
 * property, so what is read is never trusted beyond a list of the targets we carry anyway.
 */
export async function createSelectionTargets(
  X: TargetsClient,
  root: number,
  selections: Map<Selection, number>,
  ask: Ask,
): Promise<SelectionTargets> {
  const targetsAtom = await ask<number>((callback) => X.InternAtom(false, "TARGETS", callback));
  const property = await ask<number>((callback) => X.InternAtom(false, "DOCKERCASK_TARGETS", callback));
  // The names we could carry, interned once: an answer's atoms are looked up here and nowhere
  // else, so an owner offering thousands of fresh atoms with 64 KiB names costs nothing.
  const names = new Map<number, string>([[targetsAtom, "TARGETS"]]);
  for (const name of CARRIED_TARGETS)
    names.set(await ask<number>((callback) => X.InternAtom(false, name, callback)), name);
  let closed = false;
  let window = 0;
  let pending: { conversion: PendingConversion; settle: (answer: "refused" | "answered") => void } | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  X.on("event", (event: SelectionNotifyEvent) => {
    if (!pending) return;
    const answer = answerOf(event, pending.conversion);
    if (answer !== "ignore") pending.settle(answer);
  });
  X.once("end", () => {
    closed = true;
  });

  const discard = (id: number) => {
    if (window !== id || closed) return;
    window = 0;
    try {
      X.DestroyWindow(id);
      X.ReleaseID(id);
    } catch {
      // The connection is closing.
    }
  };

  async function convert(selection: number, requestor: number): Promise<string[] | undefined> {
    const conversion = { requestor, selection, target: targetsAtom, property };
    const answer = new Promise<"refused" | "answered">((settle) => {
      pending = { conversion, settle };
    });
    // CurrentTime: we ask about whoever owns it now, which is what the change we saw was.
    X.ConvertSelection(requestor, selection, targetsAtom, property, 0);
    if ((await answer) !== "answered") return undefined;
    const reply = await ask<PropertyReply>((callback) =>
      X.GetProperty(1, requestor, property, ANY_PROPERTY_TYPE, 0, 1024, callback),
    );
    return targetAtoms(reply)?.flatMap((atom) => names.get(atom) ?? []);
  }

  async function attempt(name: Selection): Promise<string[] | undefined> {
    const selection = selections.get(name);
    if (closed || selection === undefined) return undefined;
    let requestor = window;
    try {
      if (!requestor) {
        requestor = window = X.AllocID();
        X.CreateWindow(requestor, root, -1, -1, 1, 1, 0, 0, INPUT_ONLY, 0, {});
      }
      const offered = await withTimeout(
        convert(selection, requestor),
        ANSWER_TIMEOUT_MS,
        () => new Error("no answer in time"),
      );
      if (offered) return offered;
    } catch {
      // No answer in time, or the server refused a request (an app destroyed our window).
    } finally {
      pending = undefined;
    }
    discard(requestor);
    return closed ? undefined : [];
  }

  return {
    ask(selection) {
      const run = queue.then(() => attempt(selection));
      queue = run.catch(() => {});
      return run;
    },
  };
}
