/**
 * The `internet` policy's rules: what an instance may connect to, judged once on the name the
 * app asked for (`only`) and once on the address the proxy is about to connect to (the ranges
 * of address.ts, the host's own addresses, `allow`). Pure: the proxy (adapters/net-proxy.ts)
 * resolves and connects; this says yes or no, and why.
 */
import { type Address, type Cidr, inCidr, nonPublicReason, parseAddress, parseCidr, sameAddress } from "./address.ts";

/** A destination `allow` adds: a range or a name (wildcards as in `only`), with a port or any. */
export interface AllowEntry {
  text: string;
  target: { cidr: Cidr } | { pattern: string };
  port?: number;
}

/** What an instance's network reaches beyond the public internet, and what narrows it. */
export interface NetRules {
  allow: AllowEntry[];
  /** Names (and literal addresses) the instance is limited to; undefined: no limit. */
  only?: string[];
}

export type Verdict = { allowed: true; why: string } | { allowed: false; why: string };

const LABEL = "[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?";
const NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);

/** A host name as the proxy accepts it: lower case, no trailing dot, letters, digits, `-` and `_`. */
export function normalizeName(name: string): string | undefined {
  const lower = name.toLowerCase().replace(/\.$/, "");
  return lower.length <= 253 && NAME.test(lower) ? lower : undefined;
}

/** `only`'s and `allow`'s name patterns: `example.com`, `*.example.com` (any depth below it, not itself), `*`. */
export function explainInvalidPattern(pattern: string): string | undefined {
  if (pattern === "*") return undefined;
  if (parseAddress(pattern)) return undefined;
  const name = pattern.startsWith("*.") ? pattern.slice(2) : pattern;
  if (name.includes("*")) return "a wildcard is allowed only as the whole first label (`*.example.com`)";
  return normalizeName(name) ? undefined : "not a host name";
}

export function matchesPattern(pattern: string, name: string): boolean {
  if (pattern === "*") return true;
  const p = pattern.toLowerCase();
  if (p.startsWith("*.")) return name.endsWith(p.slice(1)) && name.length > p.length - 1;
  const literal = parseAddress(p);
  const asked = parseAddress(name);
  if (literal || asked) return !!literal && !!asked && sameAddress(literal, asked);
  return p === name;
}

/** "192.168.1.20:631", "nas.lan", "10.0.0.0/24", "[fd00::1]:443", "*.lan:8080". */
export function parseAllowEntry(text: string): { ok: true; entry: AllowEntry } | { ok: false; problem: string } {
  const fail = (problem: string) => ({ ok: false as const, problem });
  let host = text.trim();
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(host);
  const withPort = /^([^:]+):([^:]*)$/.exec(host);
  let portText: string | undefined;
  if (bracketed) [host, portText] = [bracketed[1]!, bracketed[2]];
  else if (withPort) [host, portText] = [withPort[1]!, withPort[2]];
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535)
      return fail(`the port must be a number from 1 to 65535, not ${JSON.stringify(portText)}`);
    port = Number(portText);
  }
  if (host.includes("/") || parseAddress(host)) {
    const cidr = parseCidr(host);
    if (!cidr) return fail("not an address or a range such as 10.0.0.0/24");
    return { ok: true, entry: { text, target: { cidr }, port } };
  }
  if (host === "*") return fail("`*` would allow every private address: name the hosts or ranges");
  const problem = explainInvalidPattern(host);
  if (problem) return fail(problem);
  return { ok: true, entry: { text, target: { pattern: host.toLowerCase() }, port } };
}

export function explainInvalidAllow(text: string): string | undefined {
  const parsed = parseAllowEntry(text);
  return parsed.ok ? undefined : parsed.problem;
}

/** `only`, on the name the app asked for, before anything is resolved. */
export function checkAsked(rules: NetRules, asked: string, port: number): Verdict {
  // What `allow` names passes `only` too: both are the user's explicit word.
  const literal = parseAddress(asked);
  const allowedBy = rules.allow.find(
    (e) =>
      portMatches(e, port) &&
      ("pattern" in e.target ? matchesPattern(e.target.pattern, asked) : !!literal && inCidr(literal, e.target.cidr)),
  );
  if (allowedBy) return { allowed: true, why: `allow ${allowedBy.text}` };
  if (!rules.only) return { allowed: true, why: "internet" };
  const pattern = rules.only.find((p) => matchesPattern(p, asked));
  if (pattern) return { allowed: true, why: `only ${pattern}` };
  return { allowed: false, why: parseAddress(asked) ? "an address, and `only` does not list it" : "not in `only`" };
}

/**
 * The address the proxy is about to connect to. `host` holds the host's own addresses (every
 * interface, every engine bridge's gateway): an allow entry reaches them only when it names
 * the port, so a host service is never opened by a range alone.
 */
export function checkAddress(
  rules: NetRules,
  asked: string,
  address: Address,
  port: number,
  host: readonly Address[],
): Verdict {
  const own = host.some((a) => sameAddress(a, address)) || THIS_HOST.some((r) => inCidr(address, r));
  const reason = own
    ? `the host's own address${nonPublicReason(address) === "loopback" ? " (loopback)" : ""}`
    : nonPublicReason(address);
  const entry = rules.allow.find(
    (e) =>
      portMatches(e, port) &&
      (!own || e.port !== undefined) &&
      ("cidr" in e.target ? inCidr(address, e.target.cidr) : matchesPattern(e.target.pattern, asked)),
  );
  if (entry) return { allowed: true, why: `allow ${entry.text}` };
  return reason ? { allowed: false, why: reason } : { allowed: true, why: "public" };
}

/** Addresses that reach the host itself whatever its interfaces: loopback, and "this host" (0.0.0.0 connects to it). */
const THIS_HOST = ["127.0.0.0/8", "0.0.0.0/8", "::1/128", "::/128", "::ffff:127.0.0.0/104", "::ffff:0.0.0.0/104"].map(
  (r) => parseCidr(r)!,
);

function portMatches(entry: AllowEntry, port: number): boolean {
  return entry.port === undefined || entry.port === port;
}

/**
 * The recipe's `only` and the config's, together: the config widens a recipe's list; `*` in
 * either lifts the limit. Undefined: no limit.
 */
export function combineOnly(recipe: string[] | undefined, config: string[] | undefined): string[] | undefined {
  if (!recipe?.length && !config?.length) return undefined;
  const all = [...(recipe ?? []), ...(config ?? [])];
  return all.includes("*") ? undefined : [...new Set(all)];
}
