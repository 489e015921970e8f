/**
 * The file chooser portal (org.freedesktop.portal.FileChooser) as dockercask serves it on an
 * instance's own bus: the app asks, the host's own dialog (zenity, on the host display) answers,
 * and only the picked file crosses, as a copy in a folder of the instance's own
 * (CONTAINER_PATHS.files). Pure: what a request means, what a name may become, what the dialog
 * is asked, and what the app is answered. services/file-chooser.ts runs it.
 */
import { posix } from "node:path";
import { CONTAINER_PATHS } from "../container/spec.ts";
import { optionValue } from "../desktop-bus/portal-request.ts";
import { RESERVED_NAME_PREFIX } from "./open-items.ts";

/**
 * 2, not 3: version 3 adds choosing folders, which would copy a whole tree in. GTK asks the
 * portal for a folder only from version 3 on, and so shows its own dialog, inside the box.
 */
export const FILE_CHOOSER_VERSION = 2;

/** The most files one Open copies in, and the most saves one session follows. */
export const MAX_OPEN_FILES = 32;
export const MAX_FOLLOWED_SAVES = 64;
/**
 * A saved file is copied out once it has been still this long (and again if it changes), and
 * at the end; one renamed into place, after the short wait that gathers the events of one rename.
 */
export const SAVE_SETTLE_MS = 250;
export const NAMED_SETTLE_MS = 20;
/** The largest file a save copies out: a big download fits, a file that never stops growing does not. */
export const MAX_SAVE_BYTES = 8 * 1024 ** 3;
/** Dialogs an instance may open: a person opens a few a minute; a hostile app must not keep one up. */
export const DIALOG_RATE = { max: 10, windowMs: 60_000 } as const;

/** The portal's answer codes: 0 done, 1 cancelled by the user, 2 anything else. */
export const RESPONSE = { done: 0, cancelled: 1, other: 2 } as const;

export interface ChooserRequest {
  kind: "open" | "save";
  /** Open: whether several files may be picked. */
  multiple: boolean;
  /** Save: the name the app suggests, made safe (`safeFileName`); only a suggestion. */
  suggestedName: string;
}

export type ParsedRequest = { ok: true; request: ChooserRequest } | { ok: false; problem: string };

/**
 * OpenFile(parent_window, title, options) and SaveFile(...) read: only what dockercask uses.
 * The app's title and its current_folder / current_file are ignored on purpose: the dialog
 * says what dockercask knows (the instance and the name), and opens where the user was, never
 * where the app points.
 */
export function parseChooserRequest(kind: "open" | "save", options: unknown): ParsedRequest {
  const read = (key: string) => optionValue(options, key);
  if (read("directory") === true) return { ok: false, problem: "choosing a folder is not offered: only files cross" };
  return {
    ok: true,
    request: {
      kind,
      multiple: kind === "open" && read("multiple") === true,
      suggestedName: kind === "save" ? safeFileName(read("current_name")) : "",
    },
  };
}

const MAX_NAME_CHARS = 120;

/**
 * A name an app suggests, as a plain file name: only what follows the last slash; control,
 * format and bidirectional characters dropped (they would make the name read as something it is
 * not); white space at the ends trimmed; at most 120 characters, the extension kept; never
 * empty, `.`, `..` or one of dockercask's own names.
 */
export function safeFileName(raw: unknown, fallback = "untitled"): string {
  const text = typeof raw === "string" ? raw : "";
  let name = (text.split("/").pop() ?? "")
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\ufffd]/gu, "")
    .replace(/\s+/gu, " ")
    .trim();
  const chars = [...name];
  if (chars.length > MAX_NAME_CHARS) {
    const dot = name.lastIndexOf(".");
    const extension = dot > 0 && name.length - dot <= 16 ? [...name.slice(dot)] : [];
    name = [...chars.slice(0, MAX_NAME_CHARS - extension.length), ...extension].join("");
  }
  name = name.replace(/^\.+$/, "");
  if (name.startsWith(RESERVED_NAME_PREFIX)) name = name.slice(RESERVED_NAME_PREFIX.length);
  return name === "" ? fallback : name;
}

/** What the dialog's title says: who asks, and for what. */
export function dialogTitle(instance: string, request: ChooserRequest): string {
  if (request.kind === "save") return `${instance} wants to save ${request.suggestedName}`;
  return `${instance} wants to open ${request.multiple ? "files" : "a file"}`;
}

/** zenity's file dialog for the request, opening in `folder` (a host folder dockercask chose). */
export function zenityArgv(zenity: string, instance: string, request: ChooserRequest, folder: string): string[] {
  const common = [zenity, "--file-selection", "--title", dialogTitle(instance, request)];
  if (request.kind === "save")
    return [...common, "--save", "--confirm-overwrite", `--filename=${posix.join(folder, request.suggestedName)}`];
  return [
    ...common,
    `--filename=${folder.endsWith("/") ? folder : `${folder}/`}`,
    ...(request.multiple ? ["--multiple", "--separator=\n"] : []),
  ];
}

/** The paths the dialog printed: absolute ones, one per line, at most MAX_OPEN_FILES; none when cancelled. */
export function parseDialogAnswer(stdout: string, request: ChooserRequest): string[] {
  const lines = stdout
    .replace(/\n$/, "")
    .split("\n")
    .filter((line) => line.startsWith("/"));
  return request.kind === "save" || !request.multiple ? lines.slice(0, 1) : lines.slice(0, MAX_OPEN_FILES);
}

/** The container's path of a file in the instance's files folder. */
export function insidePath(name: string): string {
  return posix.join(CONTAINER_PATHS.files, name);
}

/** `file://` URIs of container paths, each byte outside the unreserved set and `/` percent-encoded. */
export function fileUri(path: string): string {
  const encoded = Array.from(new TextEncoder().encode(path), (byte) => {
    const char = String.fromCharCode(byte);
    return /[A-Za-z0-9\-._~/]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }).join("");
  return `file://${encoded}`;
}

/** The Response's results: the URIs inside the container, as `as`. */
export function responseResults(paths: string[]): Record<string, { signature: string; value: unknown }> {
  return { uris: { signature: "as", value: paths.map(fileUri) } };
}

/**
 * Where the dialog opens: the folder this instance last used, else the desktop's download
 * folder (XDG's, from user-dirs.dirs), else ~/Downloads, else home. `isFolder` is the adapter's.
 */
export function startFolder(options: {
  home: string;
  last?: string;
  userDirs?: string;
  isFolder(path: string): boolean;
}): string {
  const { home, last, isFolder } = options;
  const download = options.userDirs && xdgDownloadDir(options.userDirs, home);
  for (const folder of [last, download, posix.join(home, "Downloads")])
    if (folder?.startsWith("/") && isFolder(folder)) return folder;
  return home;
}

/** XDG_DOWNLOAD_DIR="$HOME/Downloads" out of user-dirs.dirs, as xdg-user-dirs writes it. */
export function xdgDownloadDir(userDirs: string, home: string): string | undefined {
  const line = /^XDG_DOWNLOAD_DIR="([^"]*)"\s*$/m.exec(userDirs);
  if (!line) return undefined;
  const value = line[1]!.replace(/^\$HOME(?=\/|$)/, home);
  return value.startsWith("/") ? posix.normalize(value).replace(/(.)\/+$/, "$1") : undefined;
}
