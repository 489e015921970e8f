import type { Catalog } from "../../core/catalog/catalog.ts";
import type { AppPolicy, ClipboardPolicy, MitShmPolicy, Network } from "../../core/catalog/policy.ts";
import { DEFAULT_MAX_CLIPBOARD_BYTES } from "../../core/clipboard/clipboard.ts";
import type { InstanceSettings } from "../../core/config/config.ts";
import { type HostResources, type ResourceLimits, resolveLimits } from "../../core/container/limits.ts";
import { containerUser } from "../../core/container/spec.ts";
import type { InstanceName } from "../../core/instance/name.ts";
import { CLIENT_AUTH_FILE, SERVER_AUTH_FILE } from "../../core/instance/runtime.ts";
import { combineOnly } from "../../core/network/rules.ts";
import { generateCookie } from "../../core/x11/xauth.ts";
import { xServerMemoryBytes } from "../../core/x11/xephyr.ts";
import { recipePolicy } from "../app-policy.ts";

/** What every part of a session shares, known before anything starts. */
export interface SessionPlan {
  name: InstanceName;
  /** The instance's runtime dir: its lock, its cookie files and the sockets its capabilities serve. */
  runtimeDir: string;
  settings: InstanceSettings;
  /** The recipe's (never the image's labels), so it is known before Docker is asked. */
  policy: AppPolicy;
  cookie: string;
  authFiles: { server: string; client: string };
  /** The uid:gid the app runs as (ours, or the image's `app` user when we are root). */
  user: { uid: number; gid: number };
  /** Whether that is another user than ours: then its home and cookie file are given to it. */
  userIsOther: boolean;
  /** The clipboard policy and cap: the config's, else the recipe's policy and the default cap. */
  clipboard: { clipboard: ClipboardPolicy; clipboardMaxBytes: number };
  /**
   * Its network: the config's (or a flag's) policy, else the recipe's; `allow` the recipe's and
   * the config's together; `only` the recipe's widened by the config's (core/network/rules.ts).
   */
  network: { mode: Network; allow: string[]; only?: string[] };
  /** The container's limits: the config's, the recipe's label, the host's default. */
  limits: ResourceLimits;
  /** What the instance's X server may allocate for its clients, in proportion to `limits` (core/x11/xephyr.ts). */
  xMemoryBytes: number;
  /** MIT-SHM with the instance's X server, by descriptor or not at all: the config's, else the recipe's (core/x11/shm-guard.ts). */
  mitShm: MitShmPolicy;
}

/** A fresh cookie from the CSPRNG, and where its files go. */
export function planSession(
  name: InstanceName,
  runtimeDir: string,
  settings: InstanceSettings,
  deps: { catalog: Catalog; host: { uid: number; gid: number; resources: HostResources } },
): SessionPlan {
  const policy = recipePolicy(deps.catalog, name.app);
  const user = containerUser(deps.host);
  const limits = resolveLimits({ label: policy.limits, configured: settings, host: deps.host.resources });
  return {
    name,
    runtimeDir,
    settings,
    policy,
    cookie: generateCookie(),
    authFiles: { server: `${runtimeDir}/${SERVER_AUTH_FILE}`, client: `${runtimeDir}/${CLIENT_AUTH_FILE}` },
    user,
    userIsOther: user.uid !== deps.host.uid,
    clipboard: {
      clipboard: settings.clipboard ?? policy.clipboard,
      clipboardMaxBytes: settings.clipboardMaxBytes ?? DEFAULT_MAX_CLIPBOARD_BYTES,
    },
    network: {
      mode: settings.network ?? policy.network,
      allow: [...new Set([...policy.allow, ...(settings.allow ?? [])])],
      only: combineOnly(policy.only, settings.only),
    },
    limits,
    xMemoryBytes: xServerMemoryBytes(limits.memoryBytes),
    mitShm: settings.mitShm ?? policy.mitShm,
  };
}
