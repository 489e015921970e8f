import { defineCommand } from "citty";
import { log } from "../adapters/log.ts";
import { UsageError } from "../core/errors.ts";
import { parseAppName } from "../core/instance/name.ts";
import { type BuildResult, buildApps } from "../services/build.ts";
import { createContext } from "./_context.ts";
import { buildArgs, buildOptions } from "./_shared.ts";

export default defineCommand({
  meta: { name: "build", description: "Build app images (and the base they need) when missing or out of date" },
  args: {
    app: { type: "positional", description: "One or more apps", required: false },
    ...buildArgs,
  },
  async run({ args }) {
    if (args._.length === 0)
      throw new UsageError("name at least one app to build", '"dockercask build-all" builds every app.');
    const ctx = createContext();
    const apps: string[] = [];
    for (const name of args._) apps.push(parseAppName(await ctx.resolveApp(name)));
    reportResults(await buildApps(apps, await ctx.buildDeps(), buildOptions(args)));
  },
});

export function reportResults(results: BuildResult[]): void {
  for (const r of results) {
    if (r.action === "up-to-date") log.info(`${r.image} is up to date`);
    if ((r.action === "built" || r.action === "up-to-date") && r.ignoredLabels) log.warn(r.ignoredLabels);
  }
}
