import { join } from "node:path";
import { type DockercaskConfig, emptyConfig, parseConfig } from "../core/config/config.ts";
import type { DockercaskPaths, Env } from "../core/config/paths.ts";
import { ConfigError } from "../core/errors.ts";
import { refusalRules } from "../core/files/shared-folders.ts";
import { runtimeRoot } from "../core/instance/runtime.ts";
import { readIfExists } from "./files.ts";

const CONFIG_FILE_NAME = "config.toml";

function configFilePath(paths: DockercaskPaths): string {
  return join(paths.config, CONFIG_FILE_NAME);
}

/** Reads and checks config.toml. The file is optional: without one, every table is empty. */
export function loadConfig(paths: DockercaskPaths, env: Env): DockercaskConfig {
  const file = configFilePath(paths);
  let text: string | undefined;
  try {
    text = readIfExists(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "EISDIR"
        ? "it is a folder, not a file"
        : code === "EACCES"
          ? "permission denied"
          : (error as Error).message;
    throw new ConfigError(file, [{ problem: `cannot read the config file: ${why}` }], {
      hint: `Make ${file} a file you can read (chmod u+r), or move it aside to run with the defaults.`,
      cause: error,
    });
  }
  if (text === undefined) return emptyConfig();
  // Same fallback as resolvePaths: without HOME, "~" means "/", which the shared-folder check then refuses.
  const home = env.HOME || "/";
  return parseConfig(text, { file, home, refusals: sharedFolderRules(paths, env) });
}

/** What `shared` may not name on this host: dockercask's own folders included, wherever XDG puts them. */
export function sharedFolderRules(paths: DockercaskPaths, env: Env) {
  return refusalRules({ home: env.HOME || "/", config: paths.config, data: paths.data, runtime: runtimeRoot(env) });
}
