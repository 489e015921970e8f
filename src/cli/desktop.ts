import { defineCommand } from "citty";
import { log } from "../adapters/log.ts";
import { installDesktopEntry, removeDesktopEntry } from "../services/desktop.ts";
import { createContext } from "./_context.ts";
import { instanceArg } from "./_shared.ts";

const install = defineCommand({
  meta: { name: "install", description: "Add a menu entry (and icon) that runs the instance in its own window" },
  args: { ...instanceArg },
  async run({ args }) {
    const ctx = createContext();
    const result = installDesktopEntry(await ctx.resolveApp(args.instance), ctx.desktopDeps());
    log.success(`menu entry for ${result.name.full}: ${result.entry}`);
  },
});

const remove = defineCommand({
  meta: { name: "remove", description: "Remove the instance's menu entry, and its icon when no other entry uses it" },
  args: { ...instanceArg },
  run({ args }) {
    const result = removeDesktopEntry(args.instance, createContext().desktopDeps());
    if (result.removed) log.success(`removed the menu entry of ${result.name.full}`);
    else log.info(`${result.name.full} has no menu entry`);
  },
});

export default defineCommand({
  meta: { name: "desktop", description: "Add or remove an instance's entry in the desktop's application menu" },
  subCommands: { install, remove },
});
