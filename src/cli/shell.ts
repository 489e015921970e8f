import { defineCommand } from "citty";
import { requireTools } from "../adapters/host-tools.ts";
import { runAttached } from "../adapters/process.ts";
import { findRunningContainer } from "../services/sessions.ts";
import { instanceArg } from "./_shared.ts";
import { createContext } from "./_context.ts";

export default defineCommand({
  meta: { name: "shell", description: "Open a shell inside a running instance's container, as the app's user" },
  args: { ...instanceArg },
  async run({ args }) {
    const ctx = createContext();
    const container = await findRunningContainer(args.instance, await ctx.connect());
    // The docker CLI handles the terminal (raw mode, resize); a hijacked stream under Bun would not.
    const { docker: dockerCli } = requireTools(["docker"], ctx.env);
    const tty = process.stdin.isTTY && process.stdout.isTTY;
    process.exitCode = await runAttached([dockerCli!, "exec", tty ? "-it" : "-i", container.id, "/bin/bash"]);
  },
});
