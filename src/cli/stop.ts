import { defineCommand } from "citty";
import { log } from "../adapters/log.ts";
import { exitsMustNotOverlap } from "../core/container/engine.ts";
import { UsageError } from "../core/errors.ts";
import { listRunning, stopInstances } from "../services/sessions.ts";
import { createContext } from "./_context.ts";

export default defineCommand({
  meta: {
    name: "stop",
    description: "Stop a running instance (or all of them): its window closes and its container goes",
  },
  args: {
    instance: { type: "positional", description: "The instance to stop", required: false },
    all: { type: "boolean", description: "Stop every running instance" },
  },
  async run({ args }) {
    if (!args.instance && !args.all)
      throw new UsageError("name an instance to stop, or pass --all", '"dockercask ps" lists the running instances.');
    if (args.instance && args.all) throw new UsageError("give an instance or --all, not both");
    const ctx = createContext();
    await ctx.reap();
    const deps = await ctx.sessionsDeps();
    const targets = args.all ? (await listRunning(deps)).map((r) => r.instance) : [args.instance!];
    const oneAtATime = targets.length > 1 && exitsMustNotOverlap(await deps.containers.engine());
    await stopInstances(targets, deps, { oneAtATime });
    for (const t of targets) log.success(`stopped ${t}`);
    if (args.all && targets.length === 0) log.info("no instance was running");
  },
});
