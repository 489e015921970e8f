import { chmodSync } from "node:fs";
import { createConnection, createServer, type Socket } from "node:net";
import { findExecutable } from "./host-tools.ts";
import { runProgram } from "./process.ts";

/** The server has no per-client socket module: PipeWire's pipewire-pulse (0.3.65 in Debian 12) says "No such entity". */
export class SocketModuleUnsupportedError extends Error {}

/**
 * The per-instance PulseAudio socket: `pactl load-module module-native-protocol-unix` makes
 * the host's sound server listen on a socket of the instance's own, which is the only one
 * mounted into the container (never the host's main socket), and which goes with the module.
 */
export interface PulseClient {
  /** Whether a pulse server (PulseAudio, or PipeWire's pipewire-pulse) answers. */
  available(): Promise<boolean>;
  /** Loads a socket at `path`; returns the module index to unload it by. */
  loadSocket(path: string): Promise<number>;
  unload(index: number): Promise<void>;
  /**
   * The fallback where the server cannot make a socket per client: dockercask listens on
   * `path` itself and relays each connection, byte for byte, to the server's main socket. The
   * container still sees only its own socket, never the host's, and the relay (with every
   * connection through it) ends with the session. Pulse's fd passing is not relayed, which is
   * why the container's client.conf turns shared memory off.
   */
  relay(path: string): Promise<{ stop(): void }>;
  /** Socket modules whose socket lies under `dir`, with their socket paths. */
  socketsUnder(dir: string): Promise<{ index: number; path: string }[]>;
}

export function createPulseClient(env: Record<string, string | undefined>): PulseClient {
  // LC_ALL=C: pactl translates its messages, and we read its output. Without pactl on the
  // host, every call fails like a command that is not found, instead of throwing from spawn.
  const pactl = async (args: string[]) =>
    findExecutable("pactl", env.PATH)
      ? runProgram(["pactl", ...args], { env: { ...env, LC_ALL: "C" }, timeoutMs: 5000 })
      : { code: 127, stdout: "", stderr: "pactl: command not found" };
  return {
    async available() {
      return (await pactl(["info"])).code === 0;
    },
    async loadSocket(path) {
      // auth-anonymous: the socket itself is the capability; only this instance's container gets it.
      const result = await pactl(["load-module", "module-native-protocol-unix", `socket="${path}"`, "auth-anonymous=1"]);
      const index = Number(result.stdout.trim());
      if (/No such entity/i.test(result.stderr)) throw new SocketModuleUnsupportedError("the sound server cannot make a socket per client");
      if (result.code !== 0 || !Number.isInteger(index)) {
        throw new Error(`pactl load-module module-native-protocol-unix failed: ${result.stderr.trim() || result.stdout.trim()}`);
      }
      return index;
    },
    async relay(path) {
      const info = await pactl(["info"]);
      const server = /^Server String: (.+)$/m.exec(info.stdout)?.[1]?.trim().replace(/^unix:/, "");
      if (info.code !== 0 || !server?.startsWith("/")) throw new Error("the sound server's socket could not be found (pactl info)");
      return startRelay(path, server);
    },
    async unload(index) {
      await pactl(["unload-module", String(index)]);
    },
    async socketsUnder(dir) {
      const result = await pactl(["list", "short", "modules"]);
      if (result.code !== 0) return [];
      return result.stdout
        .split("\n")
        .map((line) => line.split("\t"))
        .filter(([, name]) => name === "module-native-protocol-unix")
        .map(([index, , args]) => ({ index: Number(index), path: /socket="?([^"\s]+)/.exec(args ?? "")?.[1] ?? "" }))
        .filter((m) => m.path.startsWith(`${dir}/`));
    },
  };
}

async function startRelay(path: string, upstream: string): Promise<{ stop(): void }> {
  const connections = new Set<Socket>();
  const server = createServer((client) => {
    const host = createConnection(upstream);
    for (const socket of [client, host]) {
      connections.add(socket);
      socket.on("close", () => connections.delete(socket));
      socket.on("error", () => {
        client.destroy();
        host.destroy();
      });
    }
    // pipe() keeps back-pressure: a slow reader slows the writer instead of filling memory.
    client.pipe(host);
    host.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => resolve());
  });
  // Like the sockets the server makes itself: anyone who can reach the file may connect. Only
  // the instance's container can: the file sits in a 0700 dir, and only it gets it mounted.
  chmodSync(path, 0o666);
  return {
    stop() {
      server.close();
      for (const socket of connections) socket.destroy();
    },
  };
}
