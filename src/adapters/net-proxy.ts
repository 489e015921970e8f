/**
 * The instance's network under `internet`: a proxy on a unix socket in its runtime dir, which
 * the container reaches through a forwarder on its own 127.0.0.1 (the base image's session
 * script). The container itself has no network at all (NetworkMode none): every connection
 * passes here, where the name the app asked for is checked against `only`, resolved on the
 * host, and each address checked (core/network/rules.ts) before it is connected to. The
 * address connected to is the one checked: no second lookup an attacker's DNS could answer
 * differently.
 */
import { lookup } from "node:dns/promises";
import { chmodSync, readFileSync } from "node:fs";
import { createConnection, createServer, type Socket } from "node:net";
import { concatBytes } from "../core/bytes.ts";
import { type Address, formatAddress, parseAddress } from "../core/network/address.ts";
import { parseFibTrieLocals, parseIfInet6 } from "../core/network/host-addresses.ts";
import type { NetLog } from "../core/network/net-log.ts";
import {
  closeResponseHead,
  type Destination,
  HTTP_CONNECTED,
  httpReply,
  MAX_HEAD_BYTES,
  protocolOf,
  type Reading,
  readHttpRequest,
  readSocks4Request,
  readSocks5Greeting,
  readSocks5Request,
  SOCKS5_NO_AUTH,
  SOCKS5_REPLY,
  socks4Reply,
  socks5Reply,
} from "../core/network/proxy-request.ts";
import { checkAddress, checkAsked, type NetRules, type Verdict } from "../core/network/rules.ts";
import { withTimeout } from "../core/with-timeout.ts";

/** Open connections per instance: a browser keeps a few dozen; a flood gets no more. */
const MAX_CONNECTIONS = 256;
/** A client must have said where it goes by then (a byte a second never gets there). */
const REQUEST_DEADLINE_MS = 10_000;
/** Resolving and connecting, each. */
const RESOLVE_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 15_000;
/** How long the host's own addresses are reused before they are read again. */
const HOST_ADDRESSES_TTL_MS = 2_000;

export interface NetProxyOptions {
  path: string;
  rules: NetRules;
  log: { warn(message: string): void; debug(message: string): void };
  netLog: NetLog;
  /** Called after the net log changed (to write its snapshot). */
  onChange(): void;
  /** Resolves a name on the host: every address, in the resolver's order. */
  resolve?: (name: string) => Promise<Address[]>;
}

export interface NetProxy {
  stop(): void;
}

export async function startNetProxy(options: NetProxyOptions): Promise<NetProxy> {
  const { rules, log, netLog } = options;
  const resolve = options.resolve ?? resolveOnHost;
  const sockets = new Set<Socket>();
  let stopped = false;
  let warnedFull = false;
  const hostAddresses = cachedHostAddresses();

  const record = (destination: Destination, verdict: Verdict, address?: string) => {
    const line = netLog.record({ ...destination, address, allowed: verdict.allowed, why: verdict.why });
    if (line) log.warn(line);
    options.onChange();
  };

  const server = createServer({ pauseOnConnect: false }, (client) => {
    if (sockets.size >= MAX_CONNECTIONS) {
      client.destroy();
      if (!warnedFull) log.warn(`network: the app has ${MAX_CONNECTIONS} connections open; more are refused`);
      warnedFull = true;
      return;
    }
    sockets.add(client);
    client.once("close", () => sockets.delete(client));
    client.on("error", () => client.destroy());
    const deadline = setTimeout(() => client.destroy(), REQUEST_DEADLINE_MS);
    client.once("close", () => clearTimeout(deadline));

    let buffer: Uint8Array = new Uint8Array(0);
    let stage: "first" | "http" | "socks5-greeting" | "socks5" | "socks4" | "busy" = "first";
    const refuse = (reply: Uint8Array, why: string) => {
      log.debug(`network: a malformed request: ${why}`);
      client.end(reply);
      stage = "busy";
    };
    const onData = (chunk: Buffer) => {
      if (stage === "busy") return;
      buffer = concatBytes(buffer, chunk);
      if (stage === "first") {
        const protocol = protocolOf(buffer[0]!);
        if (!protocol) return refuse(httpReply(400, "Bad Request", "not a proxy request"), "an unknown protocol");
        stage = protocol === "socks5" ? "socks5-greeting" : protocol;
      }
      if (stage === "socks5-greeting") {
        const greeting = readSocks5Greeting(buffer);
        if (greeting.status === "more") return;
        if (greeting.status === "bad") return refuse(greeting.reply, greeting.why);
        client.write(SOCKS5_NO_AUTH);
        buffer = buffer.subarray(greeting.length);
        stage = "socks5";
        if (!buffer.length) return;
      }
      const reading: Reading<{ destination: Destination; head?: Uint8Array }> =
        stage === "http"
          ? fromHttp(readHttpRequest(buffer))
          : stage === "socks5"
            ? readSocks5Request(buffer)
            : readSocks4Request(buffer);
      if (reading.status === "more") {
        // Only HTTP heads are long; a SOCKS request is a few hundred bytes at most.
        if (buffer.length > MAX_HEAD_BYTES) refuse(httpReply(431, "Request Header Fields Too Large"), "too long");
        return;
      }
      if (reading.status === "bad") return refuse(reading.reply, reading.why);
      const protocol = stage;
      stage = "busy";
      clearTimeout(deadline);
      client.pause();
      client.off("data", onData);
      const rest = buffer.subarray(reading.length);
      void connectFor(client, protocol, reading.destination, reading.head, rest);
    };
    client.on("data", onData);
  });

  const answer = (protocol: string, ok: boolean, code: number = SOCKS5_REPLY.notAllowed, status = 403, why = "") => {
    if (protocol === "socks5") return socks5Reply(ok ? SOCKS5_REPLY.succeeded : code);
    if (protocol === "socks4") return socks4Reply(ok);
    return ok ? HTTP_CONNECTED : httpReply(status, status === 403 ? "Forbidden" : "Bad Gateway", why);
  };

  async function connectFor(
    client: Socket,
    protocol: string,
    destination: Destination,
    head: Uint8Array | undefined,
    rest: Uint8Array,
  ): Promise<void> {
    const asked = checkAsked(rules, destination.host, destination.port);
    if (!asked.allowed) {
      record(destination, asked);
      client.end(answer(protocol, false, SOCKS5_REPLY.notAllowed, 403, asked.why));
      return;
    }
    const literal = parseAddress(destination.host);
    let addresses: Address[];
    try {
      addresses = literal
        ? [literal]
        : await withTimeout(resolve(destination.host), RESOLVE_TIMEOUT_MS, () => new Error("timed out"));
    } catch {
      addresses = [];
    }
    if (stopped || client.destroyed) return;
    if (!addresses.length) {
      log.debug(`network: ${destination.host} does not resolve`);
      client.end(answer(protocol, false, SOCKS5_REPLY.hostUnreachable, 502, `${destination.host} does not resolve`));
      return;
    }
    const host = hostAddresses();
    const verdicts = addresses.map((a) => ({ a, v: checkAddress(rules, destination.host, a, destination.port, host) }));
    // Only addresses that pass are tried; a name that also resolves to a private one is not refused for it.
    const chosen = verdicts.find((x) => x.v.allowed) ?? verdicts[0]!;
    const address = formatAddress(chosen.a);
    record(destination, chosen.v, address);
    if (!chosen.v.allowed) {
      client.end(answer(protocol, false, SOCKS5_REPLY.notAllowed, 403, `${address}: ${chosen.v.why}`));
      return;
    }
    // No Nagle: a request's small segments go at once, as the app wrote them.
    const upstream = createConnection({ host: address, port: destination.port, noDelay: true });
    sockets.add(upstream);
    upstream.once("close", () => sockets.delete(upstream));
    const timer = setTimeout(() => upstream.destroy(new Error("timed out")), CONNECT_TIMEOUT_MS);
    upstream.once("error", (error) => {
      clearTimeout(timer);
      log.debug(`network: ${address}:${destination.port}: ${error.message}`);
      if (!client.destroyed) client.end(answer(protocol, false, SOCKS5_REPLY.connectionRefused, 502, error.message));
    });
    upstream.once("connect", () => {
      clearTimeout(timer);
      if (stopped || client.destroyed) return upstream.destroy();
      if (head) upstream.write(head);
      else client.write(answer(protocol, true));
      if (rest.length) upstream.write(rest);
      let sent = rest.length + (head?.length ?? 0);
      let received = 0;
      client.on("data", (chunk: Buffer) => {
        sent += chunk.length;
      });
      upstream.on("data", (chunk: Buffer) => {
        received += chunk.length;
      });
      client.pipe(upstream);
      if (head) pipeClosingHead(upstream, client);
      else upstream.pipe(client);
      client.on("error", () => upstream.destroy());
      upstream.on("error", () => client.destroy());
      client.once("close", () => upstream.destroy());
      upstream.once("close", () => {
        client.destroy();
        netLog.carried(destination.host, destination.port, sent, received);
        options.onChange();
      });
      client.resume();
    });
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(options.path, () => resolveListen());
  });
  // As the sound socket: the container's user may not be ours (root's apps run as 1000); the
  // 0700 runtime dir keeps everyone else out, and only this instance's container gets it.
  chmodSync(options.path, 0o666);
  return {
    stop() {
      stopped = true;
      server.close();
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
  };
}

function fromHttp(
  reading: ReturnType<typeof readHttpRequest>,
): Reading<{ destination: Destination; head?: Uint8Array }> {
  if (reading.status !== "done") return reading;
  const { request } = reading;
  return {
    status: "done",
    length: reading.length,
    destination: request.destination,
    head: request.kind === "forward" ? request.head : undefined,
  };
}

/** A plain-HTTP response: its head rewritten to `Connection: close` (closeResponseHead), then the rest piped. */
function pipeClosingHead(upstream: Socket, client: Socket): void {
  let pending: Uint8Array = new Uint8Array(0);
  const onHead = (chunk: Buffer) => {
    pending = concatBytes(pending, chunk);
    const rewritten = closeResponseHead(pending);
    if (!rewritten) return;
    upstream.off("data", onHead);
    client.write(rewritten);
    upstream.pipe(client);
  };
  upstream.on("data", onHead);
}

async function resolveOnHost(name: string): Promise<Address[]> {
  const found = await lookup(name, { all: true, verbatim: true });
  return found.map((f) => parseAddress(f.address)).filter((a): a is Address => a !== undefined);
}

/** The host's own addresses, read again at most every couple of seconds (an interface may come up). */
function cachedHostAddresses(): () => Address[] {
  let read = 0;
  let addresses: Address[] = [];
  const file = (path: string) => {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return "";
    }
  };
  return () => {
    if (Date.now() - read > HOST_ADDRESSES_TTL_MS) {
      addresses = [...parseFibTrieLocals(file("/proc/net/fib_trie")), ...parseIfInet6(file("/proc/net/if_inet6"))];
      read = Date.now();
    }
    return addresses;
  };
}
