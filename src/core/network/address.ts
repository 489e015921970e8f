/**
 * IP addresses as the network policy reads them: every spelling a resolver accepts, and the
 * ranges an app under `internet` never reaches. The proxy checks the address it is about to
 * connect to, after resolution, so a name that resolves to a private address is judged as that
 * address; these rules are the one place that says what "private" means.
 */

/** An address as bytes: 4 for IPv4, 16 for IPv6. */
export type Address = Uint8Array;

/**
 * A host written as a number, in every form inet_aton(3) and so getaddrinfo accept
 * ("2130706433", "0x7f.1", "0177.0.0.1", "127.1"), or as IPv6 (brackets and a zone allowed).
 * Undefined: a name (or nothing a resolver reads as a number).
 */
export function parseAddress(host: string): Address | undefined {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (bare.includes(":")) return parseIpv6(bare);
  return parseIpv4(bare);
}

const PART = /^(?:0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*)$/;

function parseIpv4(text: string): Address | undefined {
  const parts = text.split(".");
  if (parts.length > 4 || !parts.every((p) => PART.test(p))) return undefined;
  const values = parts.map((p) =>
    /^0[xX]/.test(p)
      ? p.length === 2
        ? 0
        : Number.parseInt(p.slice(2), 16)
      : p.startsWith("0")
        ? Number.parseInt(p, 8) || 0
        : Number(p),
  );
  // The last part fills what the others leave: a.b.c.d, a.b.(16 bits), a.(24 bits), (32 bits).
  const lastBits = 8 * (5 - parts.length);
  const last = values[values.length - 1]!;
  if (values.slice(0, -1).some((v) => v > 255) || last >= 2 ** lastBits) return undefined;
  const bytes = new Uint8Array(4);
  values.slice(0, -1).forEach((v, i) => {
    bytes[i] = v;
  });
  for (let i = 3, rest = last; i >= values.length - 1; i--, rest = Math.floor(rest / 256)) bytes[i] = rest % 256;
  return bytes;
}

function parseIpv6(text: string): Address | undefined {
  const zone = text.indexOf("%");
  let body = zone >= 0 ? text.slice(0, zone) : text;
  const tail: number[] = [];
  // A dotted IPv4 tail (::ffff:127.0.0.1) is strict: four decimal parts.
  const dotted = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(body);
  if (dotted) {
    const four = dotted[2]!.split(".").map(Number);
    if (four.some((v) => v > 255)) return undefined;
    tail.push((four[0]! << 8) | four[1]!, (four[2]! << 8) | four[3]!);
    body = dotted[1]!.endsWith("::") ? dotted[1]! : dotted[1]!.slice(0, -1);
  }
  const halves = body.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const head = groups(halves[0]!);
  const after = halves.length === 2 ? groups(halves[1]!) : [];
  if (![...head, ...after].every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const known = head.length + after.length + tail.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return undefined;
  const words = [
    ...head.map((g) => Number.parseInt(g, 16)),
    ...new Array(8 - known).fill(0),
    ...after.map((g) => Number.parseInt(g, 16)),
    ...tail,
  ];
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    bytes[2 * i] = w >> 8;
    bytes[2 * i + 1] = w & 0xff;
  });
  return bytes;
}

export function formatAddress(address: Address): string {
  if (address.length === 4) return address.join(".");
  const words = Array.from({ length: 8 }, (_, i) => ((address[2 * i]! << 8) | address[2 * i + 1]!).toString(16));
  // The longest run of zero words (two or more) becomes "::", as RFC 5952 writes it.
  let best = { start: -1, length: 1 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && words[j] === "0") j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.start < 0) return words.join(":");
  return `${words.slice(0, best.start).join(":")}::${words.slice(best.start + best.length).join(":")}`;
}

/** A range of addresses: its first address and how many leading bits are fixed. */
export interface Cidr {
  base: Address;
  bits: number;
}

/** "10.0.0.0/24", "fd00::/8", or one address (all its bits). Undefined when it is not one. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.lastIndexOf("/");
  const base = parseAddress(slash >= 0 ? text.slice(0, slash) : text);
  if (!base) return undefined;
  const max = base.length * 8;
  if (slash < 0) return { base, bits: max };
  const bitsText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bitsText) || Number(bitsText) > max) return undefined;
  return { base, bits: Number(bitsText) };
}

export function inCidr(address: Address, range: Cidr): boolean {
  if (address.length !== range.base.length) return false;
  for (let bit = 0; bit < range.bits; bit += 8) {
    const take = Math.min(8, range.bits - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    if ((address[bit / 8]! & mask) !== (range.base[bit / 8]! & mask)) return false;
  }
  return true;
}

export function sameAddress(a: Address, b: Address): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

const range = (text: string, why: string) => ({ cidr: parseCidr(text)!, why });

/** What `internet` never reaches, with the reason the net log shows. */
const REFUSED_V4 = [
  range("0.0.0.0/8", "this network"),
  range("10.0.0.0/8", "private (RFC 1918)"),
  range("100.64.0.0/10", "carrier-grade NAT"),
  range("127.0.0.0/8", "loopback"),
  range("169.254.0.0/16", "link-local"),
  range("172.16.0.0/12", "private (RFC 1918)"),
  range("192.0.0.0/24", "IETF protocol assignments"),
  range("192.0.2.0/24", "documentation"),
  range("192.168.0.0/16", "private (RFC 1918)"),
  range("198.18.0.0/15", "benchmarking"),
  range("198.51.100.0/24", "documentation"),
  range("203.0.113.0/24", "documentation"),
  range("224.0.0.0/4", "multicast"),
  range("240.0.0.0/4", "reserved or broadcast"),
];

/** IPv6 that embeds an IPv4 address is judged as that address too. */
const EMBEDS_V4 = [
  { cidr: parseCidr("64:ff9b::/96")!, at: 12 },
  { cidr: parseCidr("2002::/16")!, at: 2 },
];

const REFUSED_V6 = [
  range("::/128", "unspecified"),
  range("::1/128", "loopback"),
  range("::ffff:0:0/96", "IPv4-mapped"),
  range("::/96", "IPv4-compatible"),
  range("100::/64", "discard"),
  range("2001::/23", "IETF protocol assignments"),
  range("2001:db8::/32", "documentation"),
  range("fc00::/7", "unique local"),
  range("fe80::/10", "link-local"),
  range("fec0::/10", "site-local"),
  range("ff00::/8", "multicast"),
];
/** Global unicast: everything else outside it is not the public internet either. */
const GLOBAL_V6 = parseCidr("2000::/3")!;

/** Why the public internet does not hold this address, or undefined when it does. */
export function nonPublicReason(address: Address): string | undefined {
  if (address.length === 4) return REFUSED_V4.find((r) => inCidr(address, r.cidr))?.why;
  const refused = REFUSED_V6.find((r) => inCidr(address, r.cidr));
  if (refused) return refused.why;
  for (const embed of EMBEDS_V4) {
    if (!inCidr(address, embed.cidr)) continue;
    // NAT64 and 6to4 reach the IPv4 address they carry: judged as it is.
    const inner = nonPublicReason(address.slice(embed.at, embed.at + 4));
    return inner && `${inner}, inside IPv6`;
  }
  return inCidr(address, GLOBAL_V6) ? undefined : "not global unicast";
}
