/**
 * Test hosts in network namespaces the test makes: a veth pair, 10.x addresses on both ends,
 * a web server inside. The host routes to it, so a proxy on the host reaches it, as it would a
 * device on the LAN. Nothing here talks to any other address.
 */
import { join } from "node:path";
import { sh } from "./helpers.ts";

export interface TestHost {
  /** The namespace's address (the "LAN device"), and the host's own address on the link. */
  address: string;
  hostSide: string;
  port: number;
  /** The requests the server has answered, by path. */
  hits(path: string): number;
  /** Shapes the test host's link to `rate` (tc's spelling: "1gbit"), as a real uplink would be. */
  limitRate(rate: string): Promise<void>;
  remove(): Promise<void>;
}

let made = 0;

/** A namespace with a web server on address:port that answers pages carrying `marker`. */
export async function createTestHost(marker: string, port = 8080): Promise<TestHost> {
  made += 1;
  const id = `${process.pid % 10_000}x${made}`;
  const ns = `dcn${id}`;
  const subnet = `10.203.${(process.pid + made * 7) % 250}`;
  const [outer, inner] = [`dch${id}`, `dcn${id}`];
  const steps = [
    ["ip", "netns", "add", ns],
    ["ip", "link", "add", outer, "type", "veth", "peer", "name", inner],
    ["ip", "link", "set", inner, "netns", ns],
    ["ip", "addr", "add", `${subnet}.1/24`, "dev", outer],
    ["ip", "link", "set", outer, "up"],
    ["ip", "netns", "exec", ns, "ip", "addr", "add", `${subnet}.2/24`, "dev", inner],
    ["ip", "netns", "exec", ns, "ip", "link", "set", inner, "up"],
    ["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"],
  ];
  for (const step of steps) {
    const result = await sh(step);
    if (result.code !== 0) throw new Error(`${step.join(" ")}: ${result.stderr}`);
  }
  const server = Bun.spawn(
    [
      "ip",
      "netns",
      "exec",
      ns,
      process.execPath,
      join(import.meta.dir, "fixtures/net-server.ts"),
      `${subnet}.2`,
      String(port),
      marker,
    ],
    { stdout: "pipe", stderr: "inherit" },
  );
  const lines: string[] = [];
  const ready = (async () => {
    const decoder = new TextDecoder();
    let resolveReady: () => void = () => {};
    const listening = new Promise<void>((r) => (resolveReady = r));
    void (async () => {
      let text = "";
      for await (const chunk of server.stdout as ReadableStream<Uint8Array>) {
        text += decoder.decode(chunk);
        const parts = text.split("\n");
        text = parts.pop()!;
        for (const line of parts) {
          if (line === "listening") resolveReady();
          else lines.push(line);
        }
      }
    })();
    await listening;
  })();
  await Promise.race([
    ready,
    Bun.sleep(15_000).then(() => Promise.reject(new Error("the test host's server did not start"))),
  ]);
  return {
    address: `${subnet}.2`,
    hostSide: `${subnet}.1`,
    port,
    hits: (path) => lines.filter((l) => l === `hit ${path}`).length,
    async limitRate(rate) {
      const tc = ["ip", "netns", "exec", ns, "tc", "qdisc", "replace", "dev", inner, "root", "tbf"];
      const result = await sh([...tc, "rate", rate, "burst", "1mb", "latency", "50ms"]);
      if (result.code !== 0) throw new Error(`tc: ${result.stderr}`);
    },
    async remove() {
      server.kill();
      await server.exited;
      await sh(["ip", "netns", "del", ns]);
      await sh(["ip", "link", "del", outer]);
    },
  };
}

/** The engine's bridge gateway on this host (docker0's address). */
export async function bridgeGateway(): Promise<string> {
  const out = (await sh(["ip", "-4", "-o", "addr", "show", "dev", "docker0"])).stdout;
  const address = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(out)?.[1];
  if (!address) throw new Error(`docker0 has no IPv4 address: ${out}`);
  return address;
}

/** A service of the host's own, bound to every address (what a dev server or a database does): it counts its hits. */
export function startHostService(): { port: number; hits(): number; stop(): void } {
  let hits = 0;
  const server = Bun.serve({
    hostname: "0.0.0.0",
    port: 0,
    fetch: () => {
      hits += 1;
      return new Response("HOST SECRET");
    },
  });
  return { port: server.port as number, hits: () => hits, stop: () => server.stop(true) };
}
