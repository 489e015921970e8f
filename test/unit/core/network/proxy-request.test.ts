import { describe, expect, test } from "bun:test";
import {
  closeResponseHead,
  MAX_HEAD_BYTES,
  protocolOf,
  readHttpRequest,
  readSocks4Request,
  readSocks5Greeting,
  readSocks5Request,
} from "../../../../src/core/network/proxy-request.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("protocolOf", () => {
  test.each([
    [5, "socks5"],
    [4, "socks4"],
    ["C".charCodeAt(0), "http"],
    ["G".charCodeAt(0), "http"],
    [0x16, undefined], // a TLS ClientHello sent straight at the proxy
    ["g".charCodeAt(0), undefined],
  ])("%i: %s", (first, expected) => {
    expect(protocolOf(first)).toBe(expected as never);
  });
});

describe("readHttpRequest", () => {
  test.each([
    ["CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", "example.com", 443],
    ["CONNECT EXAMPLE.com.:443 HTTP/1.1\r\n\r\n", "example.com", 443],
    ["CONNECT 2130706433:80 HTTP/1.1\r\n\r\n", "127.0.0.1", 80],
    ["CONNECT 0x7f.1:80 HTTP/1.1\r\n\r\n", "127.0.0.1", 80],
    ["CONNECT [::1]:22 HTTP/1.1\r\n\r\n", "::1", 22],
    ["CONNECT [::ffff:127.0.0.1]:22 HTTP/1.1\r\n\r\n", "::ffff:7f00:1", 22],
  ])("CONNECT: %j", (request, host, port) => {
    const reading = readHttpRequest(bytes(request));
    expect(reading.status === "done" && reading.request).toEqual({ kind: "connect", destination: { host, port } });
  });

  test("a plain request is rewritten to origin form, with Connection: close and no proxy fields", () => {
    const request =
      "GET http://example.com:8080/a/b?c=d HTTP/1.1\r\nHost: example.com:8080\r\nProxy-Connection: keep-alive\r\nProxy-Authorization: Basic eA==\r\nAccept: */*\r\n\r\nbody";
    const reading = readHttpRequest(bytes(request));
    if (reading.status !== "done" || reading.request.kind !== "forward") throw new Error("not read");
    expect(reading.request.destination).toEqual({ host: "example.com", port: 8080 });
    expect(text(reading.request.head)).toBe(
      "GET /a/b?c=d HTTP/1.1\r\nHost: example.com:8080\r\nAccept: */*\r\nConnection: close\r\n\r\n",
    );
    expect(reading.length).toBe(request.length - "body".length);
  });

  test("a URL with no path gets /, and port 80", () => {
    const reading = readHttpRequest(bytes("GET http://example.com HTTP/1.0\r\n\r\n"));
    if (reading.status !== "done" || reading.request.kind !== "forward") throw new Error("not read");
    expect(reading.request.destination).toEqual({ host: "example.com", port: 80 });
    expect(text(reading.request.head).split("\r\n")[0]).toBe("GET / HTTP/1.0");
  });

  test("an incomplete head asks for more", () => {
    expect(readHttpRequest(bytes("CONNECT example.com:443 HTTP/1.1\r\nHost: x\r\n")).status).toBe("more");
  });

  test.each([
    ["a head that never ends", `CONNECT ${"a".repeat(MAX_HEAD_BYTES)}`, 431],
    ["a CONNECT line of 1 MiB", `CONNECT ${"a".repeat(1024 * 1024)}:443 HTTP/1.1\r\n\r\n`, 431],
    ["no port on CONNECT", "CONNECT example.com HTTP/1.1\r\n\r\n", 400],
    ["port 0", "CONNECT example.com:0 HTTP/1.1\r\n\r\n", 400],
    ["port 65536", "CONNECT example.com:65536 HTTP/1.1\r\n\r\n", 400],
    ["user info in the authority", "CONNECT user@example.com:443 HTTP/1.1\r\n\r\n", 400],
    ["user info in a URL", "GET http://user@example.com/ HTTP/1.1\r\n\r\n", 400],
    ["an https URL (CONNECT is the way)", "GET https://example.com/ HTTP/1.1\r\n\r\n", 400],
    ["an origin-form request (not a proxy request)", "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", 400],
    ["a name with a space", "CONNECT exa%20mple.com:443 HTTP/1.1\r\n\r\n", 400],
    ["HTTP/2", "CONNECT example.com:443 HTTP/2\r\n\r\n", 400],
    ["a field with no colon", "GET http://example.com/ HTTP/1.1\r\nHost example.com\r\n\r\n", 400],
    ["a folded field", "GET http://example.com/ HTTP/1.1\r\nX: a\r\n b\r\n\r\n", 400],
    ["an escape sequence in a field name", "GET http://example.com/ HTTP/1.1\r\n\u001b[31m: x\r\n\r\n", 400],
    ["brackets around a name", "CONNECT [example.com]:443 HTTP/1.1\r\n\r\n", 400],
  ])("refuses %s", (_, request, status) => {
    const reading = readHttpRequest(bytes(request));
    expect(reading.status).toBe("bad");
    expect(reading.status === "bad" && text(reading.reply).split(" ")[1]).toBe(String(status));
  });
});

describe("SOCKS5", () => {
  test.each([
    ["no-auth offered", [5, 1, 0], "done", 3],
    ["no-auth among others", [5, 2, 2, 0], "done", 4],
    ["only user/password", [5, 1, 2], "bad", 0],
    ["no method", [5, 0], "bad", 0],
    ["incomplete", [5, 2, 0], "more", 0],
  ])("greeting: %s", (_, input, status, length) => {
    const reading = readSocks5Greeting(new Uint8Array(input));
    expect(reading.status).toBe(status as never);
    if (reading.status === "done") expect(reading.length).toBe(length);
  });

  const name = (host: string, port: number) => [5, 1, 0, 3, host.length, ...bytes(host), port >> 8, port & 255];
  test.each([
    ["a name", name("Example.COM", 443), { host: "example.com", port: 443 }],
    ["IPv4", [5, 1, 0, 1, 10, 0, 0, 1, 0, 80], { host: "10.0.0.1", port: 80 }],
    ["IPv6", [5, 1, 0, 4, ...new Array(15).fill(0), 1, 0, 22], { host: "::1", port: 22 }],
    ["a name that spells a number", name("2130706433", 80), { host: "127.0.0.1", port: 80 }],
  ])("request: %s", (_, input, destination) => {
    const reading = readSocks5Request(new Uint8Array(input));
    expect(reading.status === "done" && reading.destination).toEqual(destination);
  });

  test.each([
    ["BIND", [5, 2, 0, 1, 10, 0, 0, 1, 0, 80], 7],
    ["UDP ASSOCIATE", [5, 3, 0, 1, 10, 0, 0, 1, 0, 80], 7],
    ["an unknown address type", [5, 1, 0, 9, 0, 0], 8],
    ["a bad name", name("a b", 80), 1],
    ["port 0", name("example.com", 0), 1],
    ["a wrong version", [4, 1, 0, 1, 10, 0, 0, 1, 0, 80], 1],
  ])("refuses %s", (_, input, code) => {
    const reading = readSocks5Request(new Uint8Array(input));
    expect(reading.status === "bad" && reading.reply[1]).toBe(code);
  });

  test("an incomplete request asks for more", () => {
    expect(readSocks5Request(new Uint8Array(name("example.com", 443).slice(0, 8))).status).toBe("more");
  });
});

describe("SOCKS4 and 4a", () => {
  test.each([
    ["SOCKS4", [4, 1, 0, 80, 10, 0, 0, 1, 0], { host: "10.0.0.1", port: 80 }],
    [
      "SOCKS4 with a user id",
      [4, 1, 1, 187, 93, 184, 216, 34, ...bytes("me"), 0],
      { host: "93.184.216.34", port: 443 },
    ],
    ["SOCKS4a", [4, 1, 0, 80, 0, 0, 0, 1, 0, ...bytes("example.com"), 0], { host: "example.com", port: 80 }],
  ])("%s", (_, input, destination) => {
    const reading = readSocks4Request(new Uint8Array(input));
    expect(reading.status === "done" && reading.destination).toEqual(destination);
  });

  test.each([
    ["BIND", [4, 2, 0, 80, 10, 0, 0, 1, 0]],
    ["a user id that never ends", [4, 1, 0, 80, 10, 0, 0, 1, ...new Array(300).fill(65)]],
    ["a 4a name that never ends", [4, 1, 0, 80, 0, 0, 0, 1, 0, ...new Array(300).fill(97)]],
    ["a bad 4a name", [4, 1, 0, 80, 0, 0, 0, 1, 0, ...bytes("a b"), 0]],
  ])("refuses %s", (_, input) => {
    expect(readSocks4Request(new Uint8Array(input)).status).toBe("bad");
  });
});

describe("closeResponseHead", () => {
  test("the server's keep-alive becomes close; the body follows untouched", () => {
    const response =
      "HTTP/1.1 302 Found\r\nLocation: http://a/\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\nbody";
    expect(text(closeResponseHead(bytes(response))!)).toBe(
      "HTTP/1.1 302 Found\r\nLocation: http://a/\r\nConnection: close\r\n\r\nbody",
    );
  });

  test("an incomplete head waits; a head that never ends, or is not HTTP, passes as it came", () => {
    expect(closeResponseHead(bytes("HTTP/1.1 200 OK\r\nA: b\r\n"))).toBeUndefined();
    const long = bytes(`HTTP/1.1 200 OK\r\nA: ${"b".repeat(MAX_HEAD_BYTES)}`);
    expect(closeResponseHead(long)).toBe(long);
    const other = bytes("SSH-2.0-OpenSSH\r\n\r\n");
    expect(closeResponseHead(other)).toBe(other);
  });
});
