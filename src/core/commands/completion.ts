/**
 * Shell completion, decided here once for every shell. The bash, zsh and fish scripts
 * (completion-scripts.ts) are thin: they hand the words typed so far to the hidden
 * `dockercask __complete` and show what it prints. So commands and flags come from the
 * same citty definitions as `--help`, and app and instance names from the live catalog and
 * instance store, with nothing to regenerate when either changes.
 */
import {
  type ArgInfo,
  type CommandInfo,
  flags,
  hasNegativeForm,
  positionals,
  visibleSubcommands,
} from "./command-tree.ts";

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

export interface Candidate {
  value: string;
  description: string;
}

/** The names completion offers, read only when a word needs them. */
export interface CompletionNames {
  /** Runnable catalog apps, with their descriptions. */
  apps(): Candidate[];
  /** Instances that were added (`dockercask add`), which includes every one that ever ran. */
  instances(): Candidate[];
}

/**
 * Commands whose <INSTANCE> may be one that does not exist yet: they add it (or, for a menu
 * entry, its first run does). Every other command takes an instance that was added.
 */
const CREATES_INSTANCE = new Set(["run", "add", "desktop install", "open"]);

/** Commands whose last positional repeats (`build <app...>`); citty has no way to say so. */
const VARIADIC = new Set(["build"]);

/**
 * What may come next, given the words after the program name; the last word is the one
 * being completed ("" right after a space). Candidates already match that word's prefix.
 */
export function complete(root: CommandInfo, words: string[], names: CompletionNames): Candidate[] {
  const joined = normalizeWords(words);
  const current = joined.at(-1) ?? "";
  const before = joined.slice(0, -1);
  const globals = flags(root);

  let command = root;
  let given = 0;
  let pendingValue: ArgInfo | undefined;
  for (const word of before) {
    if (pendingValue) {
      pendingValue = undefined;
      continue;
    }
    // After "--" everything belongs to the app: nothing of ours to complete.
    if (word === "--") return [];
    if (word.startsWith("-") && word !== "-") {
      const flag = findFlag(command, globals, word);
      if (flag && takesValue(flag) && !word.includes("=")) pendingValue = flag;
      continue;
    }
    const sub = given === 0 ? command.subcommands.find((c) => c.name === word) : undefined;
    if (sub) {
      command = sub;
      continue;
    }
    given++;
  }

  if (pendingValue) return byPrefix(flagValues(pendingValue), current);
  if (current.startsWith("-")) return completeFlag(command, globals, current, root === command);
  if (given === 0 && command.subcommands.length > 0) {
    return byPrefix(
      visibleSubcommands(command).map((c) => ({ value: c.name, description: c.description })),
      current,
    );
  }
  const declared = positionals(command);
  const arg = declared[given] ?? (VARIADIC.has(command.path.join(" ")) ? declared.at(-1) : undefined);
  return arg ? byPrefix(positionalValues(command, arg, names), current) : [];
}

/** The lines `__complete` prints: `value<TAB>description`, or just the value. */
export function formatCandidates(candidates: Candidate[]): string {
  return candidates.map((c) => (c.description ? `${c.value}\t${oneLine(c.description)}` : c.value)).join("\n");
}

/** Readline splits `--network=bridge` at "=" (a word break); put such words back together. */
function normalizeWords(words: string[]): string[] {
  const out: string[] = [];
  for (const [i, word] of words.entries()) {
    if (out.length > 0 && (word === "=" || words[i - 1] === "=")) out[out.length - 1] += word;
    else out.push(word);
  }
  return out;
}

function takesValue(arg: ArgInfo): boolean {
  return arg.kind === "string" || arg.kind === "enum";
}

function findFlag(command: CommandInfo, globals: ArgInfo[], word: string): ArgInfo | undefined {
  const name = word.replace(/^--?/, "").split("=")[0]!;
  const all = [...flags(command), ...globals];
  return all.find(
    (a) => a.name === name || a.aliases.includes(name) || (a.kind === "boolean" && `no-${a.name}` === name),
  );
}

function flagValues(arg: ArgInfo): Candidate[] {
  return (arg.options ?? []).map((value) => ({ value, description: "" }));
}

function completeFlag(command: CommandInfo, globals: ArgInfo[], current: string, atRoot: boolean): Candidate[] {
  const eq = current.indexOf("=");
  if (eq !== -1) {
    const flag = findFlag(command, globals, current.slice(0, eq));
    const prefix = current.slice(0, eq + 1);
    return flag
      ? byPrefix(
          flagValues(flag).map((v) => ({ ...v, value: prefix + v.value })),
          current,
        )
      : [];
  }
  const own = flags(command);
  const shown = atRoot ? own : [...own, ...globals.filter((g) => !own.some((o) => o.name === g.name))];
  const candidates: Candidate[] = [];
  for (const arg of shown) {
    candidates.push({ value: `--${arg.name}`, description: arg.description });
    if (hasNegativeForm(arg))
      candidates.push({ value: `--no-${arg.name}`, description: arg.negativeDescription ?? "" });
  }
  // citty answers these itself (main.ts), so they are in no command's args.
  candidates.push({ value: "--help", description: "Show this command's usage" });
  if (atRoot) candidates.push({ value: "--version", description: "Show the version and commit" });
  return byPrefix(candidates, current);
}

function positionalValues(command: CommandInfo, arg: ArgInfo, names: CompletionNames): Candidate[] {
  switch (arg.name) {
    case "instance": {
      const added = names.instances();
      if (!CREATES_INSTANCE.has(command.path.join(" "))) return added;
      const seen = new Set(added.map((c) => c.value));
      return [...added, ...names.apps().filter((a) => !seen.has(a.value))];
    }
    case "app":
      return names.apps();
    case "shell":
      return SHELLS.map((value) => ({ value, description: "" }));
    default:
      return [];
  }
}

function byPrefix(candidates: Candidate[], prefix: string): Candidate[] {
  return candidates.filter((c) => c.value.startsWith(prefix));
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
