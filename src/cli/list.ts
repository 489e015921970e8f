import { defineCommand } from "citty";
import { log } from "../adapters/log.ts";
import { terminalLine } from "../adapters/terminal.ts";
import { describeImageState } from "../core/catalog/image-state.ts";
import { renderTable } from "../core/text/table.ts";
import { listEverything } from "../services/list.ts";
import { listRunning } from "../services/sessions.ts";
import { createContext } from "./_context.ts";
import { jsonArg } from "./_shared.ts";

export default defineCommand({
  meta: { name: "list", description: "List the catalog's apps with their image state, and the added instances" },
  args: { ...jsonArg },
  async run({ args }) {
    const ctx = createContext();
    const listing = await listEverything({
      ...ctx,
      images: ctx.connect,
      running: async () => listRunning(await ctx.sessionsDeps()),
    });
    for (const app of listing.apps) if (app.warning) log.warn(app.warning);
    if (args.json) {
      process.stdout.write(`${JSON.stringify(listing, null, 2)}\n`);
      return;
    }
    if (listing.dockerError) log.warn(`image states unknown: ${listing.dockerError}`);
    const now = new Date();
    // A description is a recipe's label (a user recipe's, maybe a hostile one): on a terminal
    // it is shown, never interpreted. Names are checked, homes are ours, but cost nothing to pass.
    const cell = (text: string) => terminalLine(text, process.stdout);
    const appRows = listing.apps.map((a) =>
      [a.name, a.madeFrom ?? a.source, a.state ? describeImageState(a.state, now) : "unknown", a.description].map(cell),
    );
    const instanceRows = listing.instances.map((i) => [i.name, i.app, i.home].map(cell));
    const out = [
      "APPS",
      renderTable(["NAME", "SOURCE", "IMAGE", "DESCRIPTION"], appRows),
      "",
      "INSTANCES",
      instanceRows.length ? renderTable(["NAME", "APP", "HOME"], instanceRows) : "  (none: dockercask add <app>)",
    ];
    process.stdout.write(`${out.join("\n")}\n`);
  },
});
