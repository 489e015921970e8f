/**
 * The host's own addresses, read from the kernel's tables rather than from the interface list:
 * /proc/net/fib_trie names every local IPv4 address, of an interface with no carrier too (the
 * engine's bridge before its first container, which os.networkInterfaces() leaves out), and
 * /proc/net/if_inet6 every IPv6 one.
 */
import { type Address, parseAddress, sameAddress } from "./address.ts";

/** The addresses a `/32 host LOCAL` line follows in /proc/net/fib_trie. */
export function parseFibTrieLocals(text: string): Address[] {
  const found: Address[] = [];
  let last: string | undefined;
  for (const line of text.split("\n")) {
    const leaf = /^\s*\|--\s+(\S+)$/.exec(line);
    if (leaf) last = leaf[1];
    else if (last && /^\s*\/32 host LOCAL$/.test(line)) {
      const address = parseAddress(last);
      if (address && !found.some((a) => sameAddress(a, address))) found.push(address);
    }
  }
  return found;
}

/** /proc/net/if_inet6: each line's first field is the address as 32 hex digits. */
export function parseIfInet6(text: string): Address[] {
  const found: Address[] = [];
  for (const line of text.split("\n")) {
    const hex = /^([0-9a-f]{32})\s/.exec(line)?.[1];
    if (hex) found.push(Uint8Array.from({ length: 16 }, (_, i) => Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16)));
  }
  return found;
}
