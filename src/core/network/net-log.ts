/**
 * What an instance's network did, by destination: the table `dockercask net` shows, kept by
 * the proxy. Bounded twice: at most MAX_ENTRIES destinations (the least recent goes), and
 * refusals said in the session's log once per destination and at most MAX_SAID times in all,
 * so an app that knocks on every address of the LAN cannot flood the terminal or the memory.
 */

export interface NetEntry {
  /** What the app asked for: a name, or an address. */
  host: string;
  port: number;
  /** The address connected to (or refused), when the name resolved. */
  address?: string;
  allowed: boolean;
  why: string;
  connections: number;
  /** Bytes from the app to the destination, and back. */
  sent: number;
  received: number;
  /** Milliseconds since the epoch. */
  last: number;
}

export const MAX_ENTRIES = 256;
export const MAX_SAID = 20;

export interface NetLog {
  /** A connection asked for, and what became of it; returns the line to log, if one is due. */
  record(event: { host: string; port: number; address?: string; allowed: boolean; why: string }): string | undefined;
  /** Bytes carried on an allowed connection to host:port. */
  carried(host: string, port: number, sent: number, received: number): void;
  /** Newest first. */
  entries(): NetEntry[];
}

export function createNetLog(now: () => number, instance: string): NetLog {
  const table = new Map<string, NetEntry>();
  const said = new Set<string>();
  const key = (host: string, port: number) => `${host}\u0000${port}`;
  return {
    record(event) {
      const k = key(event.host, event.port);
      const entry = table.get(k) ?? { ...event, connections: 0, sent: 0, received: 0, last: 0 };
      Object.assign(entry, event, { connections: entry.connections + 1, last: now() });
      // Re-inserted, so the map's order is least recent first.
      table.delete(k);
      table.set(k, entry);
      if (table.size > MAX_ENTRIES) table.delete(table.keys().next().value!);
      if (event.allowed || said.has(k) || said.size > MAX_SAID) return undefined;
      said.add(k);
      if (said.size > MAX_SAID)
        return `network: more refusals are not shown here; \`dockercask net ${instance}\` lists them all`;
      const to = event.address && event.address !== event.host ? ` (${event.address})` : "";
      return `network: refused ${formatDestination(event.host, event.port)}${to}: ${event.why}`;
    },
    carried(host, port, sent, received) {
      const entry = table.get(key(host, port));
      if (!entry) return;
      entry.sent += sent;
      entry.received += received;
    },
    entries: () => [...table.values()].reverse(),
  };
}

/** host:port, with brackets around an IPv6 address. */
export function formatDestination(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The file the supervisor writes (adapters/net-log-file.ts) and `dockercask net` reads. */
export interface NetLogSnapshot {
  instance: string;
  /** When it was written, in milliseconds since the epoch. */
  written: number;
  entries: NetEntry[];
}

/** The snapshot, or undefined when the text is not one a supervisor wrote. */
export function parseNetLogSnapshot(text: string): NetLogSnapshot | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const snapshot = value as Partial<NetLogSnapshot>;
  if (typeof snapshot?.instance !== "string" || typeof snapshot.written !== "number") return undefined;
  if (!Array.isArray(snapshot.entries) || !snapshot.entries.every(isEntry)) return undefined;
  return snapshot as NetLogSnapshot;
}

function isEntry(value: unknown): value is NetEntry {
  const e = value as NetEntry;
  const count = (n: unknown) => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;
  return (
    typeof e?.host === "string" &&
    count(e.port) &&
    (e.address === undefined || typeof e.address === "string") &&
    typeof e.allowed === "boolean" &&
    typeof e.why === "string" &&
    count(e.connections) &&
    count(e.sent) &&
    count(e.received) &&
    count(e.last)
  );
}
