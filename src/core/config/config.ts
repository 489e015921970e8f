import { parse, TomlError } from "smol-toml";
import { ENGINE_NAMES } from "../container/engine-names.ts";
import { ConfigError } from "../errors.ts";
import { type RefusalRules, refusalRules, type SharedFolder } from "../files/shared-folders.ts";
import { isOneOf } from "../one-of.ts";
import { suggestNearest } from "../text/suggest.ts";
import type { InstanceSettings } from "./settings.ts";
import { type Context, describe, isTable, readNamedTables, readSettings, report, SETTING_KEYS } from "./table.ts";
import { createKeyLocator } from "./toml-lines.ts";

export type { InstanceSettings, SharedFolder };

/**
 * The user's config file, $XDG_CONFIG_HOME/dockercask/config.toml (also in docs/config.md):
 *
 *   engine = "podman"       # docker | docker-rootless | podman | podman-rootless | "unix:///path"
 *
 *   [defaults]              # applies to every instance
 *   size = "1280x800"       # Xephyr window size WxH, each side 200..16384
 *   dpi = 96                # 24..960
 *   network = "bridge"      # "none" | "bridge"; overrides the app's label. "host" is refused.
 *   clipboard = "both"      # "both" | "to-app" | "from-app" | "explicit" | "off"
 *   primary = false         # also carry PRIMARY (select-to-paste)
 *   clipboard-max = "1m"    # largest text or image carried
 *   open-max = "256m"       # most that `dockercask open` copies in at once
 *   audio = true
 *   shared = ["~/Downloads", "~/Music:ro"]   # host folders mounted into the instance's home
 *   links = "host"          # where its links go (core/desktop-bus/links.ts): self, host, ask, off,
 *   mail = "thunderbird"    #   <instance> or disposable:<app>; mail: where a mailto goes
 *   notifications = true    # its notifications reach the desktop
 *   files = "ask"           # "ask": Open and Save through the host's own dialog; "off": the app's own
 *   mit-shm = "fd"          # "fd": images shared with its X server by descriptor, at host speed; "off" (default)
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
 * error, so a typo cannot silently drop a setting that was meant to restrict an app. Reading
 * one table's keys is core/config/table.ts; the window's size and DPI, core/x11/window-size.ts.
 */

export interface DockercaskConfig {
  /** The container engine (core/container/engine.ts): an engine name or a unix:// socket. */
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
  /** Which folders `shared` may not name (core/files/shared-folders.ts); by default those of `home`. */
  refusals?: RefusalRules;
}

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
      throw new ConfigError(options.file, [{ line: error.line, problem: `invalid TOML: ${problem}` }], {
        cause: error,
      });
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
      if (typeof value === "string" && (isOneOf(ENGINE_NAMES, value) || /^unix:\/\/\/./.test(value)))
        config.engine = value;
      else
        report(
          ctx,
          [key],
          `engine must be one of ${ENGINE_NAMES.map((n) => `"${n}"`).join(", ")} or "unix:///path/to/socket", not ${describe(value)}`,
        );
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

function explainUnknownTopLevel(key: string, value: unknown): string {
  if (isOneOf(SETTING_KEYS, key)) {
    return `${key} is outside any table; put it under [defaults], [apps.<app>] or [instances."<app>#<id>"]`;
  }
  const known = `known: [defaults], [apps.<app>], [instances."<instance>"]`;
  const near = suggestNearest(key, [...TABLES]);
  const mean = near ? `did you mean [${near}]? ` : "";
  return isTable(value)
    ? `unknown table [${key}] (${mean}${known})`
    : `unknown key ${key} at the top level (${mean}${known})`;
}

function own<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
