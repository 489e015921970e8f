import { defineCommand } from "citty";
import { log } from "../adapters/log.ts";
import { parseRunTarget } from "../core/instance/name.ts";
import { openInInstance } from "../services/open.ts";
import { createContext } from "./_context.ts";
import { configuredFor, disposableArg } from "./_shared.ts";

export default defineCommand({
  meta: {
    name: "open",
    description:
      "Copy files into an instance's ~/Inbox (or pass URLs) and ask its app to open them, starting it when needed",
  },
  args: {
    instance: {
      type: "positional",
      description: "Instance (or, with --disposable, app) that opens them, for example evince or firefox#work",
      required: true,
    },
    items: {
      type: "positional",
      description: "Files to copy in, and http, https or mailto URLs (none: the app opens, as from its menu entry)",
      required: false,
    },
    ...disposableArg,
  },
  async run({ args }) {
    const items = args._.slice(1);
    const ctx = createContext();
    const target = parseRunTarget(await ctx.resolveApp(args.instance), args.disposable);
    const result = await openInInstance(target, items, ctx.openDeps(), {
      configured: configuredFor(ctx.config(), target),
    });
    for (const opened of result.opened) log.info(`${result.instance} opens ${opened}`);
    if (!result.session) return;
    // This process started the instance, so it supervises it, as `run` would.
    const ended = await result.session;
    log.info(`${ended.instance} ended`);
    process.exitCode = ended.exitCode;
  },
});
