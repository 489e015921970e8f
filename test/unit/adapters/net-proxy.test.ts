/**
 * The proxy's socket, against a stand-in web server on 127.0.0.1 and a stand-in resolver: what a
 * name that resolves to the host, or to the host and a public address together, gets (the
 * address checked is the address connected to), that `allow` with a port opens the host's
 * service, that a stopped proxy leaves no connection, and what each refusal says.
 */
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type NetProxy, startNetProxy } from "../../../src/adapters/net-proxy.ts";
import { type Address, parseAddress } from "../../../src/core/network/address.ts";
import { createNetLog } from "../../../src/core/network/net-log.ts";
import { type AllowEntry, type NetRules, parseAllowEntry } from "../../../src/core/network/rules.ts";

let dir: string;
let proxy: NetProxy | undefined;
let server: ReturnType<typeof Bun.serve> | undefined;
let hits = 0;
afterEach(() => {
  proxy?.stop();
  server?.stop(true);
  rmSync(dir, { recursive: true, force: true });
});

/** The stand-in server first, then the proxy with `rules`, given the server's port. */
async function start(rules: NetRules | ((port: number) => NetRules), names: Record<string, string[]> = {}) {
  dir = mkdtempSync(join(tmpdir(), "dockercask-net-"));
  hits = 0;
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () => {
      hits += 1;
      return new Response("SERVICE");
    },
  });
  const path = join(dir, "net.sock");
  const warnings: string[] = [];
  const netLog = createNetLog(Date.now, "x");
  proxy = await startNetProxy({
    path,
    rules: typeof rules === "function" ? rules(server.port as number) : rules,
    netLog,
    log: { warn: (m) => warnings.push(m), debug: () => {} },
    onChange: () => {},
    resolve: async (name) => (names[name] ?? []).map((a) => parseAddress(a) as Address),
  });
  return { path, port: server.port as number, warnings, netLog };
}

/** Sends `request` on a new connection to the proxy; resolves with everything it answered. */
function ask(path: string, request: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    let text = "";
    socket.on("data", (chunk) => {
      text += chunk.toString("latin1");
      // A tunnel stays open: once the page came through it, that is the answer.
      if (text.includes("SERVICE")) socket.end();
    });
    socket.on("close", () => resolve(text));
    socket.on("error", () => resolve(text));
    socket.write(request);
  });
}

const allow = (...entries: string[]): AllowEntry[] =>
  entries.map((e) => {
    const parsed = parseAllowEntry(e);
    if (!parsed.ok) throw new Error(parsed.problem);
    return parsed.entry;
  });
const connect = (target: string) => `CONNECT ${target} HTTP/1.1\r\n\r\nGET / HTTP/1.0\r\n\r\n`;

test.each([
  ["loopback, as an address", (port: number) => connect(`127.0.0.1:${port}`), "the host's own address (loopback)"],
  [
    "a name that resolves to loopback",
    (port: number) => connect(`rebind.example:${port}`),
    "the host's own address (loopback)",
  ],
  [
    "a plain request to a name that resolves to loopback",
    (port: number) => `GET http://rebind.example:${port}/ HTTP/1.1\r\n\r\n`,
    "loopback",
  ],
  ["a name that resolves to nothing", (port: number) => connect(`nowhere.example:${port}`), "does not resolve"],
])("refused: %s, and the service never reached", async (_, request, says) => {
  const { path, port } = await start({ allow: [] }, { "rebind.example": ["127.0.0.1"] });
  const answer = await ask(path, request(port));
  expect(answer).toMatch(/^HTTP\/1\.1 (403|502) /);
  expect(answer).toContain(says);
  expect(hits).toBe(0);
});

test("a name that resolves to loopback and a refused address too: none is tried", async () => {
  const { path, port, netLog } = await start({ allow: [] }, { "both.example": ["10.1.2.3", "127.0.0.1"] });
  expect(await ask(path, connect(`both.example:${port}`))).toStartWith("HTTP/1.1 403 ");
  expect(hits).toBe(0);
  expect(netLog.entries()[0]).toMatchObject({ host: "both.example", allowed: false, address: "10.1.2.3" });
});

test("allow with the port opens the host's service, by address and by a name allow names: the control", async () => {
  const { path, port, netLog } = await start((p) => ({ allow: allow(`127.0.0.1:${p}`, `service.lan:${p}`) }), {
    "service.lan": ["127.0.0.1"],
  });
  expect(await ask(path, connect(`127.0.0.1:${port}`))).toContain("SERVICE");
  expect(await ask(path, `GET http://service.lan:${port}/ HTTP/1.1\r\nHost: service.lan\r\n\r\n`)).toContain("SERVICE");
  expect(hits).toBe(2);
  // Bytes are counted when a connection closes.
  await Bun.sleep(50);
  expect(netLog.entries().find((e) => e.host === "127.0.0.1")?.received).toBeGreaterThan(0);
});

test("allow without a port does not open the host, even when its range covers loopback", async () => {
  const { path, port } = await start({ allow: allow("127.0.0.0/8") });
  expect(await ask(path, connect(`127.0.0.1:${port}`))).toStartWith("HTTP/1.1 403 ");
  expect(hits).toBe(0);
});

test("stopped, it closes every connection it holds, and accepts no more", async () => {
  const { path } = await start({ allow: [] });
  const held = createConnection(path);
  await new Promise((r) => held.once("connect", r));
  const closed = new Promise((r) => held.once("close", r));
  proxy!.stop();
  await closed;
  const refused = await new Promise<boolean>((r) => {
    const again = createConnection(path);
    again.once("connect", () => r(false));
    again.once("error", () => r(true));
  });
  expect(refused).toBe(true);
  proxy = undefined;
});

test("a refused destination is said once, however often it is asked for", async () => {
  const { path, port, warnings } = await start({ allow: [] });
  for (let i = 0; i < 5; i++) await ask(path, connect(`127.0.0.1:${port}`));
  expect(warnings).toEqual([`network: refused 127.0.0.1:${port}: the host's own address (loopback)`]);
});
