/**
 * `dockercask net`'s rows: one per destination, newest first, and for `--follow` the entries
 * that are new or changed since the last look.
 */
import { formatBytes } from "../text/size.ts";
import { formatUptime } from "../text/uptime.ts";
import { formatDestination, type NetEntry } from "./net-log.ts";

export const NET_COLUMNS = ["DESTINATION", "ADDRESS", "", "WHY", "CONNS", "SENT", "RECEIVED", "LAST"];

export function netRow(entry: NetEntry, now: number): string[] {
  return [
    formatDestination(entry.host, entry.port),
    entry.address && entry.address !== entry.host ? entry.address : "-",
    entry.allowed ? "allowed" : "refused",
    entry.why,
    String(entry.connections),
    entry.allowed ? formatBytes(entry.sent) : "-",
    entry.allowed ? formatBytes(entry.received) : "-",
    `${formatUptime(Math.max(0, Math.round((now - entry.last) / 1000)))} ago`,
  ];
}

/** What changed between two looks at the log, in the order it happened (oldest first). */
export function changedSince(before: NetEntry[], after: NetEntry[]): NetEntry[] {
  const seen = new Map(before.map((e) => [`${e.host}\u0000${e.port}`, e]));
  return after
    .filter((e) => {
      const old = seen.get(`${e.host}\u0000${e.port}`);
      return !old || old.connections !== e.connections || old.sent !== e.sent || old.received !== e.received;
    })
    .reverse();
}

/** `ps`'s NETWORK cell: the policy, and under `internet` its lists ("internet, only *.slack.com, allow nas.lan"). */
export function formatNetwork(network: { mode: string; allow: string[]; only?: string[] }): string {
  const parts = [network.mode];
  if (network.only?.length) parts.push(`only ${network.only.join(" ")}`);
  if (network.allow.length) parts.push(`allow ${network.allow.join(" ")}`);
  return parts.join(", ");
}
