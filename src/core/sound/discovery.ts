import { type ConfigFiles, loadClientConf } from "./client-conf.ts";
import { parseServerString, whyPassedOver } from "./server-string.ts";

/**
 * Where the host's sound server listens, found the way libpulse (13 and later) finds it, so
 * that the server an ordinary client of the user reaches is the one an instance reaches:
 *
 *   1. the PULSE_SERVER environment variable;
 *   2. the PULSE_SERVER property on the X root window, read only in an SSH session
 *      (SSH_CONNECTION set): libpulse has looked there only for X forwarding since 13.0
 *      (pulse/client-conf-x11.c), so a stale property on a local desktop misleads no one;
 *   3. `default-server` in client.conf (core/sound/client-conf.ts);
 *   4. the user's runtime dir's `native` socket: $PULSE_RUNTIME_PATH, else
 *      $XDG_RUNTIME_DIR/pulse, else the old `<machine-id>-runtime` link under ~/.pulse or
 *      ~/.config/pulse;
 *   5. the system-wide server's socket, /var/run/pulse/native.
 *
 * In libpulse the environment overrides the X property, which overrides client.conf
 * (pulse/client-conf.c, pa_client_conf_load), and a server so named is the only one tried
 * (pulse/context.c, pa_context_connect): the first way that names a server decides, found or
 * not. Only with none named are 4 and 5 tried in turn. A variable set but empty counts as set,
 * as it does to libpulse (PULSE_SERVER="" is its "Invalid server"). A server string may name
 * several servers (core/sound/server-string.ts); the first local socket that is there is the
 * one, since only a socket can be relayed (the relay listens on a socket of the instance's
 * own and connects to the server's), so a TCP server is said, never used.
 *
 * Pure: the adapter reads the environment, the files, the machine id and the X property, and
 * says which paths are sockets.
 */

/** The host as discovery reads it. */
export interface DiscoveryHost extends ConfigFiles {
  env: Record<string, string | undefined>;
  /** The home directory libpulse uses (homeOf). */
  home: string | undefined;
  /** This machine's id as libpulse reads it (machineIdOf): a `{id}` prefix is ours or another machine's. */
  machineId: string | undefined;
  /** The X root window's PULSE_SERVER, as read where rootPropertyQuery said to read it. */
  root: RootProperty;
  exists(path: string): boolean;
  /** Whether a path is a socket, following links, as a client connecting to it would. */
  isSocket(path: string): boolean;
}

/** The property's value (undefined: the window has none), or why it was not read. */
export type RootProperty = { value: string | undefined } | { unread: string };

export type Discovery =
  | { found: true; socket: string; via: string; tried: string[] }
  | { found: false; tried: string[] };

/** Where libpulse's system-wide server listens (PA_SYSTEM_RUNTIME_PATH on Debian, Arch and Fedora). */
const SYSTEM_SOCKET = "/var/run/pulse/native";

/** libpulse reads at most this many bytes of the property (pulsecore/x11prop.c); a longer one is none. */
const ROOT_PROPERTY_MAX = 1023;

/**
 * Whether to read the X root window's PULSE_SERVER, and on which display: only in an SSH
 * session, as libpulse does; always screen 0's root window, as libpulse reads it.
 */
export function rootPropertyQuery(env: Record<string, string | undefined>): { display: string } | { unread: string } {
  if (env.SSH_CONNECTION === undefined)
    return { unread: "the X root window's PULSE_SERVER is read only in an SSH session (SSH_CONNECTION is not set)" };
  if (!env.DISPLAY) return { unread: "the X root window was not asked: DISPLAY is not set" };
  return { display: env.DISPLAY.replace(/\.\d+$/, "") };
}

/**
 * The value `xprop -root PULSE_SERVER` prints, when the property is a STRING: libpulse asks for
 * that type only, and a property of another type (UTF8_STRING) reads as none to it.
 */
export function parseXpropString(output: string): string | undefined {
  const match = /^PULSE_SERVER\(STRING\) = "((?:[^"\\]|\\.)*)"/m.exec(output);
  if (!match) return undefined;
  // xprop escapes a quote, a backslash, a newline, and other control characters in octal.
  return match[1]!.replace(/\\([0-7]{3}|.)/g, (_, c: string) =>
    c.length === 3 ? String.fromCharCode(Number.parseInt(c, 8)) : c === "n" ? "\n" : c,
  );
}

/** libpulse's home (pulse/util.c, pa_get_home_dir): $HOME, else $USERPROFILE, else the password database's; only an absolute path. */
export function homeOf(env: Record<string, string | undefined>, passwdHome: string | undefined): string | undefined {
  const home = env.HOME ?? env.USERPROFILE ?? passwdHome;
  return home?.startsWith("/") ? home : undefined;
}

/** libpulse's machine id: the first line of /etc/machine-id, else /var/lib/dbus/machine-id, else the host name. */
export function machineIdOf(files: (string | undefined)[], hostname: string | undefined): string | undefined {
  for (const text of files) {
    // fgets into 33 bytes: at most 32 characters, the newline stripped.
    const id = text?.slice(0, 32).replace(/[\r\n].*$/s, "");
    if (id) return id;
  }
  return hostname || undefined;
}

export function findSoundServer(host: DiscoveryHost): Discovery {
  const tried: string[] = [];
  /** A way that named a server: it decides, found or not. */
  const decide = (way: string, value: string): Discovery => {
    const entries = parseServerString(value, host.machineId);
    const passed: string[] = [];
    for (const entry of entries) {
      if ("socket" in entry && host.isSocket(entry.socket)) {
        const via = passed.length ? `${way} (passed over: ${passed.join("; ")})` : way;
        return { found: true, socket: entry.socket, via, tried };
      }
      passed.push(whyPassedOver(entry));
    }
    tried.push(
      entries.length
        ? `${way} names ${JSON.stringify(value)}: ${passed.join("; ")}`
        : `${way} is set but names no server, which libpulse refuses too ("Invalid server")`,
    );
    return { found: false, tried };
  };

  const { env } = host;
  if (env.PULSE_SERVER !== undefined) return decide("PULSE_SERVER", env.PULSE_SERVER);
  tried.push("PULSE_SERVER is not set");

  const root = host.root;
  if ("unread" in root) tried.push(root.unread);
  else if (root.value && root.value.length <= ROOT_PROPERTY_MAX)
    return decide("the X root window's PULSE_SERVER", root.value);
  else tried.push("the X root window has no PULSE_SERVER");

  const conf = loadClientConf(env, host.home, host);
  if (conf.server) return decide(`default-server in ${conf.server.file}`, conf.server.value);
  const stops = conf.stops.length ? ` (${conf.stops.join("; ")})` : "";
  tried.push(
    conf.files.length
      ? `no default-server in ${conf.files.join(", ")}${stops}`
      : conf.tried.length
        ? `no client.conf (${conf.tried.join(", ")}: none is there)`
        : "no client.conf: libpulse reads none without a home directory or PULSE_CONFIG_PATH",
  );

  const own = userSocket(host);
  for (const candidate of [own, { path: SYSTEM_SOCKET, way: "the system-wide server's socket" }]) {
    if ("unusable" in candidate) {
      tried.push(candidate.unusable);
      continue;
    }
    if (host.isSocket(candidate.path)) return { found: true, socket: candidate.path, via: candidate.way, tried };
    tried.push(`${candidate.way} (${candidate.path}) is not a socket`);
  }
  return { found: false, tried };
}

/** The user's own server's socket, in the runtime dir libpulse picks (pulsecore/core-util.c, pa_get_runtime_dir). */
function userSocket(host: DiscoveryHost): { path: string; way: string } | { unusable: string } {
  const { env, home, machineId } = host;
  const native = (dir: string) => `${dir.replace(/(.)\/+$/, "$1")}/native`;
  if (env.PULSE_RUNTIME_PATH !== undefined)
    return env.PULSE_RUNTIME_PATH
      ? { path: native(env.PULSE_RUNTIME_PATH), way: "$PULSE_RUNTIME_PATH/native" }
      : { unusable: "PULSE_RUNTIME_PATH is set but empty, so libpulse has no runtime dir" };
  if (env.XDG_RUNTIME_DIR !== undefined)
    return { path: native(`${env.XDG_RUNTIME_DIR}/pulse`), way: "$XDG_RUNTIME_DIR/pulse/native" };
  // The old layout, without XDG_RUNTIME_DIR: a link <machine-id>-runtime in ~/.pulse if that
  // folder is there, else in the config home's pulse folder.
  if (home === undefined || machineId === undefined)
    return { unusable: "XDG_RUNTIME_DIR is not set, and there is no home or machine id for the old runtime link" };
  const pulseHome = host.exists(`${home}/.pulse`)
    ? `${home}/.pulse`
    : env.XDG_CONFIG_HOME
      ? `${env.XDG_CONFIG_HOME}/pulse`
      : `${home}/.config/pulse`;
  return {
    path: native(`${pulseHome}/${machineId}-runtime`),
    way: "the old runtime link (XDG_RUNTIME_DIR is not set)",
  };
}
