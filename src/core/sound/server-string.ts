/**
 * A PulseAudio server string, read as libpulse reads it (pulsecore/strlist.c splits it,
 * pulsecore/parseaddr.c reads each entry): servers separated by white space, each a socket
 * path (`/path` or `unix:/path`) or a TCP server (`tcp:`, `tcp4:`, `tcp6:` or a bare host),
 * optionally behind a `{machine-id}` prefix. An entry prefixed with another machine's id is
 * that machine's, and libpulse passes it over: its path, if one exists here, is a different
 * server. Pure.
 */

export type ServerEntry =
  /** A local socket: the only kind the relay can serve (it connects to the server's own socket). */
  | { socket: string; entry: string }
  | { tcp: string; entry: string }
  /** Why libpulse, or the relay, passes it over. */
  | { skip: string; entry: string };

/** libpulse's white space for a server list (pulsecore/core-util.c, WHITESPACE). */
const SEPARATORS = /[\n\r \t]+/;

/** The entries of `value` in order; `machineId` is this machine's (see machineIdOf in discovery.ts). */
export function parseServerString(value: string, machineId: string | undefined): ServerEntry[] {
  return value
    .split(SEPARATORS)
    .filter(Boolean)
    .map((entry) => readEntry(entry, machineId));
}

function readEntry(entry: string, machineId: string | undefined): ServerEntry {
  let rest = entry;
  if (rest.startsWith("{")) {
    const prefix = machineId === undefined ? undefined : `{${machineId}}`;
    if (!prefix || !rest.startsWith(prefix))
      return { skip: "another machine's (its {id} is not this machine's)", entry };
    rest = rest.slice(prefix.length);
  }
  const path = rest.startsWith("/") ? rest : rest.startsWith("unix:") ? rest.slice("unix:".length) : undefined;
  if (path === undefined) return { tcp: rest, entry };
  // libpulse would resolve a relative path against the client's working directory: no place
  // for the relay to trust, so only an absolute path is taken.
  if (!path.startsWith("/")) return { skip: "not an absolute socket path", entry };
  return { socket: path, entry };
}

/** Why an entry that names no socket here, or a socket that is not there, was passed over. */
export function whyPassedOver(entry: ServerEntry): string {
  if ("skip" in entry) return `${entry.entry} is ${entry.skip}`;
  if ("tcp" in entry) return `${entry.entry} is a TCP server, which is not relayed`;
  return `${entry.socket} is not a socket`;
}
