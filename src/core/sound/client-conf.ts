/**
 * client.conf, read as libpulse reads it, for its `default-server`:
 *
 * - which file (pulsecore/core-util.c, pa_open_config_file): `$PULSE_CLIENTCONFIG` when it is
 *   set, with no fallback when it is not there; else `$PULSE_CONFIG_PATH/client.conf`, or else
 *   `~/.pulse/client.conf` then `~/.config/pulse/client.conf` (libpulse does not look at
 *   XDG_CONFIG_HOME for it); else `/etc/pulse/client.conf`. The first that opens is the one.
 * - then, only when one opened, the `*.conf` files of `<that file>.d/` in name order
 *   (pulsecore/conf-parser.c, pa_config_parse with use_dot_d), a later assignment winning.
 * - each line (conf-parser.c, parse_line): leading blanks skipped; cut at the first `#` or
 *   `;`; `.include <file>` reads that file there (relative to the including one); `[section]`
 *   headers are allowed but for `[Properties]`; otherwise `key = value`, a known key with a
 *   value of its type. A line that is none of these (no `=`, an unknown key, a boolean that
 *   is not one) ends the reading of that file: libpulse keeps what came before it and reads
 *   nothing after it, though it still reads the .d/ files.
 * - `default-server =` with nothing after it unsets it.
 *
 * Pure: the caller hands in how to read a file and list a folder.
 */

export interface ConfigFiles {
  /** A file's text, or undefined when it is not there or cannot be read as a file. */
  read(path: string): string | undefined;
  /** The names in a folder; [] when there is none. */
  list(dir: string): string[];
}

export interface ClientConf {
  /** The files read, in libpulse's order: the main one (and what it includes), then its .d/ files. */
  files: string[];
  /** `default-server` as libpulse ends up with it, and where it was last set. */
  server?: { value: string; file: string; line: number };
  /** Files that were not read to their end, and why: libpulse stops at a line it cannot take. */
  stops: string[];
  /** When no file opened: the paths tried, in order. */
  tried: string[];
}

/** pa_parse_boolean: the language-independent words, and the C locale's yes/no expressions. */
const isBoolean = (v: string) => /^(1|0|y|n|t|f|yes|no|true|false|on|off)$/i.test(v) || /^[yYnN]/.test(v);
/** pa_atou: decimal (leading zeros allowed) or 0x hex, no sign or blanks, at most 32 bits. */
const isUnsigned = (v: string) => /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(v) && Number(v) <= 0xffff_ffff;
const isString = () => true;

/** The keys libpulse's client.conf table knows (pulse/client-conf.c), each with what its value must be. */
const KEYS: Record<string, (value: string) => boolean> = {
  "daemon-binary": isString,
  "extra-arguments": isString,
  "default-sink": isString,
  "default-source": isString,
  "default-server": isString,
  "default-dbus-server": isString,
  autospawn: isBoolean,
  "cookie-file": isString,
  "disable-shm": isBoolean,
  "enable-shm": isBoolean,
  "enable-memfd": isBoolean,
  "shm-size-bytes": isUnsigned,
  "auto-connect-localhost": isBoolean,
  "auto-connect-display": isBoolean,
};

/** libpulse has no bound (a file that includes itself overflows its stack); we stop here. */
const MAX_INCLUDE_DEPTH = 16;

/** The main client.conf files libpulse tries, in order; the first that opens is the one. */
export function clientConfCandidates(env: Record<string, string | undefined>, home: string | undefined): string[] {
  if (env.PULSE_CLIENTCONFIG !== undefined) return [env.PULSE_CLIENTCONFIG];
  const local =
    env.PULSE_CONFIG_PATH !== undefined
      ? [`${env.PULSE_CONFIG_PATH}/client.conf`]
      : home !== undefined
        ? [`${home}/.pulse/client.conf`, `${home}/.config/pulse/client.conf`]
        : undefined;
  // With neither PULSE_CONFIG_PATH nor a home, libpulse gives up before the system's file.
  return local ? [...local, "/etc/pulse/client.conf"] : [];
}

/** What libpulse reads of client.conf, and the `default-server` it ends up with. */
export function loadClientConf(
  env: Record<string, string | undefined>,
  home: string | undefined,
  files: ConfigFiles,
): ClientConf {
  const tried = clientConfCandidates(env, home);
  const conf: ClientConf = { files: [], stops: [], tried: [] };
  const main = tried.map((path) => ({ path, text: files.read(path) })).find((f) => f.text !== undefined);
  if (!main) return { ...conf, tried };
  readFile(main.path, main.text!, conf, files, 0);
  const dropIns = files
    .list(`${main.path}.d`)
    .filter((name) => name.endsWith(".conf"))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const name of dropIns) {
    const path = `${main.path}.d/${name}`;
    const text = files.read(path);
    if (text !== undefined) readFile(path, text, conf, files, 0);
  }
  return conf;
}

/** Reads one file's lines into `conf`; false when a line ended it early (so an including file stops too). */
function readFile(path: string, text: string, conf: ClientConf, files: ConfigFiles, depth: number): boolean {
  conf.files.push(path);
  const lines = text.split("\n");
  for (const [index, raw] of lines.entries()) {
    const line = index + 1;
    const why = readLine(raw.replace(/^[ \t]+/, "").replace(/[#;].*$/, ""), { path, line, conf, files, depth });
    if (why) {
      conf.stops.push(`${path} is not read past line ${line}: ${why}`);
      return false;
    }
  }
  return true;
}

/** One line, its comment cut off; a reason when libpulse refuses it. */
function readLine(
  text: string,
  at: { path: string; line: number; conf: ClientConf; files: ConfigFiles; depth: number },
): string | undefined {
  if (!text) return undefined;
  if (text.startsWith(".include ")) {
    const name = strip(text.slice(".include ".length));
    const path = name.startsWith("/") ? name : `${at.path.slice(0, at.path.lastIndexOf("/"))}/${name}`;
    if (at.depth >= MAX_INCLUDE_DEPTH) return `includes nested deeper than ${MAX_INCLUDE_DEPTH}`;
    const included = at.files.read(path);
    // A missing file is no error to libpulse; one that stops early stops the file including it.
    if (included === undefined) return undefined;
    return readFile(path, included, at.conf, at.files, at.depth + 1) ? undefined : `${path} stops early`;
  }
  if (text.startsWith("[")) {
    if (!text.endsWith("]")) return "a section header without its ]";
    return text === "[Properties]" ? "a [Properties] section, which client.conf may not have" : undefined;
  }
  const equals = text.indexOf("=");
  if (equals < 0) return "no '=' in it";
  const key = strip(text.slice(0, equals));
  const value = strip(text.slice(equals + 1));
  const valid = KEYS[key];
  if (!valid) return `unknown key ${JSON.stringify(key)}`;
  if (!valid(value)) return `${JSON.stringify(value)} is not a valid value for ${key}`;
  if (key === "default-server") at.conf.server = value ? { value, file: at.path, line: at.line } : undefined;
  return undefined;
}

/** pa_strip: libpulse's white space off both ends. */
const strip = (text: string) => text.replace(/^[\n\r \t]+|[\n\r \t]+$/g, "");
