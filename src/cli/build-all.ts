import { defineCommand } from "citty";
import { log } from "../adapters/log.ts";
import { buildAll, buildAllFailures } from "../services/rebuild.ts";
import { createContext } from "./_context.ts";
import { buildArgs, buildOptions } from "./_shared.ts";
import { reportResults } from "./build.ts";

export default defineCommand({
  meta: { name: "build-all", description: "Build every app in the catalog that is missing or out of date" },
  args: { ...buildArgs },
  async run({ args }) {
    const results = await buildAll(await createContext().buildDeps(), buildOptions(args));
    reportResults(results);
    const { messages, error } = buildAllFailures(results);
    for (const message of messages) log.error(message);
    if (error) throw error;
  },
});
