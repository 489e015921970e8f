import { defineCommand } from "citty";
import { ENGINE_FORMS } from "../core/container/engine-names.ts";
import { VERSION } from "../version.ts";
import type { AnyCommandDef } from "./_command-tree.ts";

const lazy = (load: () => Promise<{ default: AnyCommandDef }>) => () => load().then((m) => m.default);

/** Each command loads only when it runs, so startup stays flat as commands grow. */
const subCommands = {
  run: lazy(() => import("./run.ts")),
  add: lazy(() => import("./add.ts")),
  remove: lazy(() => import("./remove.ts")),
  list: lazy(() => import("./list.ts")),
  build: lazy(() => import("./build.ts")),
  "build-all": lazy(() => import("./build-all.ts")),
  update: lazy(() => import("./update.ts")),
  ps: lazy(() => import("./ps.ts")),
  stop: lazy(() => import("./stop.ts")),
  open: lazy(() => import("./open.ts")),
  clip: lazy(() => import("./clip.ts")),
  logs: lazy(() => import("./logs.ts")),
  net: lazy(() => import("./net.ts")),
  shell: lazy(() => import("./shell.ts")),
  doctor: lazy(() => import("./doctor.ts")),
  desktop: lazy(() => import("./desktop.ts")),
  completion: lazy(() => import("./completion.ts")),
  // Hidden: the completion scripts' callback.
  __complete: lazy(() => import("./complete.ts")),
};

/** The command tree. */
export const main = defineCommand({
  meta: {
    name: "dockercask",
    version: VERSION,
    description: "Run desktop apps in hardened Docker containers, each in its own Xephyr window",
  },
  args: {
    verbose: { type: "boolean", description: "Show build output and stack traces of errors" },
    engine: { type: "string", description: `Container engine: ${ENGINE_FORMS} (default: the one found)` },
  },
  subCommands,
});

/** The commands a user types, for "did you mean": every one but the hidden callback. */
export const commandNames = Object.keys(subCommands).filter((name) => !name.startsWith("__"));
