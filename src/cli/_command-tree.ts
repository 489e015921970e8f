import type { ArgDef, CommandDef, CommandMeta } from "citty";
import type { ArgInfo, CommandInfo } from "../core/commands/command-tree.ts";

type Resolvable<T> = T | Promise<T> | (() => T) | (() => Promise<T>);

/**
 * Any one command, whatever its args. A command's run() takes its own args type, and function
 * parameters are contravariant, so no narrower type accepts them all: citty's own
 * SubCommandsDef holds CommandDef<any> for the same reason.
 */
// biome-ignore lint/suspicious/noExplicitAny: see above; the one place the project names it.
export type AnyCommandDef = CommandDef<any>;

async function resolve<T>(value: Resolvable<T> | undefined): Promise<T | undefined> {
  return typeof value === "function" ? await (value as () => T | Promise<T>)() : await value;
}

/**
 * Reads the citty command definitions into plain data, loading every lazy subcommand.
 * Completion and the man page are built from this, never from a second list of commands.
 */
export async function describeCommandTree(root: AnyCommandDef, path: string[] = []): Promise<CommandInfo> {
  const meta = ((await resolve(root.meta as Resolvable<CommandMeta>)) ?? {}) as CommandMeta;
  const args = ((await resolve(root.args as Resolvable<Record<string, ArgDef>>)) ?? {}) as Record<string, ArgDef>;
  const subs = ((await resolve(root.subCommands as Resolvable<Record<string, Resolvable<AnyCommandDef>>>)) ??
    {}) as Record<string, Resolvable<AnyCommandDef>>;
  const subcommands: CommandInfo[] = [];
  for (const [name, sub] of Object.entries(subs)) {
    const def = await resolve(sub);
    if (def) subcommands.push({ ...(await describeCommandTree(def, [...path, name])), name });
  }
  return {
    name: meta.name ?? path.at(-1) ?? "",
    path,
    description: meta.description ?? "",
    hidden: Boolean(meta.hidden),
    args: Object.entries(args).map(([name, def]) => describeArg(name, def)),
    subcommands,
  };
}

function describeArg(name: string, def: ArgDef): ArgInfo {
  const alias = "alias" in def ? def.alias : undefined;
  const info: ArgInfo = {
    name,
    // citty registers an untyped flag as neither a string nor a boolean: it takes no value of its own.
    kind: def.type ?? "boolean",
    description: def.description ?? "",
    aliases: alias === undefined ? [] : Array.isArray(alias) ? alias : [alias],
    required: def.type === "positional" ? def.required !== false : def.required === true,
  };
  if (def.valueHint) info.valueHint = def.valueHint;
  if ("options" in def && def.options) info.options = [...def.options];
  if (def.default !== undefined) info.default = def.default as string | boolean;
  if ("negativeDescription" in def && def.negativeDescription) info.negativeDescription = def.negativeDescription;
  return info;
}
