// Port: one display's clipboard, as the clipboard bridge (services/clipboard-bridge.ts) uses it.
// adapters/clipboard.ts implements it with xclip and XFixes events.

import type { Selection } from "../core/clipboard.ts";

export type { Selection };

export interface ClipboardSide {
  /** Calls back whenever `selection` gets a new owner (or loses it). Nothing polls. */
  watch(selections: Selection[], onChange: (selection: Selection) => void): Promise<() => void>;
  read(selection: Selection, maxBytes: number): Promise<{ text: string } | { tooLarge: number } | undefined>;
  write(selection: Selection, text: string): Promise<void>;
}
