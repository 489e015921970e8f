import { defineCommand } from "citty";
import { renderTable } from "../core/table.ts";
import { listRunning } from "../services/sessions.ts";
import { jsonArg } from "./_shared.ts";
import { createContext } from "./_context.ts";

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
    const image = (stale: boolean | undefined) => (stale === undefined ? "-" : stale ? "stale" : "current");
    const rows = running.map((r) => [r.instance, r.display === undefined ? "-" : `:${r.display}`, r.container ?? "-", image(r.staleImage), formatUptime(r.uptimeSeconds), String(r.supervisorPid)]);
    process.stdout.write(`${renderTable(["INSTANCE", "DISPLAY", "CONTAINER", "IMAGE", "UPTIME", "SUPERVISOR"], rows)}\n`);
  },
});

function formatUptime(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h ? `${h}h${String(m).padStart(2, "0")}m` : m ? `${m}m${String(s).padStart(2, "0")}s` : `${s}s`;
}
