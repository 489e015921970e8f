import { join } from "node:path";

/** Where dockercask keeps things, from the XDG base directory variables (pure: env is passed in). */
export interface DockercaskPaths {
  /** $XDG_CONFIG_HOME/dockercask: config.toml and the user catalog. */
  config: string;
  userApps: string;
  /** $XDG_DATA_HOME/dockercask: instance registrations and homes. The only tree we ever delete in. */
  data: string;
  instances: string;
  homes: string;
}

export type Env = Record<string, string | undefined>;

export function resolvePaths(env: Env): DockercaskPaths {
  const home = env.HOME || "/";
  const configHome = absoluteOr(env.XDG_CONFIG_HOME, join(home, ".config"));
  const dataHome = absoluteOr(env.XDG_DATA_HOME, join(home, ".local/share"));
  const config = join(configHome, "dockercask");
  const data = join(dataHome, "dockercask");
  return {
    config,
    userApps: join(config, "apps"),
    data,
    instances: join(data, "instances"),
    homes: join(data, "homes"),
  };
}

/** The XDG spec says relative values are invalid and must be ignored. */
function absoluteOr(value: string | undefined, fallback: string): string {
  return value?.startsWith("/") ? value : fallback;
}
