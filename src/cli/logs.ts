import { defineCommand } from "citty";
import { findRunningContainer } from "../services/sessions.ts";
import { instanceArg } from "./_shared.ts";
import { createContext } from "./_context.ts";

export default defineCommand({
  meta: { name: "logs", description: "Show a running instance's output (the app's stdout and stderr)" },
  args: {
    ...instanceArg,
    follow: { type: "boolean", alias: "f", description: "Keep printing new output until the instance ends" },
  },
  async run({ args }) {
    const docker = await createContext().connect();
    const container = await findRunningContainer(args.instance, docker);
    await docker.streamLogs(container.id, { follow: Boolean(args.follow), stdout: process.stdout, stderr: process.stderr });
  },
});
