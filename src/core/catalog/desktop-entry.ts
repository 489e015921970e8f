/**
 * Menu entries (freedesktop Desktop Entry Specification) for instances: what the file
 * says and what it is called. Writing it is adapters/desktop-files.ts's job.
 */
import { containerName, type InstanceName } from "../instance/name.ts";

/** The key that marks an entry as ours: `desktop remove` deletes no file without it. */
const INSTANCE_KEY = "X-Dockercask-Instance";

/** The icon every app without an icon.svg of its own gets. */
export const GENERIC_ICON = "dockercask";

/**
 * The file's base name, and the desktop file ID menus know it by: `dockercask-firefox.work`.
 * Not `#`: desktop file IDs end up in URIs and launcher settings, where `#` starts a fragment.
 * It is the container's name too, so one name identifies the instance everywhere.
 */
export function desktopFileId(name: InstanceName): string {
  return containerName(name);
}

/**
 * The WM_CLASS instance name (res_name) of the instance's Xephyr window, which the menu
 * entry's StartupWMClass names. Xephyr's `-name` sets it; its class (res_class) is always
 * "Xephyr" and cannot be changed, so it would lump every instance under one launcher. GNOME
 * Shell matches StartupWMClass against res_name before res_class, and so do the launchers
 * that copy its rules.
 */
export function windowClassName(name: InstanceName): string {
  return containerName(name);
}

export function appIconName(app: string): string {
  return `dockercask-${app}`;
}

/** Main categories by app; anything else is a Utility. Menus file an entry under its first one. */
const CATEGORIES: Record<string, string[]> = {
  firefox: ["Network", "WebBrowser"],
  chromium: ["Network", "WebBrowser"],
  thunderbird: ["Network", "Email"],
  spotify: ["AudioVideo", "Audio", "Player"],
  slack: ["Network", "InstantMessaging"],
  keepassxc: ["Utility", "Security"],
  libreoffice: ["Office"],
  gimp: ["Graphics", "2DGraphics", "RasterGraphics"],
  vlc: ["AudioVideo", "Player"],
};

export function appCategories(app: string): string[] {
  return CATEGORIES[app] ?? ["Utility"];
}

export interface DesktopEntryOptions {
  name: InstanceName;
  /** The app's one-line description (its io.dockercask.description label), maybe empty. */
  description: string;
  /** How the entry starts dockercask: "dockercask" when PATH finds this binary, else its absolute path. */
  program: string;
  icon: string;
  /**
   * The MIME types the app opens (its io.dockercask.mime-types label). With some, the entry is
   * one the desktop's "Open With" offers for them: it runs `open <instance> %F`, which copies the
   * files in; without any, `run <instance>`.
   */
  mimeTypes?: string[];
}

export function renderDesktopEntry(options: DesktopEntryOptions): string {
  const { name } = options;
  const opens = options.mimeTypes?.length ? options.mimeTypes : undefined;
  // %F is written after the quoting, which would double its %: it is the field code, not text.
  const run = opens
    ? `${buildExec([options.program, "open", name.full])} %F`
    : buildExec([options.program, "run", name.full]);
  const comment = options.description
    ? `${options.description} (dockercask)`
    : `${name.app} in a hardened dockercask container`;
  const lines = [
    "[Desktop Entry]",
    "Type=Application",
    // 1.4, not 1.5: desktop-file-validate before 0.27 (Debian 12) rejects 1.5, and nothing here is newer.
    "Version=1.4",
    `Name=${escapeString(name.full)}`,
    `Comment=${escapeString(comment)}`,
    `Icon=${escapeString(options.icon)}`,
    `TryExec=${escapeString(options.program)}`,
    `Exec=${run}`,
    "Terminal=false",
    `Categories=${appCategories(name.app).map(escapeString).join(";")};`,
    ...(opens ? [`MimeType=${opens.map(escapeString).join(";")};`] : []),
    `Keywords=dockercask;container;${escapeString(name.app)};`,
    // Xephyr speaks no startup notification; the window's class is how the launcher knows it appeared.
    `StartupWMClass=${escapeString(windowClassName(name))}`,
    `${INSTANCE_KEY}=${escapeString(name.full)}`,
  ];
  return `${lines.join("\n")}\n`;
}

/** The instance an entry was written for, or undefined when the text is not one of ours. */
export function entryInstance(text: string): string | undefined {
  const match = new RegExp(`^${INSTANCE_KEY}=(.*)$`, "m").exec(text);
  return match ? unescapeString(match[1]!) : undefined;
}

/** The icon an entry names, to know which icons other entries still use. */
export function entryIcon(text: string): string | undefined {
  const match = /^Icon=(.*)$/m.exec(text);
  return match ? unescapeString(match[1]!) : undefined;
}

/**
 * A value of type string: the spec's escapes for backslash, newline, tab and carriage return.
 * A leading space is escaped too, since readers strip the whitespace after "=".
 */
export function escapeString(value: string): string {
  return value
    .replace(/\\/g, "\\\\")
    .replace(/\n/g, "\\n")
    .replace(/\t/g, "\\t")
    .replace(/\r/g, "\\r")
    .replace(/^ /, "\\s");
}

export function unescapeString(value: string): string {
  return value.replace(/\\([\\nstr])/g, (_, c: string) => ({ "\\": "\\", n: "\n", s: " ", t: "\t", r: "\r" })[c]!);
}

/** Characters that force an Exec argument into double quotes (spec, "The Exec key"). */
const RESERVED = /[\s"'\\><~|&;$*?#()`]/;

/**
 * One Exec argument: quoted when it holds a reserved character (the `#` of `firefox#work`
 * does), with `"`, `` ` ``, `$` and `\` backslash-escaped inside the quotes, and `%` doubled
 * so it cannot read as a field code.
 */
export function quoteExecArg(arg: string): string {
  const literal = arg.replace(/%/g, "%%");
  if (literal !== "" && !RESERVED.test(literal)) return literal;
  return `"${literal.replace(/["`$\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * The Exec value for argv. Quoting comes first and the string escapes are applied over it,
 * so a literal backslash inside quotes is written as four.
 */
export function buildExec(argv: string[]): string {
  return escapeString(argv.map(quoteExecArg).join(" "));
}
