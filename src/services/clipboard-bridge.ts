import type { ClipboardPolicy } from "../core/catalog/policy.ts";
import { type ClipboardSync, createClipboardSync, otherSide, type Side } from "../core/clipboard/clipboard.ts";
import { describeContent } from "../core/clipboard/content.ts";
import { formatBytes } from "../core/text/size.ts";
import type { ClipboardSide, Selection } from "../ports/clipboard-side.ts";

export interface ClipboardBridgeOptions {
  policy: ClipboardPolicy;
  maxBytes: number;
  /** CLIPBOARD always; PRIMARY (select-to-paste) only when asked for: any selection would leak. */
  selections: Selection[];
  sides: Record<Side, ClipboardSide>;
  log: { info(message: string): void; warn(message: string): void; debug(message: string): void };
  now?: () => number;
  /** Waits this long after a change before reading, so a burst of owner changes costs one read. */
  settleMs?: number;
}

export interface ClipboardBridge {
  stop(): void;
  /** Resolves when no change is waiting or being carried (for tests and benchmarks). */
  idle(): Promise<void>;
}

/**
 * Carries each selection between the host and the instance, as the policy allows. Changes
 * are handled one at a time per selection, so a read never races the write before it.
 */
export async function startClipboardBridge(options: ClipboardBridgeOptions): Promise<ClipboardBridge> {
  const now = options.now ?? (() => performance.now());
  const settleMs = options.settleMs ?? 10;
  const syncs = new Map<Selection, ClipboardSync>(
    options.selections.map((s) => [s, createClipboardSync(options.policy, options.maxBytes)]),
  );
  const running = new Map<Selection, Promise<void>>();
  let stopped = false;

  async function carry(selection: Selection, sync: ClipboardSync): Promise<void> {
    await Bun.sleep(settleMs);
    for (let side = sync.next(); side && !stopped; side = sync.next()) {
      const content = await options.sides[side].read(selection, options.maxBytes).catch(() => undefined);
      const decision = sync.decide(side, content);
      if (decision.action === "copy") {
        await options.sides[decision.to]
          .write(selection, decision.content)
          .catch((e) => options.log.warn(`clipboard: writing to the ${decision.to} failed: ${String(e)}`));
        options.log.debug(`clipboard: ${selection} ${side} -> ${decision.to}: ${describeContent(decision.content)}`);
      } else if (decision.action === "refuse" && decision.reason === "malformed") {
        options.log.warn(
          `clipboard: not carrying the ${side}'s ${decision.target} to the ${otherSide(side)}: its bytes are not an image of that type`,
        );
      } else if (decision.action === "refuse") {
        // A reader stops early, so the full size of what is over the cap is unknown.
        options.log.warn(
          `clipboard: not carrying more than ${options.maxBytes} bytes from the ${side} to the ${otherSide(side)}: over the ${formatBytes(options.maxBytes)} limit`,
        );
      }
    }
  }

  function onChange(side: Side, selection: Selection) {
    const sync = syncs.get(selection);
    if (!sync || stopped) return;
    sync.changed(side, now());
    if (running.has(selection)) return;
    // Changes that arrive while this runs are picked up by its loop (sync.next()).
    const job = carry(selection, sync).finally(() => running.delete(selection));
    running.set(selection, job);
  }

  const watching = await Promise.allSettled(
    (["host", "app"] as const).map((side) =>
      options.sides[side].watch(options.selections, (selection) => onChange(side, selection)),
    ),
  );
  const unwatch = watching.flatMap((w) => (w.status === "fulfilled" ? [w.value] : []));
  const failed = watching.find((w) => w.status === "rejected");
  if (failed) {
    // One side up and the other not (its display closed as the session began): close the one
    // that is up, or its connection would keep this process alive after the session.
    stopped = true;
    for (const close of unwatch) close();
    throw failed.reason;
  }
  // What the host holds already is wanted inside too (as the policy allows): carry it once now.
  // Watching began first, so a copy made meanwhile is seen either way.
  for (const selection of options.selections) onChange("host", selection);
  return {
    stop() {
      stopped = true;
      for (const close of unwatch) close();
    },
    async idle() {
      while (running.size) await Promise.all(running.values());
    },
  };
}
