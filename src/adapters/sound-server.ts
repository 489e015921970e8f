import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { findExecutable } from "./host-tools.ts";
import { runProgram } from "./process.ts";
import { type SoundRelay, startSoundRelay } from "./sound-relay.ts";

export interface SoundSocketOptions {
  microphone: boolean;
  identity: { user: string; host: string };
  log: { warn(message: string): void; debug(message: string): void };
}

/**
 * The host's sound server, as an instance meets it: through a socket that dockercask serves
 * itself and relays, filtered, to the server's own socket (adapters/sound-relay.ts).
 */
export interface SoundServer {
  /** The host server's socket, when one is there (PulseAudio, or PipeWire's pipewire-pulse). */
  serverSocket(): string | undefined;
  /** Serves the instance's socket at `path`, relayed to `upstream`; ends with stop(). */
  relay(path: string, upstream: string, options: SoundSocketOptions): Promise<SoundRelay>;
  /** Socket modules (left by dockercask before 0.2, which loaded one per instance) whose socket lies under `dir`. */
  socketsUnder(dir: string): Promise<{ index: number; path: string }[]>;
  unload(index: number): Promise<void>;
}

/**
 * Where libpulse would connect: `PULSE_SERVER` (its local socket), else the session's
 * `$XDG_RUNTIME_DIR/pulse/native`, which PulseAudio and pipewire-pulse both serve. A TCP
 * server is not relayed: the instance runs silent, and says so.
 */
function findServerSocket(env: Record<string, string | undefined>): string | undefined {
  const fromEnv = env.PULSE_SERVER?.split(/\s+/).find((s) => s.startsWith("unix:") || s.startsWith("/"));
  const candidates = env.PULSE_SERVER
    ? [fromEnv?.replace(/^unix:/, "")]
    : [env.XDG_RUNTIME_DIR && join(env.XDG_RUNTIME_DIR, "pulse/native")];
  return candidates.find((path): path is string => !!path && isSocket(path));
}

/** The cookie libpulse would send: `PULSE_COOKIE`, else ~/.config/pulse/cookie. Without one, the server knows us by our uid. */
function readCookie(env: Record<string, string | undefined>): Uint8Array | undefined {
  const path = env.PULSE_COOKIE ?? join(env.XDG_CONFIG_HOME ?? join(env.HOME ?? "/", ".config"), "pulse/cookie");
  try {
    const cookie = readFileSync(path);
    return cookie.length === 256 ? new Uint8Array(cookie) : undefined;
  } catch {
    return undefined;
  }
}

function isSocket(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

export function createSoundServer(env: Record<string, string | undefined>): SoundServer {
  // LC_ALL=C: pactl translates its messages, and we read its output. Without pactl on the
  // host, every call fails like a command that is not found, instead of throwing from spawn.
  const pactl = async (args: string[]) =>
    findExecutable("pactl", env.PATH)
      ? runProgram(["pactl", ...args], { env: { ...env, LC_ALL: "C" }, timeoutMs: 5000 })
      : { code: 127, stdout: "", stderr: "pactl: command not found" };
  return {
    serverSocket: () => findServerSocket(env),
    relay: (path, upstream, options) => startSoundRelay({ ...options, path, upstream, cookie: readCookie(env) }),
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
