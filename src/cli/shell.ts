import { defineCommand } from "citty";
import { requireTools } from "../adapters/host-tools.ts";
import { runAttached } from "../adapters/process.ts";
import { findRunningContainer } from "../services/sessions.ts";
import { createContext } from "./_context.ts";
import { instanceArg } from "./_shared.ts";

export default defineCommand({
  meta: { name: "shell", description: "Open a shell inside a running instance's container, as the app's user" },
  args: { ...instanceArg },
  async run({ args }) {
    const ctx = createContext();
    const docker = await ctx.connect();
    const container = await findRunningContainer(args.instance, docker);
    // The docker CLI handles the terminal (raw mode, resize); a hijacked stream under Bun would not.
    const { docker: dockerCli } = requireTools(["docker"], ctx.env);
    const tty = process.stdin.isTTY && process.stdout.isTTY;
    // The engine dockercask chose (--engine, config, detection), which the CLI would not find alone.
    const host = docker.socket.includes("://") ? docker.socket : `unix://${docker.socket}`;
    process.exitCode = await runAttached([
      dockerCli!,
      "-H",
      host,
      "exec",
      tty ? "-it" : "-i",
      container.id,
      "/bin/bash",
    ]);
  },
});
