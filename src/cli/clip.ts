import { defineCommand } from "citty";
import { log } from "../adapters/log.ts";
import { onTerminate } from "../adapters/signals.ts";
import type { ClipDirection } from "../core/clipboard/clipboard.ts";
import { signalExitCode } from "../core/instance/signals.ts";
import { clip, parseClearAfter } from "../services/clip.ts";
import { createContext } from "./_context.ts";
import { instanceArg } from "./_shared.ts";

const clipArgs = {
  ...instanceArg,
  "clear-after": {
    type: "string",
    valueHint: "SECONDS",
    description:
      "Clear what was moved this many seconds later, unless something else was copied there by then (the command waits)",
  },
} as const;

function clipCommand(direction: ClipDirection, description: string) {
  return defineCommand({
    meta: { name: direction, description },
    args: clipArgs,
    async run({ args }) {
      const clearAfterSeconds = parseClearAfter(args["clear-after"]);
      const result = await clip(direction, args.instance, createContext().clipDeps(), { clearAfterSeconds });
      log.success(
        direction === "push"
          ? `pushed ${result.moved} into ${result.instance}`
          : `pulled ${result.moved} out of ${result.instance}`,
      );
      if (!result.cleared || !result.clearNow) return;
      const where = direction === "push" ? `the clipboard of ${result.instance}` : "the desktop's clipboard";
      log.info(`clearing ${where} in ${clearAfterSeconds} s`);
      // A Ctrl-C, SIGTERM or SIGHUP while waiting clears at once, rather than leaving the value there.
      let signal: string | undefined;
      const unsubscribe = onTerminate((name) => {
        signal ??= name;
        void result.clearNow!().catch(() => undefined);
      });
      let cleared: boolean;
      try {
        cleared = await result.cleared;
      } finally {
        unsubscribe();
      }
      if (signal) {
        log.warn(
          `interrupted by ${signal}: ${cleared ? `cleared ${where} at once` : `${where} holds something else now: left as it is`}`,
        );
        process.exitCode = signalExitCode(signal);
      } else if (cleared) log.success(`cleared ${where}`);
      else log.info(`${where} holds something else now: left as it is`);
    },
  });
}

export default defineCommand({
  meta: {
    name: "clip",
    description: "Move the clipboard once between the desktop and a running instance (for the explicit policy)",
  },
  subCommands: {
    push: clipCommand("push", "Put the desktop's current clipboard (text or an image) into the instance, once"),
    pull: clipCommand("pull", "Bring the instance's current clipboard (text or an image) to the desktop, once"),
  },
});
