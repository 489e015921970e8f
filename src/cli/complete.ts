import { defineCommand } from "citty";
import { loadCatalog } from "../adapters/catalog.ts";
import { createInstanceStore } from "../adapters/instance-store.ts";
import { splitAtDashDash } from "../core/argv.ts";
import { appPolicy, runnableApps } from "../core/catalog/catalog.ts";
import { complete, formatCandidates } from "../core/commands/completion.ts";
import { resolvePaths } from "../core/config/paths.ts";
import { describeCommandTree } from "./_command-tree.ts";

/**
 * The callback of the completion scripts: `dockercask __complete -- <words...>` prints what
 * may come next, one `value<TAB>description` per line. It reads only local files (the catalog
 * and the instance records): no Docker, no cleanup, nothing written.
 */
export default defineCommand({
  meta: { name: "__complete", description: "Complete a command line (used by the completion scripts)", hidden: true },
  async run({ rawArgs }) {
    const words = splitAtDashDash(rawArgs).after ?? rawArgs;
    const { main } = await import("./index.ts");
    const paths = resolvePaths(process.env);
    const names = {
      apps: () => {
        const catalog = loadCatalog(paths);
        return runnableApps(catalog).map((app) => {
          const policy = appPolicy(catalog, app);
          return { value: app.name, description: policy.ok ? policy.policy.description : "" };
        });
      },
      instances: () =>
        createInstanceStore(paths)
          .list()
          .map((r) => ({ value: r.name.full, description: `added instance of ${r.name.app}` })),
    };
    const output = formatCandidates(complete(await describeCommandTree(main), words.length ? words : [""], names));
    if (output) process.stdout.write(`${output}\n`);
  },
});
