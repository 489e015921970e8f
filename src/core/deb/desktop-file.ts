/**
 * Reading a package's desktop entries (freedesktop Desktop Entry Specification 1.5): the main
 * group's keys, and the Exec key into the argv a recipe's command can say. Writing entries for
 * the host's menu is core/catalog/desktop-entry.ts's.
 */
import { unescapeString } from "../catalog/desktop-entry.ts";

export interface DesktopEntryFile {
  /** The desktop file ID without `.desktop`: `org.inkscape.Inkscape`. */
  id: string;
  /** Its path inside the image: `/usr/share/applications/org.inkscape.Inkscape.desktop`. */
  path: string;
  type: string;
  name: string;
  comment: string;
  exec: string;
  tryExec: string | undefined;
  icon: string | undefined;
  categories: string[];
  mimeTypes: string[];
  noDisplay: boolean;
  hidden: boolean;
  terminal: boolean;
}

const MAIN_GROUP = "[Desktop Entry]";

/** The main group of a desktop file, or undefined when it has none. Localized keys (`Name[de]`) are left out. */
export function parseDesktopFile(path: string, text: string): DesktopEntryFile | undefined {
  const keys = new Map<string, string>();
  let inMain = false;
  let seenMain = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (line.startsWith("[")) {
      inMain = line === MAIN_GROUP && !seenMain;
      seenMain ||= inMain;
      continue;
    }
    if (!inMain) continue;
    const match = /^([A-Za-z0-9-]+)\s*=\s*(.*)$/s.exec(line);
    if (match && !keys.has(match[1]!)) keys.set(match[1]!, unescapeString(match[2]!));
  }
  if (!seenMain) return undefined;
  const list = (key: string) =>
    (keys.get(key) ?? "")
      .split(";")
      .map((s) => s.trim())
      .filter(Boolean);
  const bool = (key: string) => keys.get(key)?.trim() === "true";
  const file = path.split("/").at(-1) ?? path;
  return {
    id: file.replace(/\.desktop$/, ""),
    path,
    type: keys.get("Type") ?? "",
    name: keys.get("Name") ?? "",
    comment: keys.get("Comment") ?? keys.get("GenericName") ?? "",
    exec: keys.get("Exec") ?? "",
    tryExec: keys.get("TryExec") || undefined,
    icon: keys.get("Icon") || undefined,
    // Names only: a category is a word of the menu specification, never text to show.
    categories: list("Categories").filter((c) => /^[A-Za-z0-9_-]+$/.test(c)),
    mimeTypes: list("MimeType"),
    noDisplay: bool("NoDisplay"),
    hidden: bool("Hidden"),
    terminal: bool("Terminal"),
  };
}

export type ExecResult = { ok: true; argv: string[] } | { ok: false; problem: string };

/** Characters the spec reserves: an Exec holding one outside quotes wants a shell, which a recipe's command is not. */
const RESERVED = new Set([..."><~|&;$*?#()`'"]);
/** File and URL codes: dropped, since `open` appends what it is given after the command. */
const FILE_CODES = new Set(["%f", "%F", "%u", "%U"]);
/** Deprecated codes: the spec says to remove them. */
const DEPRECATED = new Set(["d", "D", "n", "N", "v", "m"]);

/**
 * The Exec key (already unescaped as a string) into argv: double-quoted arguments with their
 * backslash escapes, field codes expanded (`%i` as `--icon <Icon>`, `%c` as the name, `%k` as the
 * entry's path, `%%` as `%`) or dropped (file and URL codes; the deprecated ones). An argument
 * a recipe's command cannot carry (one with a space: the command is split at whitespace) is a
 * problem, said.
 */
export function parseExec(entry: Pick<DesktopEntryFile, "exec" | "icon" | "name" | "path">): ExecResult {
  const words = splitExec(entry.exec);
  if (!words.ok) return words;
  const argv: string[] = [];
  for (const word of words.argv) {
    if (!word.quoted && FILE_CODES.has(word.text)) continue;
    if (!word.quoted && word.text === "%i") {
      if (entry.icon && /\s/.test(entry.icon))
        return {
          ok: false,
          problem: `its Exec passes the icon ${JSON.stringify(entry.icon)}, which a recipe's command cannot say`,
        };
      if (entry.icon) argv.push("--icon", entry.icon);
      continue;
    }
    let bad: string | undefined;
    const text = word.text.replace(/%(.?)/g, (code, c: string) => {
      if (c === "%") return "%";
      if (c === "c") return entry.name;
      if (c === "k") return entry.path;
      if (DEPRECATED.has(c)) return "";
      bad ??= code;
      return code;
    });
    if (bad !== undefined) return { ok: false, problem: `its Exec has the field code ${bad} where it cannot be` };
    if (text === "" && !word.quoted) continue;
    if (/\s/.test(text) || text === "")
      return { ok: false, problem: `its Exec passes ${JSON.stringify(text)}, which a recipe's command cannot say` };
    argv.push(text);
  }
  if (argv.length === 0) return { ok: false, problem: "its Exec names no program" };
  return { ok: true, argv };
}

type Split = { ok: true; argv: { text: string; quoted: boolean }[] } | { ok: false; problem: string };

function splitExec(exec: string): Split {
  const argv: { text: string; quoted: boolean }[] = [];
  let i = 0;
  while (i < exec.length) {
    if (/\s/.test(exec[i]!)) {
      i++;
      continue;
    }
    if (exec[i] === '"') {
      let text = "";
      i++;
      while (i < exec.length && exec[i] !== '"') {
        if (exec[i] === "\\" && i + 1 < exec.length && '"`$\\'.includes(exec[i + 1]!)) i++;
        text += exec[i];
        i++;
      }
      if (i >= exec.length) return { ok: false, problem: "its Exec has a quote that is never closed" };
      i++;
      argv.push({ text, quoted: true });
      continue;
    }
    let text = "";
    while (i < exec.length && !/\s/.test(exec[i]!)) {
      if (RESERVED.has(exec[i]!) || exec[i] === '"')
        return {
          ok: false,
          problem: `its Exec uses ${JSON.stringify(exec[i])} as a shell would, and no shell runs it`,
        };
      text += exec[i];
      i++;
    }
    argv.push({ text, quoted: false });
  }
  return { ok: true, argv };
}
