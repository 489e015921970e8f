import { existsSync, readFileSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { join } from "node:path";
import {
  type Discovery,
  findSoundServer,
  homeOf,
  machineIdOf,
  parseXpropString,
  type RootProperty,
  rootPropertyQuery,
} from "../core/sound/discovery.ts";
import { isSocket, listNames } from "./files.ts";
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
  /** The host server's socket, found as libpulse finds it, or what was tried (PulseAudio, or PipeWire's pipewire-pulse). */
  findServer(): Promise<Discovery>;
  /** Serves the instance's socket at `path`, relayed to `upstream`; ends with stop(). */
  relay(path: string, upstream: string, options: SoundSocketOptions): Promise<SoundRelay>;
  /** Socket modules (left by dockercask before 0.2, which loaded one per instance) whose socket lies under `dir`. */
  socketsUnder(dir: string): Promise<{ index: number; path: string }[]>;
  unload(index: number): Promise<void>;
}

/**
 * Where the host's sound server listens, found as libpulse finds it (core/sound/discovery.ts):
 * this reads what discovery weighs (the environment, client.conf, the machine id, the X root
 * window's property through xprop when libpulse would read it) and says which paths are sockets.
 */
export async function discoverSoundServer(env: Record<string, string | undefined>): Promise<Discovery> {
  // PULSE_SERVER decides before the X property is read: no xprop to spawn when it is set.
  const query = env.PULSE_SERVER !== undefined ? { unread: "not read: PULSE_SERVER decides" } : rootPropertyQuery(env);
  const root = "display" in query ? await readRootProperty(query.display, env) : query;
  return findSoundServer({
    env,
    home: homeOf(env, passwdHome()),
    machineId: machineIdOf([readText("/etc/machine-id"), readText("/var/lib/dbus/machine-id")], hostname()),
    root,
    read: readText,
    list: listNames,
    exists: existsSync,
    isSocket,
  });
}

/** The user's home in the password database; undefined when the uid has no entry (as in some containers). */
function passwdHome(): string | undefined {
  try {
    return userInfo().homedir;
  } catch {
    return undefined;
  }
}

/** A file's text; undefined when it is not there or is no readable file (a folder named *.conf). */
function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

async function readRootProperty(display: string, env: Record<string, string | undefined>): Promise<RootProperty> {
  const xprop = findExecutable("xprop", env.PATH);
  if (!xprop) return { unread: "the X root window was not asked: xprop is not installed (x11-utils)" };
  const result = await runProgram([xprop, "-root", "-display", display, "PULSE_SERVER"], { env, timeoutMs: 2000 });
  if (result.code !== 0)
    return {
      unread: `the X root window could not be read (${result.stderr.trim().split("\n")[0] || `exit ${result.code}`})`,
    };
  return { value: parseXpropString(result.stdout) };
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

export function createSoundServer(env: Record<string, string | undefined>): SoundServer {
  // LC_ALL=C: pactl translates its messages, and we read its output. Without pactl on the
  // host, every call fails like a command that is not found, instead of throwing from spawn.
  const pactl = async (args: string[]) =>
    findExecutable("pactl", env.PATH)
      ? runProgram(["pactl", ...args], { env: { ...env, LC_ALL: "C" }, timeoutMs: 5000 })
      : { code: 127, stdout: "", stderr: "pactl: command not found" };
  return {
    findServer: () => discoverSoundServer(env),
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
