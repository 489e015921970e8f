/**
 * The opening of a connection to the instance's proxy, read strictly: an HTTP proxy request
 * (CONNECT, or a plain `GET http://...`), SOCKS5, or SOCKS4 and 4a. One port serves all
 * three, told apart by the first byte. Each reader takes everything received so far and says
 * whether it needs more, what was asked, or what to answer before closing.
 */
import { formatAddress, parseAddress } from "./address.ts";
import { normalizeName } from "./rules.ts";

/** The most an HTTP request head may be: a browser's is about 1 KiB; a flood gets a 431 at this. */
export const MAX_HEAD_BYTES = 16 * 1024;

export interface Destination {
  /** A normalized name, or an address as formatAddress writes it. */
  host: string;
  port: number;
}

export type Reading<T> =
  | { status: "more" }
  | { status: "bad"; reply: Uint8Array; why: string }
  | ({ status: "done"; length: number } & T);

export type Protocol = "http" | "socks5" | "socks4";

/** Which protocol the first byte opens, or undefined for none of them. */
export function protocolOf(first: number): Protocol | undefined {
  if (first === 5) return "socks5";
  if (first === 4) return "socks4";
  return first >= 0x41 && first <= 0x5a ? "http" : undefined; // an HTTP method: upper-case letters
}

/** A host as a client wrote it: a number in any spelling becomes its address, a name its normal form. */
function readHost(text: string): string | undefined {
  const address = parseAddress(text);
  if (address) return formatAddress(address);
  return normalizeName(text);
}

function readPort(text: string): number | undefined {
  return /^\d{1,5}$/.test(text) && Number(text) >= 1 && Number(text) <= 65535 ? Number(text) : undefined;
}

// --- HTTP -----------------------------------------------------------------------------------

const encoder = new TextEncoder();

export function httpReply(status: number, reason: string, body = ""): Uint8Array {
  const text = body ? `dockercask: ${body}\n` : "";
  return encoder.encode(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\nConnection: close\r\n\r\n${text}`,
  );
}

export const HTTP_CONNECTED = encoder.encode("HTTP/1.1 200 Connection established\r\n\r\n");

export type HttpRequest =
  | { kind: "connect"; destination: Destination }
  /** A plain-HTTP request: `head` is what goes to the server, in origin form, with `Connection: close`. */
  | { kind: "forward"; destination: Destination; head: Uint8Array };

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FIELD = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*([^\r\n\0]*?)[ \t]*$/;
/** Fields the proxy consumes or replaces: they are about the hop to us, not to the server. */
const HOP_FIELDS = new Set(["connection", "proxy-connection", "proxy-authorization", "keep-alive", "te", "upgrade"]);

export function readHttpRequest(buffer: Uint8Array): Reading<{ request: HttpRequest }> {
  const end = indexOfHeadEnd(buffer);
  if (end < 0 && buffer.length < MAX_HEAD_BYTES) return { status: "more" };
  if (end < 0 || end > MAX_HEAD_BYTES)
    return bad(431, "Request Header Fields Too Large", `a request head longer than ${MAX_HEAD_BYTES} bytes`);
  const text = new TextDecoder("latin1").decode(buffer.subarray(0, end));
  const [line = "", ...fields] = text.split("\r\n");
  const parts = line.split(" ");
  if (parts.length !== 3 || !TOKEN.test(parts[0]!) || !/^HTTP\/1\.[01]$/.test(parts[2]!))
    return bad(400, "Bad Request", "not an HTTP/1 request line");
  const [method, target, version] = parts as [string, string, string];
  const parsedFields: [string, string][] = [];
  for (const field of fields) {
    const match = FIELD.exec(field);
    if (!match) return bad(400, "Bad Request", "a malformed header field");
    parsedFields.push([match[1]!, match[2]!]);
  }
  const length = end + 4;
  if (method === "CONNECT") {
    const destination = readAuthority(target);
    if (!destination) return bad(400, "Bad Request", "CONNECT needs host:port");
    return { status: "done", length, request: { kind: "connect", destination } };
  }
  const url = /^http:\/\/([^/?#]*)([^#]*)/i.exec(target);
  if (!url)
    return bad(400, "Bad Request", "a proxy request names an absolute http:// URL (https goes through CONNECT)");
  const destination = readAuthority(url[1]!, 80);
  if (!destination) return bad(400, "Bad Request", "a URL with no valid host");
  const path = url[2] ? (url[2].startsWith("/") ? url[2] : `/${url[2]}`) : "/";
  const kept = parsedFields.filter(([name]) => !HOP_FIELDS.has(name.toLowerCase()));
  const head = [`${method} ${path} ${version}`, ...kept.map(([n, v]) => `${n}: ${v}`), "Connection: close", "", ""];
  return {
    status: "done",
    length,
    request: { kind: "forward", destination, head: latin1(head.join("\r\n")) },
  };
}

/**
 * A plain-HTTP response on its way back: `Connection: close` in place of whatever the server
 * said, so the client opens a new connection for its next request, which the proxy checks again
 * (one request per connection to the proxy: a second one on it would reach the first server).
 * Undefined until the head is whole; the head as it came when it is not one (or is too long).
 */
export function closeResponseHead(buffer: Uint8Array): Uint8Array | undefined {
  const end = indexOfHeadEnd(buffer);
  if (end < 0) return buffer.length >= MAX_HEAD_BYTES ? buffer : undefined;
  const text = new TextDecoder("latin1").decode(buffer.subarray(0, end));
  const [status = "", ...fields] = text.split("\r\n");
  if (!/^HTTP\/1\.[01] \d{3}/.test(status)) return buffer;
  const kept = fields.filter((f) => !HOP_FIELDS.has(f.slice(0, f.indexOf(":")).trim().toLowerCase()));
  const head = latin1([status, ...kept, "Connection: close", "", ""].join("\r\n"));
  const out = new Uint8Array(head.length + buffer.length - end - 4);
  out.set(head);
  out.set(buffer.subarray(end + 4), head.length);
  return out;
}

/** host:port, [v6]:port, or host alone when a default port is given. No user info. */
function readAuthority(text: string, defaultPort?: number): Destination | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]@]+))(?::(\d+))?$/.exec(text);
  if (!match) return undefined;
  const host = readHost(match[1] ? `[${match[1]}]` : match[2]!);
  const port = match[3] === undefined ? defaultPort : readPort(match[3]);
  if (match[1] && !parseAddress(match[1])) return undefined;
  return host && port ? { host, port } : undefined;
}

/** The head's bytes as they came (latin1 maps each byte to one char and back). */
function latin1(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function indexOfHeadEnd(buffer: Uint8Array): number {
  for (let i = 0; i + 3 < buffer.length; i++)
    if (buffer[i] === 13 && buffer[i + 1] === 10 && buffer[i + 2] === 13 && buffer[i + 3] === 10) return i;
  return -1;
}

function bad(status: number, reason: string, why: string): { status: "bad"; reply: Uint8Array; why: string } {
  return { status: "bad", reply: httpReply(status, reason, why), why };
}

// --- SOCKS5 (RFC 1928), no authentication, CONNECT only -------------------------------------

export const SOCKS5_NO_AUTH = new Uint8Array([5, 0]);

export const SOCKS5_REPLY = {
  succeeded: 0,
  generalFailure: 1,
  notAllowed: 2,
  hostUnreachable: 4,
  connectionRefused: 5,
  commandNotSupported: 7,
  addressTypeNotSupported: 8,
} as const;

export function socks5Reply(code: number): Uint8Array {
  return new Uint8Array([5, code, 0, 1, 0, 0, 0, 0, 0, 0]);
}

/** The greeting: version, then the methods offered; only "no authentication" (0) is taken. */
export function readSocks5Greeting(buffer: Uint8Array): Reading<object> {
  if (buffer.length < 2) return { status: "more" };
  const count = buffer[1]!;
  if (count === 0) return { status: "bad", reply: new Uint8Array([5, 0xff]), why: "SOCKS5 offered no method" };
  if (buffer.length < 2 + count) return { status: "more" };
  if (!buffer.subarray(2, 2 + count).includes(0))
    return { status: "bad", reply: new Uint8Array([5, 0xff]), why: "SOCKS5 without the no-authentication method" };
  return { status: "done", length: 2 + count };
}

export function readSocks5Request(buffer: Uint8Array): Reading<{ destination: Destination }> {
  if (buffer.length < 5) return { status: "more" };
  const refuse = (code: number, why: string) => ({ status: "bad" as const, reply: socks5Reply(code), why });
  if (buffer[0] !== 5 || buffer[2] !== 0) return refuse(SOCKS5_REPLY.generalFailure, "a malformed SOCKS5 request");
  if (buffer[1] !== 1) return refuse(SOCKS5_REPLY.commandNotSupported, "SOCKS5 BIND or UDP (only CONNECT crosses)");
  const type = buffer[3];
  const addressLength = type === 1 ? 4 : type === 4 ? 16 : type === 3 ? 1 + buffer[4]! : -1;
  if (addressLength < 0) return refuse(SOCKS5_REPLY.addressTypeNotSupported, "an unknown SOCKS5 address type");
  const length = 4 + addressLength + 2;
  if (buffer.length < length) return { status: "more" };
  const raw = buffer.subarray(4, 4 + addressLength);
  const host =
    type === 3 ? readHost(new TextDecoder("latin1").decode(raw.subarray(1))) : formatAddress(new Uint8Array(raw));
  const port = (buffer[length - 2]! << 8) | buffer[length - 1]!;
  if (!host || port === 0) return refuse(SOCKS5_REPLY.generalFailure, "a SOCKS5 request with no valid host or port");
  return { status: "done", length, destination: { host, port } };
}

// --- SOCKS4 and 4a ---------------------------------------------------------------------------

export function socks4Reply(granted: boolean): Uint8Array {
  return new Uint8Array([0, granted ? 0x5a : 0x5b, 0, 0, 0, 0, 0, 0]);
}

/** Version 4, CONNECT, port, address, a user id ended by NUL, and for 4a (0.0.0.x) a name ended by NUL. */
export function readSocks4Request(buffer: Uint8Array): Reading<{ destination: Destination }> {
  if (buffer.length < 9) return { status: "more" };
  const refuse = (why: string) => ({ status: "bad" as const, reply: socks4Reply(false), why });
  if (buffer[1] !== 1) return refuse("SOCKS4 BIND (only CONNECT crosses)");
  const userEnd = buffer.indexOf(0, 8);
  if (userEnd < 0) return buffer.length > 8 + 255 ? refuse("a SOCKS4 user id over 255 bytes") : { status: "more" };
  const port = (buffer[2]! << 8) | buffer[3]!;
  const address = buffer.subarray(4, 8);
  let host: string | undefined;
  let length = userEnd + 1;
  if (address[0] === 0 && address[1] === 0 && address[2] === 0 && address[3] !== 0) {
    const nameEnd = buffer.indexOf(0, length);
    if (nameEnd < 0) return buffer.length > length + 255 ? refuse("a SOCKS4a name over 255 bytes") : { status: "more" };
    host = readHost(new TextDecoder("latin1").decode(buffer.subarray(length, nameEnd)));
    length = nameEnd + 1;
  } else {
    host = formatAddress(new Uint8Array(address));
  }
  if (!host || port === 0) return refuse("a SOCKS4 request with no valid host or port");
  return { status: "done", length, destination: { host, port } };
}
