import { findExecutable } from "./host-tools.ts";
import { runProgram } from "./process.ts";

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
  /** Socket modules whose socket lies under `dir`, with their socket paths. */
  socketsUnder(dir: string): Promise<{ index: number; path: string }[]>;
}

export function createPulseClient(env: Record<string, string | undefined>): PulseClient {
  // LC_ALL=C: pactl translates its messages, and we read its output.
  const pactl = (args: string[]) => runProgram(["pactl", ...args], { env: { ...env, LC_ALL: "C" }, timeoutMs: 5000 });
  return {
    async available() {
      if (!findExecutable("pactl", env.PATH)) return false;
      return (await pactl(["info"])).code === 0;
    },
    async loadSocket(path) {
      // auth-anonymous: the socket itself is the capability; only this instance's container gets it.
      const result = await pactl(["load-module", "module-native-protocol-unix", `socket="${path}"`, "auth-anonymous=1"]);
      const index = Number(result.stdout.trim());
      if (result.code !== 0 || !Number.isInteger(index)) {
        throw new Error(`pactl load-module module-native-protocol-unix failed: ${result.stderr.trim() || result.stdout.trim()}`);
      }
      return index;
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
