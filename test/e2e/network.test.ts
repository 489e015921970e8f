/**
 * Network containment (issue "Network containment"). Under `internet` an app reaches public
 * addresses and what `allow` names, never the host's own services or the LAN. Every attack runs
 * inside a real container as the app's user (fixtures/net-probe.pl), beside a positive control
 * that passes. The "LAN" is a test host in a network namespace this file makes (10.203.x.2);
 * the "host's service" is a server here, bound to every address. Nothing talks to any other address.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Sandbox } from "./helpers.ts";
import { bridgeGateway, createTestHost, startHostService, type TestHost } from "./netns.ts";
import { containerId, createAppSandbox, type RunningSession, readState, startRun, waitUntilClean } from "./session.ts";

const PROBE = readFileSync(join(import.meta.dir, "fixtures/net-probe.pl"), "utf8");
const SHUT = "attacker#net";
const OPEN = "attacker#net-allow";
const BRIDGE = "attacker#net-bridge";
const ONLY = "attacker#net-only";
const FLOOD = "attacker#net-flood";
const MARKER = "DOCKERCASK LAN PAGE";

let box: Sandbox;
let lan: TestHost;
let gateway: string;
let hostService: ReturnType<typeof startHostService>;
const sessions = new Map<string, RunningSession>();

beforeAll(async () => {
  box = await createAppSandbox("network");
  lan = await createTestHost(MARKER);
  gateway = await bridgeGateway();
  hostService = startHostService();
  const config = join(box.env.XDG_CONFIG_HOME!, "dockercask");
  mkdirSync(config, { recursive: true });
  writeFileSync(
    join(config, "config.toml"),
    [
      `[instances."${SHUT}"]`,
      `network = "internet"`,
      `[instances."${OPEN}"]`,
      `network = "internet"`,
      `allow = ["${lan.address}:${lan.port}"]`,
      `[instances."${BRIDGE}"]`,
      `network = "bridge"`,
      `[instances."${ONLY}"]`,
      `network = "internet"`,
      `only = ["only.invalid"]`,
      `[instances."${FLOOD}"]`,
      `network = "internet"`,
      "",
    ].join("\n"),
  );
  for (const instance of [SHUT, OPEN, BRIDGE, ONLY, FLOOD]) sessions.set(instance, await startRun(box, instance));
}, 600_000);

afterAll(async () => {
  await box?.run(["stop", "--all"]);
  await Promise.all([...sessions.values()].map((s) => s.exited));
  hostService?.stop();
  await lan?.remove();
  box?.cleanup();
}, 120_000);

/** The probe inside the instance, as its user: one JSON line back. */
async function probe(instance: string, ...args: string[]): Promise<Record<string, string | number | null>> {
  const proc = Bun.spawn(["docker", "exec", "-i", await containerId(instance), "perl", "-", ...args], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  proc.stdin.write(PROBE);
  await proc.stdin.end();
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  await proc.exited;
  const line = out.trim().split("\n").pop() ?? "";
  if (!line.startsWith("{")) throw new Error(`the probe said: ${out}${err}`);
  return JSON.parse(line);
}

const hostPort = () => String(hostService.port);
const dotted = (address: string) => address.split(".").map(Number);
const asNumber = (address: string) => dotted(address).reduce((n, part) => n * 256 + part, 0);

describe("positive controls: what internet and allow let through", () => {
  test.each([
    ["CONNECT", ["connect", "LAN"]],
    ["a plain HTTP proxy request", ["forward", "http://LAN/"]],
    ["SOCKS5", ["socks5", "HOST", "PORT"]],
    ["SOCKS4a", ["socks4a", "HOST", "PORT"]],
  ])("allow names the LAN host: %s reaches its page", async (_, args) => {
    const fill = (a: string) =>
      a.replace("LAN", `${lan.address}:${lan.port}`).replace("HOST", lan.address).replace("PORT", String(lan.port));
    const result = await probe(OPEN, ...args.map(fill));
    expect(String(result.body)).toContain(MARKER);
  });

  test("under bridge the same host service is reached, through its own address and the gateway: the hole internet closes", async () => {
    const before = hostService.hits();
    expect(await probe(BRIDGE, "direct", lan.hostSide, hostPort())).toMatchObject({
      connected: 1,
      body: "HOST SECRET",
    });
    expect(await probe(BRIDGE, "direct", gateway, hostPort())).toMatchObject({ connected: 1, body: "HOST SECRET" });
    expect(hostService.hits()).toBe(before + 2);
  });

  test("a run under bridge says once what it opens", () => {
    const said =
      sessions
        .get(BRIDGE)!
        .output()
        .match(/bridge reaches the host's own services and the LAN/g) ?? [];
    expect(said).toHaveLength(1);
  });
});

describe("attacks from inside under internet: each refused", () => {
  test("no route at all without the proxy: the LAN host, the host's address, the gateway", async () => {
    for (const [host, port] of [
      [lan.address, String(lan.port)],
      [lan.hostSide, hostPort()],
      [gateway, hostPort()],
    ] as const)
      expect(await probe(SHUT, "direct", host, port)).toMatchObject({ connected: 0 });
  });

  test.each([
    ["the LAN host", () => `${lan.address}:${lan.port}`, "private (RFC 1918)"],
    ["the host's own address on the link", () => `${lan.hostSide}:${hostPort()}`, "the host's own address"],
    ["the bridge gateway", () => `${gateway}:${hostPort()}`, "the host's own address"],
    ["loopback", () => `127.0.0.1:${hostPort()}`, "loopback"],
    ["a name that resolves to loopback", () => `localhost:${hostPort()}`, "loopback"],
    ["loopback as one decimal number", () => `2130706433:${hostPort()}`, "loopback"],
    ["loopback in hex", () => `0x7f000001:${hostPort()}`, "loopback"],
    ["loopback in octal parts", () => `0177.0.0.1:${hostPort()}`, "loopback"],
    ["loopback in short form", () => `127.1:${hostPort()}`, "loopback"],
    ["the LAN host as one decimal number", () => `${asNumber(lan.address)}:${lan.port}`, "private (RFC 1918)"],
    ["the LAN host in hex", () => `0x${asNumber(lan.address).toString(16)}:${lan.port}`, "private (RFC 1918)"],
    ["IPv6 loopback", () => `[::1]:${hostPort()}`, "loopback"],
    ["IPv4-mapped loopback", () => `[::ffff:127.0.0.1]:${hostPort()}`, "the host's own address"],
    ["the LAN host, IPv4-mapped", () => `[::ffff:${lan.address}]:${lan.port}`, "IPv4-mapped"],
    ["the LAN host through NAT64", () => `[64:ff9b::${lan.address}]:${lan.port}`, "private (RFC 1918), inside IPv6"],
    ["cloud metadata", () => "169.254.169.254:80", "link-local"],
  ])("CONNECT to %s", async (_, target, why) => {
    const result = await probe(SHUT, "connect", target());
    expect(result.proxy).toBe(403);
    expect(String(result.reply)).toContain(why);
  });

  test.each([
    ["SOCKS5 to the LAN host", ["socks5", "LAN", "PORT"], 2],
    ["SOCKS5 with a name that spells loopback", ["socks5", "2130706433", "HOSTPORT"], 2],
    ["SOCKS5 to localhost", ["socks5", "localhost", "HOSTPORT"], 2],
    ["SOCKS4a to the LAN host", ["socks4a", "LAN", "PORT"], 0x5b],
  ])("%s", async (_, args, code) => {
    const fill = (a: string) =>
      a.replace("LAN", lan.address).replace("HOSTPORT", hostPort()).replace("PORT", String(lan.port));
    expect(await probe(SHUT, ...args.map(fill))).toMatchObject({ socks: code });
  });

  test("a plain HTTP request to the LAN host", async () => {
    expect(await probe(SHUT, "forward", `http://${lan.address}:${lan.port}/`)).toMatchObject({ status: 403 });
  });

  test("a redirect from an allowed server to the host's service: the redirect passes, the request it asks for does not", async () => {
    const target = `http://${lan.hostSide}:${hostPort()}/`;
    const redirect = await probe(
      OPEN,
      "forward",
      `http://${lan.address}:${lan.port}/redirect?to=${encodeURIComponent(target)}`,
    );
    expect(redirect).toMatchObject({ status: 302, location: target });
    expect(await probe(OPEN, "forward", String(redirect.location))).toMatchObject({ status: 403 });
  });

  test("none of the attacks reached the host's service or the LAN host's page", () => {
    // The bridge control counted its own two hits; every other request was refused before connecting.
    expect(hostService.hits()).toBe(2);
  });

  test("only: a name outside the list is not even resolved, and an address it does not list is refused", async () => {
    const name = await probe(ONLY, "connect", `localhost:${hostPort()}`);
    expect(name).toMatchObject({ proxy: 403 });
    expect(String(name.reply)).toContain("not in `only`");
    const address = await probe(ONLY, "connect", `${lan.address}:${lan.port}`);
    expect(String(address.reply)).toContain("an address, and `only` does not list it");
  });
});

describe("floods: the proxy stays up, bounded, and other instances keep their network", () => {
  const supervisorPeak = (instance: string) => {
    const pid = readState(sessions.get(instance)!).pid as number;
    return Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) * 1024;
  };

  test("a CONNECT line of 1 MiB is answered 431, not buffered", async () => {
    const result = await probe(FLOOD, "bigline", String(1024 * 1024));
    expect(result.status).toBe(431);
  });

  test("a client that sends one byte a second is cut off before it finishes", async () => {
    const result = await probe(FLOOD, "slow", "40");
    expect(Number(result.sent)).toBeLessThan(Number(result.of));
  }, 120_000);

  test("1,000 connections at once to the forwarder: it takes its cap, and another instance still fetches its page", async () => {
    const flood = probe(FLOOD, "flood", "1000", "10");
    await Bun.sleep(5000);
    expect(String((await probe(OPEN, "connect", `${lan.address}:${lan.port}`)).body)).toContain(MARKER);
    expect(Number((await flood).opened)).toBeGreaterThan(0);
  }, 180_000);

  test("1,000 connections at once straight at the proxy's socket: the supervisor stays within its bound, another instance still fetches its page, and the flooder's network works after", async () => {
    const flood = probe(FLOOD, "flood-socket", "1000", "20");
    await Bun.sleep(8000);
    expect(String((await probe(OPEN, "connect", `${lan.address}:${lan.port}`)).body)).toContain(MARKER);
    await flood;
    expect(supervisorPeak(FLOOD)).toBeLessThan(160 * 1024 ** 2);
    const after = await probe(FLOOD, "connect", `127.0.0.1:${hostPort()}`);
    expect(after.proxy).toBe(403);
    expect(sessions.get(FLOOD)!.output()).toMatch(/connections open; more are refused/);
  }, 180_000);
});

describe("what it did, visible", () => {
  test("`net` lists each destination with its verdict and why; bytes for the allowed", async () => {
    const shut = JSON.parse((await box.run(["net", SHUT, "--json"])).stdout) as {
      entries: { host: string; port: number; allowed: boolean; why: string }[];
    };
    expect(shut.entries).toContainEqual(
      expect.objectContaining({ host: lan.address, port: lan.port, allowed: false, why: "private (RFC 1918)" }),
    );
    const open = JSON.parse((await box.run(["net", OPEN, "--json"])).stdout) as {
      entries: { host: string; allowed: boolean; received: number }[];
    };
    const allowed = open.entries.find((e) => e.host === lan.address && e.allowed);
    expect(allowed?.received).toBeGreaterThan(0);
    const table = (await box.run(["net", SHUT])).stdout;
    expect(table).toContain("refused");
    expect(table).toContain(`${lan.address}:${lan.port}`);
  });

  test("each refused destination is said in the session's log once, however often it was tried", () => {
    const lines = sessions.get(SHUT)!.output().split("\n");
    const lan403 = lines.filter((l) => l.includes(`network: refused ${lan.address}:${lan.port}`));
    expect(lan403).toHaveLength(1);
  });

  test("`ps` shows the policy and the lists", async () => {
    const ps = JSON.parse((await box.run(["ps", "--json"])).stdout) as { instance: string; network?: unknown }[];
    expect(ps.find((r) => r.instance === OPEN)?.network).toEqual({
      mode: "internet",
      allow: [`${lan.address}:${lan.port}`],
    });
  });

  test("`net` on an instance under bridge says why it has nothing, with a hint", async () => {
    const result = await box.run(["net", BRIDGE]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("its connections do not pass dockercask");
  });

  test("stopped, nothing of its network is left: no socket, no proxy, no forwarder", async () => {
    await box.run(["stop", SHUT]);
    await sessions.get(SHUT)!.exited;
    expect(await waitUntilClean(box, SHUT)).toEqual([]);
  });
});
