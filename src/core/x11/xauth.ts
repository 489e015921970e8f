/**
 * The per-instance X11 cookie. It only ever travels through files (0600) and stdin pipes:
 * never argv, never the environment, never a container label, never a log line.
 */
export const COOKIE_PROTOCOL = "MIT-MAGIC-COOKIE-1";

/** 128 bits from the system CSPRNG, as hex. */
export function generateCookie(random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  return Buffer.from(random(new Uint8Array(16))).toString("hex");
}

/**
 * One `xauth nmerge` line for a FamilyWild entry with no display number: it matches any
 * host name and display. Family wild, because the container's hostname differs from ours;
 * no display number, because the file is written before Xephyr has chosen its display.
 * The X server loads every cookie in its -auth file whatever the family, so the same
 * entry serves as the server's file too.
 */
export function wildcardAuthEntry(cookieHex: string): string {
  if (!/^[0-9a-f]{32}$/.test(cookieHex)) throw new Error("a cookie is 16 bytes of hex");
  const hex = (text: string) => Buffer.from(text).toString("hex");
  const field = (hexValue: string) => `${(hexValue.length / 2).toString(16).padStart(4, "0")} ${hexValue}`;
  // family address number name data, each "length hex", as `xauth nlist` prints them.
  return `ffff ${field("")} ${field("")} ${field(hex(COOKIE_PROTOCOL))} ${field(cookieHex)}\n`;
}

/** xauth reads the entry from stdin ("-"), so the cookie is in no process's argv. */
export function buildXauthMergeArgs(file: string): string[] {
  return ["-q", "-f", file, "nmerge", "-"];
}
