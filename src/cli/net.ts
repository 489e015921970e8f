import { defineCommand } from "citty";
import { readIfExists } from "../adapters/files.ts";
import { isSameProcessAlive } from "../adapters/process.ts";
import { onTerminate, sleepUnless } from "../adapters/signals.ts";
import { terminalLine } from "../adapters/terminal.ts";
import { NotRunningError } from "../core/errors.ts";
import { changedSince, formatNetwork, NET_COLUMNS, netRow } from "../core/network/net-table.ts";
import { renderTable } from "../core/text/table.ts";
import { type NetDeps, netActivity } from "../services/net.ts";
import { createContext } from "./_context.ts";
import { instanceArg, jsonArg } from "./_shared.ts";

export default defineCommand({
  meta: {
    name: "net",
    description: "List where a running instance's network went: each destination, allowed or refused and why",
  },
  args: {
    ...instanceArg,
    ...jsonArg,
    follow: { type: "boolean", alias: "f", description: "Keep printing new connections until the instance ends" },
  },
  async run({ args }) {
    const deps: NetDeps = {
      runtime: createContext().runtime,
      isAlive: isSameProcessAlive,
      readFile: (path) => readIfExists(path, "utf8"),
    };
    const activity = netActivity(args.instance, deps);
    if (args.json && !args.follow) {
      process.stdout.write(`${JSON.stringify(activity, null, 2)}\n`);
      return;
    }
    const line = (cells: string[]) => terminalLine(cells.join("  "), process.stdout);
    const policy = formatNetwork({ mode: activity.network, allow: activity.allow, only: activity.only });
    process.stdout.write(`${terminalLine(`${activity.instance}: ${policy}`, process.stdout)}\n`);
    const now = Date.now();
    const rows = activity.entries.map((e) => netRow(e, now).map((cell) => terminalLine(cell, process.stdout)));
    process.stdout.write(rows.length ? `${renderTable(NET_COLUMNS, rows)}\n` : "no connection yet\n");
    if (!args.follow) return;

    const stop = new AbortController();
    const unsubscribe = onTerminate(() => stop.abort());
    let seen = activity.entries;
    try {
      while (!stop.signal.aborted) {
        await sleepUnless(1000, stop.signal);
        if (stop.signal.aborted) break;
        let next: typeof seen;
        try {
          next = netActivity(args.instance, deps).entries;
        } catch (error) {
          if (error instanceof NotRunningError) break;
          throw error;
        }
        for (const entry of changedSince(seen, next)) {
          const cells = netRow(entry, Date.now()).slice(0, -1);
          process.stdout.write(
            `${args.json ? JSON.stringify(entry) : line([new Date(entry.last).toISOString().slice(11, 19), ...cells])}\n`,
          );
        }
        seen = next;
      }
    } finally {
      unsubscribe();
    }
  },
});
