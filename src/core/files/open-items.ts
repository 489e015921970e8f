/**
 * What `dockercask open <instance> <file-or-url>...` may hand to an instance, decided before
 * anything is read or started. Files are copied into the instance's ~/Inbox (never mounted
 * from where they are, so no host path reaches the app); URLs are passed to the app as one
 * argv element each, never through a shell.
 */

import { formatSizeValue } from "../container/limits.ts";
import { DockercaskError } from "../errors.ts";
import { formatBytes } from "../text/size.ts";
import { CARRIED_SCHEMES, checkUrl, MAX_URL_BYTES } from "../url.ts";

export const INBOX_DIR = "Inbox";
/** What a new instance may be given at once, in bytes; the `open-max` config key changes it. */
export const DEFAULT_OPEN_MAX = 256 * 1024 * 1024;
/** Files travel through memory on their way into the container; past this it is a mistake. */
export const MAX_OPEN_MAX = 4 * 1024 ** 3;
/** The longest name a Linux filesystem takes, in bytes. */
const MAX_FILE_NAME_BYTES = 255;
/** The marker the supervisor writes last into ~/Inbox when files arrive with the start. */
export const RESERVED_NAME_PREFIX = ".dockercask-";

export type OpenItem = { kind: "url"; url: string } | { kind: "file"; path: string };

export class OpenRefusedError extends DockercaskError {
  constructor(what: string, reason: string, hint?: string) {
    super(`refused to open ${what}: ${reason}`, { code: "E_OPEN_REFUSED", hint, exitCode: 2 });
  }
}

/**
 * A URL when it starts with a scheme (`https:`, `mailto:`, `file:`...), otherwise a file. A
 * file whose name looks like a scheme is named with a path: `./notes:v2.txt`.
 */
export function classifyItem(arg: string): OpenItem {
  return /^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(arg) ? { kind: "url", url: arg } : { kind: "file", path: arg };
}

/** The URL itself when it may be carried (core/url.ts, the rule links follow too); throws OpenRefusedError when not. */
export function openableUrl(url: string): string {
  const checked = checkUrl(url);
  if (checked.ok) return url;
  const bytes = new TextEncoder().encode(url).length;
  if (bytes > MAX_URL_BYTES)
    throw new OpenRefusedError("a URL", `it is ${formatBytes(bytes)} long; the limit is ${formatBytes(MAX_URL_BYTES)}`);
  const shown = JSON.stringify(url.length > 80 ? `${url.slice(0, 77)}...` : url);
  const hint = checked.scheme
    ? `Only ${CARRIED_SCHEMES.join(", ")} URLs are; to give a file, name its path: dockercask open <instance> ./file.pdf`
    : undefined;
  throw new OpenRefusedError(`the URL ${shown}`, checked.reason, hint);
}

/** Why `name` cannot be a file's name in ~/Inbox, or undefined when it can. */
export function explainUnsafeFileName(name: string): string | undefined {
  if (name === "" || name === "." || name === "..") return "it has no file name";
  if (name.includes("/")) return "it contains '/'";
  if (new TextEncoder().encode(name).length > MAX_FILE_NAME_BYTES)
    return `its name is longer than ${MAX_FILE_NAME_BYTES} bytes`;
  if (firstControl(name) !== undefined) return "its name contains a control character";
  // Right-to-left overrides and isolates make a name read differently from what it is ("gpj.exe").
  if (/[\u202a-\u202e\u2066-\u2069]/u.test(name)) return "its name contains a bidirectional override";
  if (name.includes("\ufffd")) return "its name is not valid UTF-8";
  if (name.startsWith(RESERVED_NAME_PREFIX))
    return `names starting with "${RESERVED_NAME_PREFIX}" are dockercask's own`;
  return undefined;
}

/** `report.pdf`, then `report-1.pdf`, `report-2.pdf`...: the first that `isTaken` does not claim. */
export async function pickFreeName(
  name: string,
  isTaken: (candidate: string) => boolean | Promise<boolean>,
  max = 999,
): Promise<string> {
  const dot = name.indexOf(".", 1);
  const stem = dot === -1 ? name : name.slice(0, dot);
  const extension = dot === -1 ? "" : name.slice(dot);
  for (let n = 0; n <= max; n++) {
    const candidate = n === 0 ? name : `${stem}-${n}${extension}`;
    if (new TextEncoder().encode(candidate).length > MAX_FILE_NAME_BYTES) break;
    if (!(await isTaken(candidate))) return candidate;
  }
  throw new OpenRefusedError(
    name,
    "~/Inbox has too many files of that name",
    "Move some out of ~/Inbox inside the instance.",
  );
}

/** What a refused special file is, in words. */
export function describeFileKind(
  kind: "directory" | "fifo" | "socket" | "character-device" | "block-device" | "other",
): string {
  return {
    directory: "it is a folder (give the files in it, or a shared folder in config.toml for a whole folder)",
    fifo: "it is a FIFO (named pipe), not a regular file",
    socket: "it is a socket, not a regular file",
    "character-device": "it is a device, not a regular file",
    "block-device": "it is a device, not a regular file",
    other: "it is not a regular file",
  }[kind];
}

export function tooLargeError(path: string, bytes: number, maxBytes: number, total: boolean): OpenRefusedError {
  // Exact bytes where rounding would make the two look equal ("4 KiB; the limit is 4 KiB").
  const exact = formatBytes(bytes) === formatBytes(maxBytes);
  const [size, limit] = exact ? [`${bytes} bytes`, `${maxBytes} bytes`] : [formatBytes(bytes), formatBytes(maxBytes)];
  const what = total ? `the files together come to ${size}` : `it is ${size}`;
  return new OpenRefusedError(
    path,
    `${what}; the limit is ${limit}`,
    `Raise it in config.toml, for example open-max = "${formatSizeValue(Math.min(MAX_OPEN_MAX, Math.max(maxBytes * 2, bytes)))}" under [defaults].`,
  );
}

/** The index of the first C0 or C1 control character (or DEL), if any. */
function firstControl(text: string): number | undefined {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return i;
  }
  return undefined;
}
