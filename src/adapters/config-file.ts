import { readFileSync } from "node:fs";
import { join } from "node:path";
import { emptyConfig, parseConfig, type DockercaskConfig } from "../core/config.ts";
import { ConfigError } from "../core/errors.ts";
import type { DockercaskPaths, Env } from "../core/paths.ts";

export const CONFIG_FILE_NAME = "config.toml";

export function configFilePath(paths: DockercaskPaths): string {
  return join(paths.config, CONFIG_FILE_NAME);
}

/** Reads and checks config.toml. The file is optional: without one, every table is empty. */
export function loadConfig(paths: DockercaskPaths, env: Env): DockercaskConfig {
  const file = configFilePath(paths);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return emptyConfig();
    const why = code === "EISDIR" ? "it is a folder, not a file" : code === "EACCES" ? "permission denied" : (error as Error).message;
    throw new ConfigError(file, [{ problem: `cannot read the config file: ${why}` }], {
      hint: `Make ${file} a file you can read (chmod u+r), or move it aside to run with the defaults.`,
      cause: error,
    });
  }
  // Same fallback as resolvePaths: without HOME, "~" means "/", which the shared-folder check then refuses.
  return parseConfig(text, { file, home: env.HOME || "/" });
}
