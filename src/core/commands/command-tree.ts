/**
 * The command line as plain data: every command, its arguments and its subcommands, read
 * once from the citty definitions (src/cli/_command-tree.ts). Shell completion and the man
 * page are both made from this, so neither can say something `--help` does not.
 */
export type ArgKind = "positional" | "boolean" | "string" | "enum";

export interface ArgInfo {
  name: string;
  kind: ArgKind;
  description: string;
  /** Short or alternative names, without dashes (`f` for `-f`). */
  aliases: string[];
  /** What a value looks like (`WxH`), for string flags and positionals. */
  valueHint?: string;
  /** The allowed values of an enum flag. */
  options?: string[];
  required: boolean;
  default?: string | boolean;
  /** Set when citty documents a `--no-<name>` form of a boolean flag. */
  negativeDescription?: string;
}

export interface CommandInfo {
  name: string;
  /** The words that invoke it after the program name: [] for the root, ["desktop", "install"]. */
  path: string[];
  description: string;
  /** Internal commands (the completion callback): callable, never listed. */
  hidden: boolean;
  args: ArgInfo[];
  subcommands: CommandInfo[];
}

export const PROGRAM = "dockercask";

export function positionals(command: CommandInfo): ArgInfo[] {
  return command.args.filter((a) => a.kind === "positional");
}

export function flags(command: CommandInfo): ArgInfo[] {
  return command.args.filter((a) => a.kind !== "positional");
}

export function visibleSubcommands(command: CommandInfo): CommandInfo[] {
  return command.subcommands.filter((c) => !c.hidden);
}

/** Every command below `root` (not the root itself), depth first, in declaration order. */
export function walkCommands(root: CommandInfo, options: { includeHidden?: boolean } = {}): CommandInfo[] {
  const out: CommandInfo[] = [];
  const visit = (command: CommandInfo) => {
    for (const sub of command.subcommands) {
      if (sub.hidden && !options.includeHidden) continue;
      out.push(sub);
      visit(sub);
    }
  };
  visit(root);
  return out;
}

/** Whether a boolean flag also has a documented `--no-<name>` form (citty's own rule for usage). */
export function hasNegativeForm(arg: ArgInfo): boolean {
  return (
    arg.kind === "boolean" && (arg.default === true || Boolean(arg.negativeDescription)) && !/^no[-A-Z]/.test(arg.name)
  );
}

/** Whether a positional must be given, by citty's rule: required unless `required: false` or defaulted. */
export function isRequiredPositional(arg: ArgInfo): boolean {
  return arg.required && arg.default === undefined;
}

/**
 * The usage line as `--help` prints it, without colour:
 * `dockercask run [OPTIONS] <INSTANCE>`, `dockercask desktop install|remove`.
 */
export function usageLine(command: CommandInfo): string {
  const parts = [PROGRAM, ...command.path];
  const hasOptions = command.args.length > 0;
  if (hasOptions) parts.push("[OPTIONS]");
  for (const arg of positionals(command)) {
    const name = arg.name.toUpperCase();
    parts.push(isRequiredPositional(arg) ? `<${name}>` : `[${name}]`);
  }
  const subs = visibleSubcommands(command);
  if (subs.length) parts.push(subs.map((s) => s.name).join("|"));
  return parts.join(" ");
}
