import { defineCommand } from "citty";
import { isInteractive, log } from "../adapters/log.ts";
import { removeDesktopEntry } from "../services/desktop.ts";
import { removeInstance } from "../services/instances.ts";
import { createContext } from "./_context.ts";
import { instanceArg } from "./_shared.ts";

export default defineCommand({
  meta: {
    name: "remove",
    description: "Remove an instance and its menu entry; its home is kept unless --purge is given",
  },
  args: {
    ...instanceArg,
    purge: { type: "boolean", description: "Also delete the instance's home and everything in it" },
    yes: {
      type: "boolean",
      alias: "y",
      description: "Do not ask for confirmation (needed for --purge without a terminal)",
    },
  },
  async run({ args }) {
    const ctx = createContext();
    const interactive = isInteractive(process.stdin) && isInteractive(process.stderr);
    const result = await removeInstance(args.instance, ctx, {
      purge: Boolean(args.purge),
      yes: Boolean(args.yes),
      confirm: interactive
        ? async (question) =>
            (await log.prompt(question, { type: "confirm", initial: false, cancel: "default" })) === true
        : undefined,
    });
    if (result.purged) log.success(`removed ${result.removed.full} and deleted its home`);
    else log.success(`removed ${result.removed.full}; its home is kept at ${result.home} (--purge deletes it)`);
    if (removeDesktopEntry(result.removed.full, ctx.desktopDeps()).removed)
      log.success(`removed the menu entry of ${result.removed.full}`);
  },
});
