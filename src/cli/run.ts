import { defineCommand } from "citty";
import { DockercaskError } from "../core/errors.ts";

export default defineCommand({
  meta: { name: "run", description: "Run an instance in its own Xephyr window (coming in the next release)" },
  args: { instance: { type: "positional", description: "Instance: <app> or <app>#<id>", required: false } },
  run() {
    throw new DockercaskError("run is not available in this version yet", {
      code: "E_NOT_YET",
      hint: '"dockercask build <app>" and "dockercask add <app>" prepare an instance for it.',
    });
  },
});
