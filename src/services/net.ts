/**
 * `dockercask net <instance>`: what a running instance's network did, by destination, from the
 * snapshot its supervisor's proxy keeps in the runtime dir (adapters/net-log-file.ts).
 */
import { join } from "node:path";
import type { Network } from "../core/catalog/policy.ts";
import { DockercaskError, NotRunningError } from "../core/errors.ts";
import { parseInstanceName } from "../core/instance/name.ts";
import { NET_LOG_FILE } from "../core/instance/runtime.ts";
import { type NetEntry, parseNetLogSnapshot } from "../core/network/net-log.ts";
import type { RuntimeDirs } from "../ports/runtime-dirs.ts";

export interface NetDeps {
  runtime: Pick<RuntimeDirs, "root" | "readOwnState">;
  isAlive: (pid: number, start: string | undefined) => boolean;
  /** A file's text, or undefined when it is not there. */
  readFile: (path: string) => string | undefined;
}

export interface NetActivity {
  instance: string;
  network: Network;
  allow: string[];
  only?: string[];
  /** Newest first. */
  entries: NetEntry[];
}

export function netActivity(input: string, deps: NetDeps): NetActivity {
  const name = parseInstanceName(input);
  const state = deps.runtime.readOwnState(name.full);
  if (!state || !deps.isAlive(state.pid, state.pidStart)) throw new NotRunningError(name.full);
  const network = state.network;
  if (network !== "internet")
    throw new DockercaskError(
      network
        ? `${name.full} runs with network ${network}: ${network === "none" ? "it has no network" : "its connections do not pass dockercask"}`
        : `${name.full} was started by an older dockercask, which kept no net log`,
      {
        code: "E_NO_NET_LOG",
        hint: `Under network = "internet" every connection passes dockercask and is listed here: dockercask run ${name.full} --network internet`,
      },
    );
  const text = deps.readFile(join(deps.runtime.root, name.full, NET_LOG_FILE));
  const snapshot = text === undefined ? undefined : parseNetLogSnapshot(text);
  return { instance: name.full, network, allow: state.allow ?? [], only: state.only, entries: snapshot?.entries ?? [] };
}
