/**
 * One table of config.toml read and checked: [defaults], each [apps.<app>] and each
 * [instances."<instance>"] hold the same keys (core/config/config.ts lists them). Every problem is
 * reported with its line, and an unknown key is one: a typo must not drop a setting silently.
 */
import { TomlDate } from "smol-toml";
import { CLIPBOARD_POLICIES, FILES_POLICIES, MIT_SHM_POLICIES, NETWORKS, parseSize } from "../catalog/policy.ts";
import { MAX_CLIPBOARD_BYTES } from "../clipboard/clipboard.ts";
import { LIMIT_KEYS, parseLimit } from "../container/limits.ts";
import { parseLinksPolicy } from "../desktop-bus/links.ts";
import type { ConfigProblem } from "../errors.ts";
import { MAX_OPEN_MAX } from "../files/open-items.ts";
import { parseSharedFolder, type RefusalRules, type SharedFolder } from "../files/shared-folders.ts";
import { explainInvalid, isValidAppName } from "../instance/name.ts";
import { explainInvalidAllow, explainInvalidPattern } from "../network/rules.ts";
import { isOneOf } from "../one-of.ts";
import { suggestNearest } from "../text/suggest.ts";
import { explainInvalidSize, MAX_DPI, MIN_DPI, parseSizeSpec } from "../x11/window-size.ts";
import type { InstanceSettings } from "./settings.ts";
import type { KeyLocator } from "./toml-lines.ts";

export const SETTING_KEYS = [
  "size",
  "dpi",
  "network",
  "allow",
  "only",
  "clipboard",
  "primary",
  "clipboard-max",
  "open-max",
  "audio",
  "microphone",
  "shared",
  "links",
  "mail",
  "notifications",
  "files",
  "mit-shm",
  ...LIMIT_KEYS,
] as const;

export interface Context {
  problems: ConfigProblem[];
  locate: KeyLocator;
  home: string;
  refusals: RefusalRules;
}

export function report(ctx: Context, path: string[], problem: string, line = lineOrAncestor(ctx.locate, path)): void {
  ctx.problems.push(line === undefined ? { problem } : { line, problem });
}

function lineOrAncestor(locate: KeyLocator, path: string[]): number | undefined {
  // A key set inside an inline table has no line of its own; the enclosing key's line is close enough.
  for (let length = path.length; length > 0; length--) {
    const line = locate.keyLine(path.slice(0, length));
    if (line !== undefined) return line;
  }
  return undefined;
}

export function readNamedTables(
  value: unknown,
  kind: "apps" | "instances",
  into: Record<string, InstanceSettings>,
  ctx: Context,
): void {
  if (!isTable(value)) {
    report(ctx, [kind], `${kind} must hold tables such as [${kind}.<name>], not ${describe(value)}`);
    return;
  }
  for (const [name, table] of Object.entries(value)) {
    const path = [kind, name];
    const reason = kind === "apps" ? explainInvalidAppName(name) : explainInvalid(name);
    if (reason) {
      report(ctx, path, `invalid ${kind === "apps" ? "app" : "instance"} name in ${formatTable(path)}: ${reason}`);
    } else if (!isTable(table)) {
      report(ctx, path, `${formatTable(path)} must be a table, not ${describe(table)}`);
    } else {
      into[name] = readSettings(table, path, ctx);
    }
  }
}

function explainInvalidAppName(name: string): string | undefined {
  const reason = explainInvalid(name);
  if (reason) return reason;
  // explainInvalid accepts `app#id`; the only thing left that an app name may not have is the id.
  return isValidAppName(name) ? undefined : `an app name has no '#id' part; use [instances."${name}"] for one instance`;
}

export function readSettings(table: Record<string, unknown>, tablePath: string[], ctx: Context): InstanceSettings {
  const settings: InstanceSettings = {};
  const where = formatTable(tablePath);
  for (const [key, value] of Object.entries(table)) {
    const path = [...tablePath, key];
    const bad = (problem: string) => report(ctx, path, `${key} in ${where}: ${problem}`);
    switch (key) {
      case "size": {
        const size = typeof value === "string" ? parseSizeSpec(value) : undefined;
        if (!size) bad(`must be a string WxH such as "1280x800", not ${describe(value)}`);
        else {
          const problem = explainInvalidSize(size);
          if (problem) bad(`${value}: ${problem}`);
          else settings.size = size;
        }
        break;
      }
      case "dpi":
        if (typeof value !== "number" || !Number.isInteger(value))
          bad(`must be an integer such as 96, not ${describe(value)}`);
        else if (value < MIN_DPI || value > MAX_DPI)
          bad(`${value} is out of range: must be between ${MIN_DPI} and ${MAX_DPI}`);
        else settings.dpi = value;
        break;
      case "network":
        if (value === "host") bad("host networking is never allowed: it exposes the host's abstract X11 socket");
        else if (!isOneOf(NETWORKS, value)) bad(`must be one of ${quoteAll(NETWORKS)}, not ${describe(value)}`);
        else settings.network = value;
        break;
      case "allow":
      case "only": {
        const examples =
          key === "allow" ? '["192.168.1.20:631", "nas.lan", "10.0.0.0/24"]' : '["*.slack.com", "slack.com"]';
        if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
          bad(`must be a list of strings such as ${examples}, not ${describe(value)}`);
          break;
        }
        const problems = value.map((v) => [v, key === "allow" ? explainInvalidAllow(v) : explainInvalidPattern(v)]);
        const wrong = problems.find(([, problem]) => problem);
        if (wrong) bad(`${JSON.stringify(wrong[0])}: ${wrong[1]}`);
        else settings[key] = [...value];
        break;
      }
      case "clipboard":
        if (!isOneOf(CLIPBOARD_POLICIES, value))
          bad(`must be one of ${quoteAll(CLIPBOARD_POLICIES)}, not ${describe(value)}`);
        else settings.clipboard = value;
        break;
      case "primary":
        if (typeof value !== "boolean") bad(`must be true or false, not ${describe(value)}`);
        else settings.primary = value;
        break;
      case "clipboard-max":
        settings.clipboardMaxBytes = readBytes(
          value,
          { examples: '"1m" or "256k"', max: MAX_CLIPBOARD_BYTES, maxText: "64m" },
          bad,
        );
        break;
      case "open-max":
        settings.openMaxBytes = readBytes(value, { examples: '"256m" or "1g"', max: MAX_OPEN_MAX, maxText: "4g" }, bad);
        break;
      case "audio":
      case "microphone":
      case "notifications":
        if (typeof value !== "boolean") bad(`must be true or false, not ${describe(value)}`);
        else settings[key] = value;
        break;
      case "files":
        if (!isOneOf(FILES_POLICIES, value)) bad(`must be one of ${quoteAll(FILES_POLICIES)}, not ${describe(value)}`);
        else settings.files = value;
        break;
      case "mit-shm":
        if (!isOneOf(MIT_SHM_POLICIES, value))
          bad(`must be one of ${quoteAll(MIT_SHM_POLICIES)}, not ${describe(value)}`);
        else settings.mitShm = value;
        break;
      case "links":
      case "mail": {
        const links = typeof value === "string" ? parseLinksPolicy(value) : undefined;
        if (!links) bad(`must be a string such as "host" or "firefox#work", not ${describe(value)}`);
        else if (!links.ok) bad(links.problem);
        else settings[key] = links.policy;
        break;
      }
      case "shared": {
        const shared = readShared(value, path, where, ctx);
        if (shared) settings.shared = shared;
        break;
      }
      default: {
        if (isOneOf(LIMIT_KEYS, key)) {
          const limit = parseLimit(key, value, "config");
          if (limit.ok) Object.assign(settings, limit.settings);
          else bad(limit.problem.startsWith("must") ? `${limit.problem}, not ${describe(value)}` : limit.problem);
          break;
        }
        const near = suggestNearest(key, [...SETTING_KEYS]);
        const mean = near ? `did you mean ${near}? ` : "";
        report(ctx, path, `unknown key ${key} in ${where} (${mean}known: ${SETTING_KEYS.join(", ")})`);
      }
    }
  }
  return settings;
}

/** A size key (clipboard-max, open-max) in bytes, from 1 to `max`; undefined, reported through `bad`, when it is not one. */
function readBytes(
  value: unknown,
  limits: { examples: string; max: number; maxText: string },
  bad: (problem: string) => void,
): number | undefined {
  const bytes = typeof value === "string" ? parseSize(value) : undefined;
  if (bytes === undefined) bad(`must be a size such as ${limits.examples}, not ${describe(value)}`);
  else if (bytes < 1 || bytes > limits.max) bad(`${value} is out of range: at most ${limits.maxText}`);
  else return bytes;
  return undefined;
}

function readShared(value: unknown, path: string[], where: string, ctx: Context): SharedFolder[] | undefined {
  if (!Array.isArray(value)) {
    report(ctx, path, `shared in ${where}: must be a list of folders such as ["~/Downloads"], not ${describe(value)}`);
    return undefined;
  }
  const keyLine = lineOrAncestor(ctx.locate, path);
  const folders: SharedFolder[] = [];
  const byTarget = new Map<string, string>();
  let ok = true;
  for (const entry of value) {
    const entryLine =
      typeof entry === "string" && keyLine !== undefined ? ctx.locate.valueLine(keyLine, entry) : keyLine;
    const bad = (problem: string) => {
      ok = false;
      report(ctx, path, `shared entry ${describeEntry(entry)} in ${where}: ${problem}`, entryLine);
    };
    if (typeof entry !== "string") {
      bad("must be a string");
      continue;
    }
    const result = parseSharedFolder(entry, ctx.home, ctx.refusals);
    if (!result.ok) {
      bad(result.problem);
      continue;
    }
    const clash = byTarget.get(result.folder.target);
    if (clash !== undefined) {
      bad(`it would appear at ${result.folder.target}, as ${JSON.stringify(clash)} already does`);
      continue;
    }
    byTarget.set(result.folder.target, entry);
    folders.push(result.folder);
  }
  return ok ? folders : undefined;
}

// ---- how a value is named in a message -----------------------------------------------------

export function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof TomlDate);
}

function quoteAll(values: readonly string[]): string {
  return values.map((v) => JSON.stringify(v)).join(", ");
}

/** What a TOML value is, in words, with the value itself where it is short. */
export function describe(value: unknown): string {
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (typeof value === "number") return Number.isInteger(value) ? `the integer ${value}` : `the number ${value}`;
  if (typeof value === "boolean") return `the boolean ${value}`;
  if (value instanceof TomlDate) return "a date";
  if (Array.isArray(value)) return "a list";
  return "a table";
}

function describeEntry(entry: unknown): string {
  return typeof entry === "string" ? JSON.stringify(entry) : describe(entry);
}

function formatTable(path: string[]): string {
  return `[${path.map((part) => (/^[A-Za-z0-9_-]+$/.test(part) ? part : JSON.stringify(part))).join(".")}]`;
}
