import { defineCommand } from "citty";
import { safeOutput } from "../adapters/terminal.ts";
import { findRunningContainer } from "../services/sessions.ts";
import { createContext } from "./_context.ts";
import { instanceArg } from "./_shared.ts";

export default defineCommand({
  meta: { name: "logs", description: "Show a running instance's output (the app's stdout and stderr)" },
  args: {
    ...instanceArg,
    follow: { type: "boolean", alias: "f", description: "Keep printing new output until the instance ends" },
    raw: { type: "boolean", description: "Print the exact bytes, escape sequences included, even on a terminal" },
  },
  async run({ args }) {
    const docker = await createContext().connect();
    const container = await findRunningContainer(args.instance, docker);
    // The app's bytes are the app's: on a terminal they are shown, never interpreted.
    const stdout = safeOutput(process.stdout, { raw: args.raw });
    const stderr = safeOutput(process.stderr, { raw: args.raw });
    try {
      await docker.streamLogs(container.id, {
        follow: Boolean(args.follow),
        stdout: stdout.stream,
        stderr: stderr.stream,
      });
    } finally {
      await Promise.all([stdout.finish(), stderr.finish()]);
    }
  },
});
