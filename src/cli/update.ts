import { defineCommand } from "citty";
import { log } from "../adapters/log.ts";
import { buildApps } from "../services/build.ts";
import { appsToUpdate } from "../services/rebuild.ts";
import { createContext } from "./_context.ts";

export default defineCommand({
  meta: {
    name: "update",
    description:
      "Rebuild images from scratch with a fresh upstream base, to pick up security updates (all built apps, or one)",
  },
  args: {
    app: { type: "positional", description: "Only this app (default: every app that has an image)", required: false },
  },
  async run({ args }) {
    const ctx = createContext();
    const only = args.app === undefined ? undefined : await ctx.resolveApp(args.app);
    const deps = await ctx.buildDeps();
    const apps = await appsToUpdate(only, deps);
    if (apps.length === 0) {
      log.info('no app images are built yet; "dockercask build <app>" builds one');
      return;
    }
    await buildApps(apps, deps, { noCache: true, pull: true });
  },
});
