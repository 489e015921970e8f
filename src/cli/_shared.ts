import type { ArgDef } from "citty";
import { type DockercaskConfig, type InstanceSettings, settingsFor, settingsForApp } from "../core/config/config.ts";
import type { RunTarget } from "../core/instance/name.ts";
import type { BuildOptions } from "../services/build.ts";

/** Argument fragments several commands share. */
export const jsonArg = {
  json: { type: "boolean", description: "Print machine-readable JSON on stdout" },
} as const satisfies Record<string, ArgDef>;

export const buildArgs = {
  // citty reads --no-cache as cache=false, so the flag is declared by its positive name.
  cache: {
    type: "boolean",
    default: true,
    description: "Use Docker's layer cache",
    negativeDescription: "Rebuild from scratch, ignoring Docker's layer cache",
  },
  pull: { type: "boolean", description: "Pull a newer upstream base image (debian) before building" },
  force: { type: "boolean", description: "Rebuild even when the image is up to date with its recipe" },
} as const satisfies Record<string, ArgDef>;

/** The build options `buildArgs` parsed into. */
export function buildOptions(args: { cache: boolean; pull?: boolean; force?: boolean }): BuildOptions {
  return { force: args.force, noCache: args.cache === false, pull: args.pull };
}

export const instanceArg = {
  instance: {
    type: "positional",
    description:
      "Instance: <app> or <app>#<id>, for example firefox#work; deb:<package> makes an app of a Debian package",
    required: true,
  },
} as const satisfies Record<string, ArgDef>;

export const disposableArg = {
  disposable: {
    type: "boolean",
    description: "A throwaway instance of the app, named <app>#tmp-<n>: its home is in memory and gone when it ends",
  },
} as const satisfies Record<string, ArgDef>;

/** The config's settings for the instance, or for a disposable one of the app (its name is not known yet). */
export function configuredFor(config: DockercaskConfig, target: RunTarget): InstanceSettings {
  return target.disposable ? settingsForApp(config, target.app) : settingsFor(config, target.name);
}
