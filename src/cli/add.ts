import { defineCommand } from "citty";
import { log } from "../adapters/log.ts";
import { ensureImage } from "../services/build.ts";
import { installDesktopEntry } from "../services/desktop.ts";
import { addInstance } from "../services/instances.ts";
import { createContext } from "./_context.ts";
import { instanceArg } from "./_shared.ts";

export default defineCommand({
  meta: {
    name: "add",
    description: "Add an instance of an app, with its own persistent home, building its image if missing",
  },
  args: {
    ...instanceArg,
    desktop: { type: "boolean", description: "Also add a menu entry that runs it (like dockercask desktop install)" },
  },
  async run({ args }) {
    const ctx = createContext();
    const { record, created } = await addInstance(await ctx.resolveApp(args.instance), {
      ...ctx,
      prepareImage: async (app) => {
        await ensureImage(app, await ctx.buildDeps(), { log });
      },
    });
    if (created) log.success(`added ${record.name.full} (home: ${record.home})`);
    else log.info(`${record.name.full} was already added (home: ${record.home})`);
    if (args.desktop) log.success(`menu entry: ${installDesktopEntry(record.name.full, ctx.desktopDeps()).entry}`);
  },
});
