/**
 * An app's run policy, stated as LABELs in its Dockerfile and read back from the built
 * image's labels at run time. Parsing is strict: an unknown io.dockercask.* key is an
 * error, so a typo cannot silently weaken an app's isolation.
 */
import { LIMIT_KEYS, type LimitSettings, parseLimit } from "../container/limits.ts";
import { SECCOMP_PROFILES, type SeccompProfileName } from "../container/seccomp.ts";
import { isDebSource } from "../deb/target.ts";
import { type LinksPolicy, parseLinksPolicy } from "../desktop-bus/links.ts";
import { explainInvalidAllow, explainInvalidPattern } from "../network/rules.ts";
import { isOneOf } from "../one-of.ts";
import { parseSize } from "../text/size.ts";
import { sanitizeTerminalText } from "../text/terminal-text.ts";

export { parseSize };

export const POLICY_PREFIX = "io.dockercask.";
/** Labels the builder stamps on images; not part of the policy. */
export const BUILD_LABEL = {
  version: "io.dockercask.build.version",
  app: "io.dockercask.build.app",
  hash: "io.dockercask.build.hash",
} as const;

/**
 * `internet`: public destinations only, through the instance's proxy (core/network/rules.ts);
 * `bridge`: the engine's bridge, which also reaches the host's services and the LAN.
 */
/** A MIME type as a desktop entry writes one (RFC 6838's characters; the type in lower case). */
export const MIME_TYPE_RE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$/;

export const NETWORKS = ["none", "internet", "bridge"] as const;
const IPC_MODES = ["private", "shareable", "none"] as const;
/** `explicit`: nothing flows by itself, only `clip push` and `clip pull` move it, once each time. */
export const CLIPBOARD_POLICIES = ["both", "to-app", "from-app", "explicit", "off"] as const;

/** `ask`: Open and Save go through the host's dialog (core/files/file-chooser.ts); `off`: the app has only its own dialog, inside the box. */
export const FILES_POLICIES = ["ask", "off"] as const;

/**
 * `fd`: MIT-SHM through the instance's X server, by file descriptor only (core/x11/shm-guard.ts);
 * `off`: no MIT-SHM, every image through the socket. Off by default: the memory an app passes
 * is charged to whoever touches it first, and Xephyr runs outside the app's memory limit
 * (docs/security.md, "Shared memory with the X server").
 */
export const MIT_SHM_POLICIES = ["off", "fd"] as const;

export type Network = (typeof NETWORKS)[number];
export type FilesPolicy = (typeof FILES_POLICIES)[number];
export type MitShmPolicy = (typeof MIT_SHM_POLICIES)[number];
export type IpcMode = (typeof IPC_MODES)[number];
export type ClipboardPolicy = (typeof CLIPBOARD_POLICIES)[number];

export interface AppPolicy {
  description: string;
  /** argv of the app inside the container, after the session entry point. */
  command: string[];
  network: Network;
  ipc: IpcMode;
  shmSizeBytes: number;
  clipboard: ClipboardPolicy;
  audio: boolean;
  /** Record from the default source (never a monitor) through the sound socket: for apps whose job is calls. */
  microphone: boolean;
  /** Host devices passed through, such as /dev/dri for GPU acceleration. */
  devices: string[];
  /** The seccomp profile: the engine's default, or one dockercask embeds (see seccomp.ts). */
  seccomp: SeccompProfileName;
  /** Resource limits the recipe asks for (see limits.ts); they can only tighten the defaults. */
  limits: LimitSettings;
  /** Where its links go; unset, core/desktop-bus/links.ts picks by the kind of app and its network. */
  links?: LinksPolicy;
  /** Whether its notifications reach the desktop. */
  notifications: boolean;
  /** `ask`: Open and Save through the host's own dialog (core/files/file-chooser.ts); `off`: its own, inside the box. */
  files: FilesPolicy;
  /** Whether its X clients may share memory with the instance's X server, by descriptor (`fd`), or not (`off`). */
  mitShm: MitShmPolicy;
  /** Under `internet`: destinations it adds that the public internet leaves out (core/network/rules.ts). */
  allow: string[];
  /** Under `internet`: the names it is limited to; empty, no limit. */
  only: string[];
  /** What the recipe was made from, when dockercask made it: `deb:inkscape` (core/deb/target.ts). */
  source?: string;
  /** The MIME types the app opens, for its menu entry. */
  mimeTypes: string[];
}

export const DEFAULT_POLICY: Omit<AppPolicy, "command"> = {
  description: "",
  // Offline unless the app asks for a network: most isolation for free.
  network: "none",
  ipc: "private",
  shmSizeBytes: 64 * 1024 * 1024,
  clipboard: "both",
  // Off unless asked for: a pulse client can record as well as play.
  audio: false,
  microphone: false,
  devices: [],
  seccomp: "default",
  limits: {},
  notifications: true,
  // On for the recipes whose apps open and save the user's documents, which set it.
  files: "off",
  mitShm: "off",
  allow: [],
  only: [],
  mimeTypes: [],
};

const MIN_SHM = 1024 * 1024;
const MAX_SHM = 16 * 1024 * 1024 * 1024;

type Field = Exclude<keyof AppPolicy, "limits">;
const KEYS: Record<string, Field> = {
  description: "description",
  command: "command",
  network: "network",
  ipc: "ipc",
  "shm-size": "shmSizeBytes",
  clipboard: "clipboard",
  audio: "audio",
  microphone: "microphone",
  devices: "devices",
  seccomp: "seccomp",
  links: "links",
  notifications: "notifications",
  files: "files",
  "mit-shm": "mitShm",
  allow: "allow",
  only: "only",
  source: "source",
  "mime-types": "mimeTypes",
};

export type PolicyResult = { ok: true; policy: AppPolicy } | { ok: false; problems: string[] };

/**
 * Reads the policy out of a label map. `requireCommand` is false for images such as the
 * base, which no one runs directly.
 */
export function parsePolicy(labels: Record<string, string>, options: { requireCommand?: boolean } = {}): PolicyResult {
  const problems: string[] = [];
  const policy: AppPolicy = {
    ...DEFAULT_POLICY,
    command: [],
    devices: [],
    limits: {},
    allow: [],
    only: [],
    mimeTypes: [],
  };
  for (const [label, raw] of Object.entries(labels)) {
    if (!label.startsWith(POLICY_PREFIX) || label.startsWith(`${POLICY_PREFIX}build.`)) continue;
    const key = label.slice(POLICY_PREFIX.length);
    const value = raw.trim();
    if (isOneOf(LIMIT_KEYS, key)) {
      const limit = parseLimit(key, value, "label");
      if (limit.ok) Object.assign(policy.limits, limit.settings);
      else problems.push(`${label}=${JSON.stringify(raw)}: ${limit.problem}`);
      continue;
    }
    const field = KEYS[key];
    if (!field) {
      problems.push(
        `unknown label ${label} (known: ${[...Object.keys(KEYS), ...LIMIT_KEYS].map((k) => POLICY_PREFIX + k).join(", ")})`,
      );
      continue;
    }
    const problem = applyField(policy, field, value);
    if (problem) problems.push(`${label}=${JSON.stringify(raw)}: ${problem}`);
  }
  if (options.requireCommand !== false && policy.command.length === 0) {
    problems.push(`${POLICY_PREFIX}command is missing: it names the program to start`);
  }
  return problems.length ? { ok: false, problems } : { ok: true, policy };
}

function applyField(policy: AppPolicy, field: Field, value: string): string | undefined {
  switch (field) {
    case "description":
      policy.description = value;
      return;
    case "command": {
      // Whitespace-separated words, no shell quoting: what you read is what runs.
      const words = value.split(/\s+/).filter(Boolean);
      if (words.length === 0) return "must name a program";
      policy.command = words;
      return;
    }
    case "network":
      if (value === "host") return "host networking is never allowed: it exposes the host's abstract X11 socket";
      if (!isOneOf(NETWORKS, value)) return `must be one of ${NETWORKS.join(", ")}`;
      policy.network = value;
      return;
    case "ipc":
      if (value === "host") return "the host IPC namespace is never allowed; raise shm-size instead";
      if (!isOneOf(IPC_MODES, value)) return `must be one of ${IPC_MODES.join(", ")}`;
      policy.ipc = value;
      return;
    case "shmSizeBytes": {
      const bytes = parseSize(value);
      if (bytes === undefined) return "must be a size such as 64m or 2g";
      if (bytes < MIN_SHM || bytes > MAX_SHM) return "must be between 1m and 16g";
      policy.shmSizeBytes = bytes;
      return;
    }
    case "clipboard":
      if (!isOneOf(CLIPBOARD_POLICIES, value)) return `must be one of ${CLIPBOARD_POLICIES.join(", ")}`;
      policy.clipboard = value;
      return;
    case "files":
      if (!isOneOf(FILES_POLICIES, value)) return `must be one of ${FILES_POLICIES.join(", ")}`;
      policy.files = value;
      return;
    case "mitShm":
      if (!isOneOf(MIT_SHM_POLICIES, value)) return `must be one of ${MIT_SHM_POLICIES.join(", ")}`;
      policy.mitShm = value;
      return;
    case "links": {
      const links = parseLinksPolicy(value);
      if (!links.ok) return links.problem;
      policy.links = links.policy;
      return;
    }
    case "audio":
    case "microphone":
    case "notifications":
      if (value !== "true" && value !== "false") return "must be true or false";
      policy[field] = value === "true";
      return;
    case "devices": {
      const devices = commaList(value);
      const bad = devices.find((d) => !/^\/dev\/[a-z0-9_][a-z0-9_/-]*$/.test(d) || d.includes(".."));
      if (bad) return `"${bad}" is not a device path under /dev`;
      policy.devices = devices;
      return;
    }
    case "allow":
    case "only": {
      // Comma-separated, as devices: `io.dockercask.only="*.slack.com, *.slack-edge.com"`.
      const items = commaList(value);
      for (const item of items) {
        const problem = field === "allow" ? explainInvalidAllow(item) : explainInvalidPattern(item);
        if (problem) return `"${item}": ${problem}`;
      }
      policy[field] = items;
      return;
    }
    case "source":
      if (!isDebSource(value)) return "must be deb:<package> or deb:<package>/<entry>";
      policy.source = value;
      return;
    case "mimeTypes": {
      const types = value.split(";").filter(Boolean);
      const bad = types.find((t) => !MIME_TYPE_RE.test(t));
      if (bad) return `"${bad}" is not a MIME type`;
      policy.mimeTypes = types;
      return;
    }
    case "seccomp":
      if (!isOneOf(SECCOMP_PROFILES, value))
        return `must be one of ${SECCOMP_PROFILES.join(", ")} (unconfined is never allowed)`;
      policy.seccomp = value;
      return;
  }
}
/** A label's comma-separated list: `"/dev/dri, /dev/snd"`. */
function commaList(value: string): string[] {
  return value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
}

/** A policy label the image carries that its recipes do not set: where it came from is ignored. */
export interface IgnoredLabel {
  label: string;
  value: string;
}

/**
 * The io.dockercask.* labels of a built image that dockercask's recipes (the app's own and the
 * base) do not set to that value: inherited from a third-party parent image, or left by an
 * older recipe. They never set policy; this names them so the user can be told.
 */
export function ignoredLabels(
  imageLabels: Record<string, string>,
  recipeLabels: Record<string, string>,
): IgnoredLabel[] {
  return Object.entries(imageLabels)
    .filter(
      ([label, value]) =>
        label.startsWith(POLICY_PREFIX) && !label.startsWith(`${POLICY_PREFIX}build.`) && recipeLabels[label] !== value,
    )
    .map(([label, value]) => ({ label, value }))
    .sort((a, b) => a.label.localeCompare(b.label));
}

/** `io.dockercask.devices="/dev/fuse", ...`: quoted, with control characters shown, never sent raw to a terminal. */
export function formatIgnoredLabels(labels: IgnoredLabel[]): string {
  return labels.map(({ label, value }) => `${visible(label)}="${visible(value).replace(/"/g, '\\"')}"`).join(", ");
}

/** The labels come from an image anyone could have made: shown by the one terminal sanitizer, on one line. */
const visible = (text: string) => sanitizeTerminalText(text, { singleLine: true });
