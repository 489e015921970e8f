import type { ClipboardPolicy, FilesPolicy, MitShmPolicy, Network } from "../catalog/policy.ts";
import type { LimitSettings } from "../container/limits.ts";
import type { LinksPolicy } from "../desktop-bus/links.ts";
import type { SharedFolder } from "../files/shared-folders.ts";
import type { SizeSpec } from "../x11/window-size.ts";

/** How one instance runs: from config.toml (merged by settingsFor) and from `run`'s flags, which win. */
export interface InstanceSettings extends LimitSettings {
  size?: SizeSpec;
  dpi?: number;
  network?: Network;
  /** Under `internet`: destinations added beyond the public internet (core/network/rules.ts). */
  allow?: string[];
  /** Under `internet`: the names the instance is limited to; widens the recipe's list. */
  only?: string[];
  clipboard?: ClipboardPolicy;
  /** Also carry PRIMARY (select-to-paste); off unless asked for, since every selection would cross. */
  primary?: boolean;
  /** Largest clipboard text or image carried, in bytes. */
  clipboardMaxBytes?: number;
  /** Most bytes `dockercask open` copies into the instance at once. */
  openMaxBytes?: number;
  audio?: boolean;
  /** Record streams from the default source (never a monitor) through the sound relay. */
  microphone?: boolean;
  shared?: SharedFolder[];
  /** Where links opened inside it go. */
  links?: LinksPolicy;
  /** Where a mailto link goes. */
  mail?: LinksPolicy;
  notifications?: boolean;
  /** Open and Save through the host's own dialog (`ask`), or only the app's own (`off`). */
  files?: FilesPolicy;
  /** MIT-SHM with the instance's X server, by descriptor (`fd`), or none (`off`). */
  mitShm?: MitShmPolicy;
}
