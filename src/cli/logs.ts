import { defineCommand } from "citty";
import { CONTAINER_LABEL } from "../core/container-spec.ts";
import { NotRunningError } from "../core/errors.ts";
import { parseInstanceName } from "../core/instance-name.ts";
import { instanceArg } from "./_shared.ts";
import { createContext } from "./_context.ts";

export default defineCommand({
  meta: { name: "logs", description: "Show a running instance's output (the app's stdout and stderr)" },
  args: {
    ...instanceArg,
    follow: { type: "boolean", alias: "f", description: "Keep printing new output until the instance ends" },
  },
  async run({ args }) {
    const name = parseInstanceName(args.instance);
    const ctx = createContext();
    const docker = await ctx.connect();
    const container = (await docker.listContainers(`${CONTAINER_LABEL.instance}=${name.full}`))[0];
    if (!container) throw new NotRunningError(name.full);
    await docker.streamLogs(container.id, { follow: Boolean(args.follow), stdout: process.stdout, stderr: process.stderr });
  },
});
