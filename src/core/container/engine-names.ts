/** The engines dockercask knows by name; anything else is named by its socket, unix:///path. */
export const ENGINE_NAMES = ["docker", "docker-rootless", "podman", "podman-rootless"] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

/** How a help text or an error lists what `--engine` and config.toml's `engine` take. */
export const ENGINE_FORMS = `${ENGINE_NAMES.join(", ")}, or unix:///path/to/socket`;

/** The engines that run as the user, with no root on the host. */
export const ROOTLESS_ENGINES = ENGINE_NAMES.filter((name) => name.endsWith("-rootless"));
/** The engines that run as root. */
export const ROOTFUL_ENGINES = ENGINE_NAMES.filter((name) => !name.endsWith("-rootless"));

/** `a, b or c`. */
export function listEngines(names: readonly string[], last = "or"): string {
  return names.length < 2 ? names.join("") : `${names.slice(0, -1).join(", ")} ${last} ${names.at(-1)}`;
}

/** `--engine a or --engine b`: the flags a hint offers to pick one of `names`. */
export function engineFlags(names: readonly string[]): string {
  return listEngines(names.map((name) => `--engine ${name}`));
}
