import { defineCommand } from "citty";
import { runnableApps } from "../core/catalog.ts";
import { buildApps } from "../services/build.ts";
import { buildArgs } from "./_shared.ts";
import { createContext } from "./_context.ts";
import { reportResults } from "./build.ts";

export default defineCommand({
  meta: { name: "build-all", description: "Build every app in the catalog that is missing or out of date" },
  args: { ...buildArgs },
  async run({ args }) {
    const ctx = createContext();
    const apps = runnableApps(ctx.catalog).map((a) => a.name);
    reportResults(await buildApps(apps, await ctx.buildDeps(), { force: args.force, noCache: args["no-cache"], pull: args.pull }));
  },
});
