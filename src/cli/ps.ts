import { defineCommand } from "citty";
import { terminalLine } from "../adapters/terminal.ts";
import { formatCpu } from "../core/container/limits.ts";
import { formatNetwork } from "../core/network/net-table.ts";
import { formatBytes } from "../core/text/size.ts";
import { renderTable } from "../core/text/table.ts";
import { formatUptime } from "../core/text/uptime.ts";
import { listRunning } from "../services/sessions.ts";
import { createContext } from "./_context.ts";
import { jsonArg } from "./_shared.ts";

export default defineCommand({
  meta: { name: "ps", description: "List running instances with their display, container, uptime and supervisor" },
  args: { ...jsonArg },
  async run({ args }) {
    const ctx = createContext();
    await ctx.reap();
    const running = await listRunning(await ctx.sessionsDeps());
    if (args.json) {
      process.stdout.write(`${JSON.stringify(running, null, 2)}\n`);
      return;
    }
    if (running.length === 0) {
      process.stdout.write("no instance is running\n");
      return;
    }
    // Every cell is ours or checked (names, a hex id); on a terminal they still go through the
    // one sanitizer, so a column added later cannot carry an escape to the terminal live.
    const image = (stale: boolean | undefined) => (stale === undefined ? "-" : stale ? "stale" : "current");
    const rows = running.map((r) =>
      [
        r.instance,
        r.display === undefined ? "-" : `:${r.display}`,
        r.container ?? "-",
        image(r.staleImage),
        formatUptime(r.uptimeSeconds),
        String(r.supervisorPid),
        r.limits ? formatBytes(r.limits.memoryBytes) : "-",
        r.limits ? formatBytes(r.limits.tmpBytes) : "-",
        r.limits ? formatCpu(r.limits) : "-",
        r.xMemoryBytes === undefined ? "-" : formatBytes(r.xMemoryBytes),
        r.mitShm ?? "-",
        r.network ? formatNetwork(r.network) : "-",
        r.files ?? "-",
      ].map((cell) => terminalLine(cell, process.stdout)),
    );
    process.stdout.write(
      `${renderTable(["INSTANCE", "DISPLAY", "CONTAINER", "IMAGE", "UPTIME", "SUPERVISOR", "MEMORY", "TMP", "CPU", "X MEMORY", "X SHM", "NETWORK", "FILES"], rows)}\n`,
    );
  },
});
