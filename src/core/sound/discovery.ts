/**
 * Where the host's sound server listens, found the way libpulse finds it (pulse/context.c and
 * client-conf.c), so that every server an ordinary client reaches, dockercask reaches too:
 *
 *   1. the PULSE_SERVER environment variable;
 *   2. the PULSE_SERVER property on the X root window (set by start-pulseaudio-x11, or a
 *      remote session);
 *   3. `default-server` in client.conf: $PULSE_CLIENTCONFIG, else the user's
 *      ($XDG_CONFIG_HOME/pulse/client.conf), else /etc/pulse/client.conf, each followed by the
 *      files of its client.conf.d/ in name order, a later one winning;
 *   4. the runtime dir's `native` socket: $PULSE_RUNTIME_PATH, else $XDG_RUNTIME_DIR/pulse.
 *
 * The first way that names a server decides, as in libpulse: a later way is not tried when an
 * earlier one named a server that is not there. A server string lists servers separated by
 * white space; each is a path, `unix:<path>`, a `{machine-id}` prefix before either, or a TCP
 * server. Only a local socket can be relayed (the relay listens on a socket of the instance's
 * own and connects to the server's), so a TCP server is said, never used. Pure: the adapter
 * reads the environment, the files and the X property, and says which paths are sockets.
 */

export interface DiscoveryInput {
  env: Record<string, string | undefined>;
  /** The X root window's PULSE_SERVER property, when there is a display that has one. */
  rootProperty?: string;
  /** Why the X root window could not be asked (no DISPLAY, no xprop), for what was tried. */
  rootUnreadable?: string;
  /** The client.conf files libpulse would read, in its order (see above), with their text. */
  clientConf: { path: string; text: string }[];
  isSocket: (path: string) => boolean;
}

export type Discovery =
  | { found: true; socket: string; via: string; tried: string[] }
  | { found: false; tried: string[] };

/** The servers a server string lists, in order; `{machine-id}` prefixes dropped. */
export function parseServerString(value: string): { socket?: string; tcp?: string }[] {
  return value
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((entry) => entry.replace(/^\{[^}]*\}/, ""))
    .map((entry) => {
      if (entry.startsWith("unix:")) return { socket: entry.slice("unix:".length) };
      if (entry.startsWith("/")) return { socket: entry };
      return { tcp: entry };
    });
}

/** `default-server` of client.conf text: the last assignment wins, comments and other keys ignored. */
export function defaultServerOf(text: string): string | undefined {
  let server: string | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/[#;].*$/, "").trim();
    const match = /^default-server\s*=\s*(.*)$/.exec(line);
    if (match) server = match[1]!.trim() || undefined;
  }
  return server;
}

export function findSoundServer(input: DiscoveryInput): Discovery {
  const tried: string[] = [];
  /** One way that named a server: it decides, found or not. */
  const decide = (via: string, value: string): Discovery => {
    const servers = parseServerString(value);
    for (const server of servers)
      if (server.socket && input.isSocket(server.socket)) return { found: true, socket: server.socket, via, tried };
    const why = servers
      .map((s) => (s.socket ? `${s.socket} is not a socket` : `${s.tcp} is a TCP server, which is not relayed`))
      .join("; ");
    tried.push(`${via} names ${JSON.stringify(value.trim())}: ${why || "nothing"}`);
    return { found: false, tried };
  };

  if (input.env.PULSE_SERVER?.trim()) return decide("PULSE_SERVER", input.env.PULSE_SERVER);
  tried.push("PULSE_SERVER is not set");

  if (input.rootProperty?.trim()) return decide("the X root window's PULSE_SERVER", input.rootProperty);
  tried.push(input.rootUnreadable ?? "the X root window has no PULSE_SERVER");

  let fromConf: { path: string; server: string } | undefined;
  for (const file of input.clientConf) {
    const server = defaultServerOf(file.text);
    if (server) fromConf = { path: file.path, server };
  }
  if (fromConf) return decide(`default-server in ${fromConf.path}`, fromConf.server);
  tried.push(
    input.clientConf.length
      ? `no default-server in ${input.clientConf.map((f) => f.path).join(", ")}`
      : "no client.conf",
  );

  const runtime = input.env.PULSE_RUNTIME_PATH?.trim()
    ? { dir: input.env.PULSE_RUNTIME_PATH.trim(), via: "$PULSE_RUNTIME_PATH/native" }
    : input.env.XDG_RUNTIME_DIR?.trim()
      ? { dir: `${input.env.XDG_RUNTIME_DIR.trim()}/pulse`, via: "$XDG_RUNTIME_DIR/pulse/native" }
      : undefined;
  if (!runtime) {
    tried.push("neither PULSE_RUNTIME_PATH nor XDG_RUNTIME_DIR is set");
    return { found: false, tried };
  }
  const socket = `${runtime.dir.replace(/\/+$/, "")}/native`;
  if (input.isSocket(socket)) return { found: true, socket, via: runtime.via, tried };
  tried.push(`${runtime.via} (${socket}) is not a socket`);
  return { found: false, tried };
}

/** The value `xprop -root PULSE_SERVER` prints, or undefined when the property is not set. */
export function parseXpropString(output: string): string | undefined {
  const match = /^PULSE_SERVER\([A-Z_0-9]+\) = "((?:[^"\\]|\\.)*)"/m.exec(output);
  return match ? match[1]!.replace(/\\(.)/g, "$1") : undefined;
}

/** The client.conf files libpulse reads, in its order: the one it picks, then its .d/ files by name. */
export function clientConfPaths(
  env: Record<string, string | undefined>,
  exists: (path: string) => boolean,
  listDir: (path: string) => string[],
): string[] {
  const home = env.HOME || "/";
  const user = `${env.XDG_CONFIG_HOME?.startsWith("/") ? env.XDG_CONFIG_HOME : `${home}/.config`}/pulse/client.conf`;
  const main = env.PULSE_CLIENTCONFIG || (exists(user) ? user : "/etc/pulse/client.conf");
  const dropIns = listDir(`${main}.d`)
    .filter((name) => name.endsWith(".conf"))
    .sort()
    .map((name) => `${main}.d/${name}`);
  return [...(exists(main) ? [main] : []), ...dropIns];
}
