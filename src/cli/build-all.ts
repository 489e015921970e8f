import { defineCommand } from "citty";
import { log } from "../adapters/log.ts";
import { runnableApps } from "../core/catalog.ts";
import { DockercaskError } from "../core/errors.ts";
import { buildApps } from "../services/build.ts";
import { buildArgs, buildOptions } from "./_shared.ts";
import { createContext } from "./_context.ts";
import { reportResults } from "./build.ts";

export default defineCommand({
  meta: { name: "build-all", description: "Build every app in the catalog that is missing or out of date" },
  args: { ...buildArgs },
  async run({ args }) {
    const ctx = createContext();
    const apps = runnableApps(ctx.catalog).map((a) => a.name);
    // One app that cannot build (a vendor's server out of reach) must not stop the others.
    const results = await buildApps(apps, await ctx.buildDeps(), { ...buildOptions(args), keepGoing: true });
    reportResults(results);
    const failed = results.filter((r) => r.action === "failed" || r.action === "skipped");
    for (const r of failed) log.error(r.action === "failed" ? r.error.message : `${r.app} was not built: the image it is built FROM (${r.parent}) failed`);
    if (failed.length) {
      throw new DockercaskError(`${failed.length} app${failed.length === 1 ? "" : "s"} did not build: ${failed.map((r) => r.app).join(", ")}`, {
        code: "E_BUILD",
        hint: "Their errors are above. Vendor apps (chrome, spotify, slack) need their vendor's server at build time.",
      });
    }
  },
});
