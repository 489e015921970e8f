/**
 * The pure part of asking a selection's owner for its TARGETS over an X connection
 * (adapters/selection-targets.ts does the asking): which events are an answer, and which
 * property contents are a TARGETS list. The owner is untrusted (an app on its own Xephyr can
 * answer anything, or send events to our window at any time), so everything is checked.
 */

/** The predefined ATOM type (id 4 on every server): a TARGETS list is one. */
export const ATOM_TYPE = 4;

/** A TARGETS list is a few dozen atoms; one longer than this is not one. */
const TARGETS_MAX_ATOMS = 1024;

/** What GetProperty answered, as the x11 package hands it over. */
export interface PropertyReply {
  type: number;
  format: number;
  bytesAfter: number;
  data: Uint8Array;
}

/**
 * The atom ids of a TARGETS answer, in the owner's order, without None or repeats; undefined
 * when it is no usable answer: not of type ATOM (INCR, say, or anything an owner made up), not
 * 32-bit, longer than `maxAtoms`, or more than was read (`bytesAfter`).
 */
export function targetAtoms(reply: PropertyReply, maxAtoms = TARGETS_MAX_ATOMS): number[] | undefined {
  if (reply.type !== ATOM_TYPE || reply.format !== 32 || reply.bytesAfter !== 0) return undefined;
  if (reply.data.length % 4 !== 0 || reply.data.length / 4 > maxAtoms) return undefined;
  const view = new DataView(reply.data.buffer, reply.data.byteOffset, reply.data.byteLength);
  const atoms: number[] = [];
  for (let offset = 0; offset < reply.data.length; offset += 4) {
    const atom = view.getUint32(offset, true);
    if (atom !== 0 && !atoms.includes(atom)) atoms.push(atom);
  }
  return atoms;
}

/** The request a SelectionNotify must answer: sent by us for `target` into `property` on `requestor`. */
export interface PendingConversion {
  requestor: number;
  selection: number;
  target: number;
  property: number;
}

/** A core SelectionNotify as the x11 package parses it (XFixes' event has the same name, and no requestor). */
export interface SelectionNotifyEvent {
  type?: number;
  name?: string;
  requestor?: number;
  selection?: number;
  target?: number;
  property?: number;
}

/** The core SelectionNotify event code. */
export const SELECTION_NOTIFY = 31;

/**
 * What an event means for the conversion waiting (if any): "ignore" for anything that does not
 * answer it exactly (another window, selection or target: unsolicited or stale), "refused"
 * when the owner answered None (or named a property we did not ask for), "answered" when the
 * answer is in our property.
 */
export function answerOf(
  event: SelectionNotifyEvent,
  pending: PendingConversion | undefined,
): "ignore" | "refused" | "answered" {
  if (!pending || event.type !== SELECTION_NOTIFY || event.requestor === undefined) return "ignore";
  if (event.requestor !== pending.requestor || event.selection !== pending.selection || event.target !== pending.target)
    return "ignore";
  return event.property === pending.property ? "answered" : "refused";
}

/**
 * Whether an event is XFixes telling that a selection changed owner: its own event code, and
 * not sent by a client (SendEvent sets bit 0x80 of the code). Anything else, a core
 * SelectionNotify above all (the same name in the x11 package), is not a change: counting one
 * would let an app make the bridge read (and carry) on demand, or loop.
 */
export function isOwnerChange(event: { type?: number; rawData?: Uint8Array }, fixesEvent: number): boolean {
  if (event.type !== fixesEvent) return false;
  return event.rawData !== undefined && event.rawData.length > 0 && (event.rawData[0]! & 0x80) === 0;
}
