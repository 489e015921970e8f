/**
 * The host's file dialogs dockercask shows (`files = "ask"`) on a suite's own desktop: found by
 * the title it gives them, read, and answered with the keyboard, as a user would.
 */
import { expect } from "bun:test";
import { escapeRegex, sh } from "./helpers.ts";
import { waitFor } from "./session.ts";

export function fileDialogsOn(desktop: Record<string, string>) {
  /** The visible dialogs of an instance, by their titles: "<instance> wants to ...". */
  const of = async (instance: string) =>
    (await sh(["xdotool", "search", "--onlyvisible", "--name", `^${escapeRegex(instance)} wants to `], desktop)).stdout
      .split("\n")
      .filter(Boolean);
  const keys = async (window: string, ...args: string[]) =>
    expect((await sh(["xdotool", "windowfocus", "--sync", window, ...args], desktop)).code).toBe(0);
  return {
    of,
    /** The instance's dialog, once zenity mapped it. */
    first: (instance: string) => waitFor(`the file dialog of ${instance}`, async () => (await of(instance))[0]),
    title: async (window: string) => (await sh(["xdotool", "getwindowname", window], desktop)).stdout.trim(),
    /** `path` typed (GTK reads a leading / as a location), then Enter; Enter alone takes what it offers. */
    async answer(window: string, path?: string): Promise<void> {
      if (path) {
        await keys(window, "key", "--clearmodifiers", "ctrl+a", "type", "--delay", "15", path);
        // The location popup of GTK's chooser completes what was typed: let it settle before Enter.
        await Bun.sleep(400);
      }
      await keys(window, "key", "Return");
    },
    cancel: (window: string) => keys(window, "key", "Escape"),
  };
}
