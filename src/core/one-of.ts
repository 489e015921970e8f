/** Whether `value` is one of `options`: narrows a string read from a label, a flag or config.toml to its union type. */
export function isOneOf<T extends string>(options: readonly T[], value: unknown): value is T {
  return typeof value === "string" && (options as readonly string[]).includes(value);
}
