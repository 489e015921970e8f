import { defineCommand } from "citty";
import { log } from "../adapters/log.ts";
import { runnableApps } from "../core/catalog.ts";
import { DockercaskError, isDockercaskError } from "../core/errors.ts";
import { buildApps } from "../services/build.ts";
import { buildArgs } from "./_shared.ts";
import { createContext } from "./_context.ts";
import { reportResults } from "./build.ts";

export default defineCommand({
  meta: { name: "build-all", description: "Build every app in the catalog that is missing or out of date" },
  args: { ...buildArgs },
  async run({ args }) {
    const ctx = createContext();
    const deps = await ctx.buildDeps();
    const options = { force: args.force, noCache: args.cache === false, pull: args.pull };
    // One app that cannot build (a vendor's server out of reach) must not stop the others.
    const failed: string[] = [];
    for (const app of runnableApps(ctx.catalog).map((a) => a.name)) {
      try {
        reportResults(await buildApps([app], deps, options));
      } catch (error) {
        if (!isDockercaskError(error) || error.code !== "E_BUILD") throw error;
        log.error(error.message);
        failed.push(app);
      }
    }
    if (failed.length) {
      throw new DockercaskError(`${failed.length} app${failed.length === 1 ? "" : "s"} did not build: ${failed.join(", ")}`, {
        code: "E_BUILD",
        hint: "Their errors are above. Vendor apps (chrome, spotify, slack) need their vendor's server at build time.",
      });
    }
  },
});
