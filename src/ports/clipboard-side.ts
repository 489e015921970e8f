// Port: one display's clipboard, as the clipboard bridge (services/clipboard-bridge.ts) and
// `clip push/pull` (services/clip.ts) use it. adapters/clipboard.ts implements it with xclip and
// XFixes events.

import type { Selection } from "../core/clipboard/clipboard.ts";
import type { ClipboardContent } from "../core/clipboard/content.ts";

export type { ClipboardContent, Selection };

/** `tooLarge`: more than the cap (read no further); `malformed`: an image whose bytes are not of its type (not carried). */
export type ClipboardRead = ClipboardContent | { tooLarge: number } | { malformed: string } | undefined;

export interface ClipboardSide {
  /** Calls back whenever `selection` gets a new owner (or loses it). Nothing polls. */
  watch(selections: Selection[], onChange: (selection: Selection) => void): Promise<() => void>;
  /** What the selection holds, as the one target chosen from what its owner offers; undefined when empty. */
  read(selection: Selection, maxBytes: number): Promise<ClipboardRead>;
  write(selection: Selection, content: ClipboardContent): Promise<void>;
  /** Leaves the selection holding nothing: what was there can no longer be pasted. */
  clear(selection: Selection): Promise<void>;
}
