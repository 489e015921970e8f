import { netSocket } from "../../core/container/spec.ts";
import { NET_LOG_FILE, NET_SOCKET_FILE } from "../../core/instance/runtime.ts";
import { type AllowEntry, type NetRules, parseAllowEntry } from "../../core/network/rules.ts";
import { type SessionCapability, type SessionLog, withoutIt } from "./capability.ts";

/** The instance's proxy (adapters/net-proxy.ts): its socket, its rules, and the log `dockercask net` reads. */
export interface NetworkPort {
  serve(options: {
    path: string;
    logPath: string;
    instance: string;
    rules: NetRules;
    log: SessionLog;
  }): Promise<{ stop(): void }>;
}

/**
 * The network. Under `internet` the container has none of its own (core/container/spec.ts),
 * and this serves it the proxy through which it reaches the public internet and what `allow`
 * adds. `bridge` is the engine's own, said once per run for what it opens; `none` is nothing.
 * A proxy that cannot start leaves the app offline: it fails closed.
 */
export function createNetworkCapability(port: NetworkPort): SessionCapability {
  return {
    name: "network",
    starts: "before-container",
    record: ({ network }) => ({
      network: network.mode,
      ...(network.mode === "internet" ? { allow: network.allow, only: network.only } : {}),
    }),
    async start({ plan, log }) {
      const { mode, allow, only } = plan.network;
      if (mode === "bridge")
        log.warn(
          'network: bridge reaches the host\'s own services and the LAN, not only the internet; `network = "internet"` keeps it to the internet',
        );
      if (mode !== "internet") return undefined;
      const rules: NetRules = { allow: allow.map(entry), only };
      const path = `${plan.runtimeDir}/${NET_SOCKET_FILE}`;
      // Without it the app is offline: the container has no network of its own (fails closed).
      const proxy = await port
        .serve({ path, logPath: `${plan.runtimeDir}/${NET_LOG_FILE}`, instance: plan.name.full, rules, log })
        .catch(withoutIt<{ stop(): void }>("the network", log));
      return proxy && { socket: netSocket(path), stop: () => proxy.stop() };
    },
  };
}

/** Entries were checked when the config and the recipe were read; one that fails here is a bug. */
function entry(text: string): AllowEntry {
  const parsed = parseAllowEntry(text);
  if (!parsed.ok) throw new Error(`allow entry ${JSON.stringify(text)}: ${parsed.problem}`);
  return parsed.entry;
}
