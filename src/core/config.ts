import { createKeyLocator, type KeyLocator } from "./toml-lines.ts";
import { parse, TomlDate, TomlError } from "smol-toml";
import { ENGINE_NAMES } from "./engine.ts";
import { ConfigError, type ConfigProblem } from "./errors.ts";
import { explainInvalid, isValidAppName } from "./instance-name.ts";
import { LIMIT_KEYS, parseLimit, type LimitSettings } from "./limits.ts";
import { CLIPBOARD_POLICIES, NETWORKS, parseSize, type ClipboardPolicy, type Network } from "./policy.ts";
import { parseSharedFolder, refusalRules, type RefusalRules, type SharedFolder } from "./shared-folders.ts";
import { suggestNearest } from "./suggest.ts";
import { isOneOf } from "./one-of.ts";
import { parseLinksPolicy, type LinksPolicy } from "./bridge/links.ts";
import { MAX_OPEN_MAX } from "./open-items.ts";

export type { SharedFolder };

/**
 * The user's config file, $XDG_CONFIG_HOME/dockercask/config.toml (also in the README):
 *
 *   engine = "podman"       # docker | docker-rootless | podman | podman-rootless | "unix:///path"
 *
 *   [defaults]              # applies to every instance
 *   size = "1280x800"       # Xephyr window size WxH, each side 200..16384
 *   dpi = 96                # 24..960
 *   network = "bridge"      # "none" | "bridge"; overrides the app's label. "host" is refused.
 *   clipboard = "both"      # "both" | "to-app" | "from-app" | "off"
 *   primary = false         # also carry PRIMARY (select-to-paste)
 *   clipboard-max = "1m"    # largest text carried
 *   open-max = "256m"       # most that `dockercask open` copies in at once
 *   audio = true
 *   shared = ["~/Downloads", "~/Music:ro"]   # host folders mounted into the instance's home
 *   links = "host"          # where its links go (core/bridge/links.ts): self, host, ask, off,
 *   mail = "thunderbird"    #   <instance> or disposable:<app>; mail: where a mailto goes
 *   notifications = true    # its notifications reach the desktop
 *   memory = "4g"           # resource limits (limits.ts): memory, /tmp and /var/tmp size each,
 *   tmp-size = "512m"       #   CPU weight, and an optional cap in CPUs
 *   cpu-shares = 512
 *   cpus = 2
 *
 *   [apps.firefox]          # every instance of one app; same keys
 *   [instances."firefox#work"]   # one instance; same keys
 *
 * Precedence is instance > app > defaults, key by key. The caller then lays CLI flags over
 * this and the app's labels under it. A `shared` list is replaced whole by a more specific
 * table, never concatenated: an instance that lists its own folders must be able to drop a
 * folder that [defaults] shares, and `shared = []` is how it shares nothing.
 *
 * A shared folder appears at /home/app/<its path relative to the host home>, or at
 * /home/app/<basename> when it lies outside the home, so ~/Music is ~/Music on both sides.
 *
 * Parsing is strict and reports every problem at once with its line: an unknown key is an
 * error, so a typo cannot silently drop a setting that was meant to restrict an app.
 */
export interface SizeSpec {
  width: number;
  height: number;
}

/** How one instance runs: from config.toml (merged by settingsFor) and from `run`'s flags, which win. */
export interface InstanceSettings extends LimitSettings {
  size?: SizeSpec;
  dpi?: number;
  network?: Network;
  clipboard?: ClipboardPolicy;
  /** Also carry PRIMARY (select-to-paste); off unless asked for, since every selection would cross. */
  primary?: boolean;
  /** Largest clipboard text carried, in bytes. */
  clipboardMaxBytes?: number;
  /** Most bytes `dockercask open` copies into the instance at once. */
  openMaxBytes?: number;
  audio?: boolean;
  /** Record streams from the default source (never a monitor) through the sound relay. */
  microphone?: boolean;
  shared?: SharedFolder[];
  /** Where links opened inside it go. */
  links?: LinksPolicy;
  /** Where a mailto link goes. */
  mail?: LinksPolicy;
  notifications?: boolean;
}

export interface DockercaskConfig {
  /** The container engine (core/engine.ts): an engine name or a unix:// socket. */
  engine?: string;
  defaults: InstanceSettings;
  apps: Record<string, InstanceSettings>;
  instances: Record<string, InstanceSettings>;
}

export interface ParseConfigOptions {
  /** Shown in messages. */
  file: string;
  /** The host home, for `~`. */
  home: string;
  /** Which folders `shared` may not name (core/shared-folders.ts); by default those of `home`. */
  refusals?: RefusalRules;
}

/** Clipboard texts travel through memory and pipes; past this, copying is a mistake. */
const MAX_CLIPBOARD_BYTES = 64 * 1024 * 1024;
export const MIN_WINDOW_SIDE = 200;
export const MAX_WINDOW_SIDE = 16384;
export const MIN_DPI = 24;
export const MAX_DPI = 960;

const SETTING_KEYS = ["size", "dpi", "network", "clipboard", "primary", "clipboard-max", "open-max", "audio", "microphone", "shared", "links", "mail", "notifications", ...LIMIT_KEYS] as const;
const TABLES = ["defaults", "apps", "instances"] as const;

export function emptyConfig(): DockercaskConfig {
  return { defaults: {}, apps: {}, instances: {} };
}

export function parseConfig(text: string, options: ParseConfigOptions): DockercaskConfig {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text);
  } catch (error) {
    if (error instanceof TomlError) {
      // The message repeats a code block after a blank line; the line number already points there.
      const problem = (error.message.split("\n")[0] ?? "").replace(/^Invalid TOML document: /, "");
      throw new ConfigError(options.file, [{ line: error.line, problem: `invalid TOML: ${problem}` }], { cause: error });
    }
    throw new ConfigError(options.file, [{ problem: `invalid TOML: ${(error as Error).message}` }], { cause: error });
  }

  const refusals = options.refusals ?? refusalRules({ home: options.home });
  const ctx: Context = { problems: [], locate: createKeyLocator(text), home: options.home, refusals };
  const config = emptyConfig();
  for (const [key, value] of Object.entries(doc)) {
    if (key === "defaults") {
      if (isTable(value)) config.defaults = readSettings(value, ["defaults"], ctx);
      else report(ctx, [key], `defaults must be a table, [defaults], not ${describe(value)}`);
    } else if (key === "engine") {
      if (typeof value === "string" && (isOneOf(ENGINE_NAMES, value) || /^unix:\/\/\/./.test(value))) config.engine = value;
      else report(ctx, [key], `engine must be one of ${ENGINE_NAMES.map((n) => `"${n}"`).join(", ")} or "unix:///path/to/socket", not ${describe(value)}`);
    } else if (key === "apps" || key === "instances") {
      readNamedTables(value, key, config[key], ctx);
    } else {
      report(ctx, [key], explainUnknownTopLevel(key, value));
    }
  }
  if (ctx.problems.length) {
    // Stable sort: file order, and problems without a line last.
    const sorted = [...ctx.problems].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
    throw new ConfigError(options.file, sorted);
  }
  return config;
}

/** The merged settings for one instance: instance > app > defaults, key by key. */
export function settingsFor(config: DockercaskConfig, instance: { app: string; full: string }): InstanceSettings {
  const layers = [config.defaults, own(config.apps, instance.app), own(config.instances, instance.full)];
  const merged: InstanceSettings = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer ?? {})) {
      if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
    }
  }
  return merged;
}

/**
 * A disposable instance's settings: [defaults] and [apps.<app>]. Its name is not known before
 * it starts, and no [instances] table can name it (tmp- ids are reserved).
 */
export function settingsForApp(config: DockercaskConfig, app: string): InstanceSettings {
  return settingsFor(config, { app, full: "" });
}

/** `1280x800` (or `1280X800`); undefined when it is not two positive integers. Range is checked apart. */
export function parseSizeSpec(text: string): SizeSpec | undefined {
  const match = /^([1-9]\d{0,8})[xX]([1-9]\d{0,8})$/.exec(text.trim());
  if (!match) return undefined;
  return { width: Number(match[1]), height: Number(match[2]) };
}

/** Why a window size is unusable, or undefined when it is fine. */
export function explainInvalidSize(size: SizeSpec): string | undefined {
  const bad = [size.width, size.height].some((side) => side < MIN_WINDOW_SIDE || side > MAX_WINDOW_SIDE);
  return bad ? `each side must be between ${MIN_WINDOW_SIDE} and ${MAX_WINDOW_SIDE} pixels` : undefined;
}

// ---- validation -------------------------------------------------------------------------

interface Context {
  problems: ConfigProblem[];
  locate: KeyLocator;
  home: string;
  refusals: RefusalRules;
}

function report(ctx: Context, path: string[], problem: string, line = lineOrAncestor(ctx.locate, path)): void {
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

function explainUnknownTopLevel(key: string, value: unknown): string {
  if (isOneOf(SETTING_KEYS, key)) {
    return `${key} is outside any table; put it under [defaults], [apps.<app>] or [instances."<app>#<id>"]`;
  }
  const known = `known: [defaults], [apps.<app>], [instances."<instance>"]`;
  const near = suggestNearest(key, [...TABLES]);
  const mean = near ? `did you mean [${near}]? ` : "";
  return isTable(value) ? `unknown table [${key}] (${mean}${known})` : `unknown key ${key} at the top level (${mean}${known})`;
}

function readNamedTables(value: unknown, kind: "apps" | "instances", into: Record<string, InstanceSettings>, ctx: Context): void {
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

function readSettings(table: Record<string, unknown>, tablePath: string[], ctx: Context): InstanceSettings {
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
        if (typeof value !== "number" || !Number.isInteger(value)) bad(`must be an integer such as 96, not ${describe(value)}`);
        else if (value < MIN_DPI || value > MAX_DPI) bad(`${value} is out of range: must be between ${MIN_DPI} and ${MAX_DPI}`);
        else settings.dpi = value;
        break;
      case "network":
        if (value === "host") bad("host networking is never allowed: it exposes the host's abstract X11 socket");
        else if (!isOneOf(NETWORKS, value)) bad(`must be one of ${quoteAll(NETWORKS)}, not ${describe(value)}`);
        else settings.network = value;
        break;
      case "clipboard":
        if (!isOneOf(CLIPBOARD_POLICIES, value)) bad(`must be one of ${quoteAll(CLIPBOARD_POLICIES)}, not ${describe(value)}`);
        else settings.clipboard = value;
        break;
      case "primary":
        if (typeof value !== "boolean") bad(`must be true or false, not ${describe(value)}`);
        else settings.primary = value;
        break;
      case "clipboard-max": {
        const bytes = typeof value === "string" ? parseSize(value) : undefined;
        if (bytes === undefined) bad(`must be a size such as "1m" or "256k", not ${describe(value)}`);
        else if (bytes < 1 || bytes > MAX_CLIPBOARD_BYTES) bad(`${value} is out of range: at most 64m`);
        else settings.clipboardMaxBytes = bytes;
        break;
      }
      case "open-max": {
        const bytes = typeof value === "string" ? parseSize(value) : undefined;
        if (bytes === undefined) bad(`must be a size such as "256m" or "1g", not ${describe(value)}`);
        else if (bytes < 1 || bytes > MAX_OPEN_MAX) bad(`${value} is out of range: at most 4g`);
        else settings.openMaxBytes = bytes;
        break;
      }
      case "audio":
      case "microphone":
      case "notifications":
        if (typeof value !== "boolean") bad(`must be true or false, not ${describe(value)}`);
        else settings[key] = value;
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
    const entryLine = typeof entry === "string" && keyLine !== undefined ? ctx.locate.valueLine(keyLine, entry) : keyLine;
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

// ---- helpers ---------------------------------------------------------------------------

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof TomlDate);
}

function own<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function quoteAll(values: readonly string[]): string {
  return values.map((v) => JSON.stringify(v)).join(", ");
}

/** What a TOML value is, in words, with the value itself where it is short. */
function describe(value: unknown): string {
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
