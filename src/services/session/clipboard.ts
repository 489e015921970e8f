import type { ClipboardPolicy } from "../../core/catalog/policy.ts";
import { watchesClipboard } from "../../core/clipboard/clipboard.ts";
import type { SessionCapability } from "./capability.ts";

/** Carries the clipboard between the host display and the instance's (services/clipboard-bridge.ts). */
export interface ClipboardPort {
  start(options: ClipboardStart): Promise<{ stop(): void }>;
}

/** What the clipboard is carried with: the policy and cap, and the instance's display with its cookie and server auth file. */
export interface ClipboardStart {
  policy: ClipboardPolicy;
  primary: boolean;
  maxBytes: number;
  display: number;
  cookie: string;
  authFile: string;
}

/**
 * The clipboard: after the start and off the path to the window, which does not need it. The
 * window may be closed while it is still connecting; it is then stopped as it comes up.
 */
export function createClipboardCapability(port: ClipboardPort): SessionCapability {
  return {
    name: "clipboard",
    starts: "after-container",
    // Recorded whatever the policy: `clip push/pull` read it, and `explicit` starts no watch.
    record: (plan) => plan.clipboard,
    start({ plan, display, log, isTornDown }) {
      const { clipboard: policy, clipboardMaxBytes } = plan.clipboard;
      // `off` carries nothing, and `explicit` watches nothing: only `clip push/pull` move it.
      if (!watchesClipboard(policy) || display === undefined) return Promise.resolve(undefined);
      const options = {
        policy,
        primary: plan.settings.primary ?? false,
        maxBytes: clipboardMaxBytes,
        display,
        cookie: plan.cookie,
        authFile: plan.authFiles.server,
      };
      // Its stop, as soon as it is up: a teardown that began meanwhile stops it at once.
      return port.start(options).then(
        (bridge) => ({ stop: () => bridge.stop() }),
        (error) => {
          // A failure after the teardown (its display went away) is no news.
          if (!isTornDown()) log.warn(`the clipboard is not shared: ${String(error)}`);
          return undefined;
        },
      );
    },
  };
}
