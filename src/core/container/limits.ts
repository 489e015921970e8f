/**
 * Resource limits of an instance: memory, the size of its /tmp and /var/tmp, and its CPU
 * weight (plus an optional CPU cap). Each has a default that keeps the desktop usable, an
 * app label (io.dockercask.memory, tmp-size, cpu-shares, cpus) and a config key of the same
 * name. The config wins over the label; a label can only tighten a default, never loosen
 * it, so a recipe cannot grant itself the host: raising a limit is the user's call.
 */

import { DockercaskError } from "../errors.ts";
import { formatBytes, parseSize } from "../text/size.ts";

/** What the label or the config asked for; unset keys take the defaults. */
export interface LimitSettings {
  memoryBytes?: number;
  /** The size of /tmp, and again of /var/tmp. */
  tmpBytes?: number;
  cpuShares?: number;
  /** A hard cap in CPUs (1.5 = one and a half cores); no cap when unset. */
  cpus?: number;
}

export interface ResourceLimits {
  memoryBytes: number;
  tmpBytes: number;
  cpuShares: number;
  cpus?: number;
}

/** What the limits are measured against: the host's RAM (bytes) and CPU count. */
export interface HostResources {
  memoryBytes: number;
  cpus: number;
}

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

/** Half the host's RAM, but no more than this: one app needs no more, and the rest is the desktop's. */
const MAX_DEFAULT_MEMORY = 16 * GIB;
/** Below this, not even Xephyr's client libraries and a tiny app fit. */
const MIN_MEMORY = 16 * MIB;
const DEFAULT_TMP = 512 * MIB;
/** Half the weight of a default container (1024): under contention the app yields. */
const DEFAULT_CPU_SHARES = 512;
/** The engine's own bounds for CpuShares. */
const MIN_CPU_SHARES = 2;
const MAX_CPU_SHARES = 262_144;

/** Config keys and label suffixes (io.dockercask.<key>) alike. */
export const LIMIT_KEYS = ["memory", "tmp-size", "cpu-shares", "cpus"] as const;
export type LimitKey = (typeof LIMIT_KEYS)[number];

/** Half the host's RAM, at most 16 GiB, rounded down to a MiB (and never under the minimum). */
export function defaultMemoryBytes(hostMemoryBytes: number): number {
  const half = Math.floor(hostMemoryBytes / 2 / MIB) * MIB;
  return Math.max(MIN_MEMORY, Math.min(half, MAX_DEFAULT_MEMORY));
}

/** A quarter of the memory limit, at most 512 MiB: a full /tmp still leaves the app room to run. */
export function defaultTmpBytes(memoryBytes: number): number {
  return Math.max(MIB, Math.min(DEFAULT_TMP, Math.floor(memoryBytes / 4 / MIB) * MIB));
}

/**
 * The limits an instance runs with: config over label over default. Label values above the
 * default are brought down to it; a CPU cap above the host's CPU count is brought down to
 * that count (the engine refuses more).
 */
export function resolveLimits(input: {
  label: LimitSettings;
  configured: LimitSettings;
  host: HostResources;
}): ResourceLimits {
  const { label, configured, host } = input;
  const memoryDefault = defaultMemoryBytes(host.memoryBytes);
  const memoryBytes = configured.memoryBytes ?? Math.min(label.memoryBytes ?? memoryDefault, memoryDefault);
  const tmpDefault = defaultTmpBytes(memoryBytes);
  const tmpBytes = configured.tmpBytes ?? Math.min(label.tmpBytes ?? tmpDefault, tmpDefault);
  const cpuShares = configured.cpuShares ?? Math.min(label.cpuShares ?? DEFAULT_CPU_SHARES, DEFAULT_CPU_SHARES);
  const cap = configured.cpus ?? label.cpus;
  const limits: ResourceLimits = { memoryBytes, tmpBytes, cpuShares };
  if (cap !== undefined) limits.cpus = Math.min(cap, Math.max(1, host.cpus));
  return limits;
}

export type LimitValue = { ok: true; settings: LimitSettings } | { ok: false; problem: string };

/**
 * One limit from a label (always a string) or from config.toml (a string for sizes, a TOML
 * number for shares and CPUs, as strict as the config's other numbers).
 */
export function parseLimit(key: LimitKey, value: unknown, from: "label" | "config"): LimitValue {
  const fail = (problem: string): LimitValue => ({ ok: false, problem });
  switch (key) {
    case "memory":
    case "tmp-size": {
      const bytes = typeof value === "string" ? parseSize(value) : undefined;
      const example = key === "memory" ? `"4g" or "512m"` : `"512m" or "1g"`;
      if (bytes === undefined) return fail(`must be a size such as ${example}`);
      const min = key === "memory" ? MIN_MEMORY : MIB;
      if (bytes < min) return fail(`${String(value).trim()} is too small: at least ${formatBytes(min)}`);
      return { ok: true, settings: key === "memory" ? { memoryBytes: bytes } : { tmpBytes: bytes } };
    }
    case "cpu-shares": {
      const shares = toNumber(value, from);
      if (shares === undefined || !Number.isInteger(shares))
        return fail("must be a whole number such as 512 (a default container weighs 1024)");
      if (shares < MIN_CPU_SHARES || shares > MAX_CPU_SHARES)
        return fail(`${shares} is out of range: from ${MIN_CPU_SHARES} to ${MAX_CPU_SHARES}`);
      return { ok: true, settings: { cpuShares: shares } };
    }
    case "cpus": {
      const cpus = toNumber(value, from);
      if (cpus === undefined) return fail("must be a number of CPUs such as 2 or 1.5");
      if (cpus < 0.01 || cpus > 1024) return fail(`${cpus} is out of range: from 0.01 to 1024`);
      return { ok: true, settings: { cpus } };
    }
  }
}

function toNumber(value: unknown, from: "label" | "config"): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (from === "label" && typeof value === "string" && /^\d+(\.\d+)?$/.test(value.trim())) return Number(value.trim());
  return undefined;
}

/**
 * The HostConfig fields that enforce the limits. tmpfs pages are charged to the container's
 * memory cgroup too, so a full /tmp counts against `memory`: the tmp size only keeps /tmp
 * from taking all of it.
 */
export function limitsHostConfig(limits: ResourceLimits) {
  const tmpfs = `rw,nosuid,nodev,mode=1777,size=${limits.tmpBytes}`;
  return {
    Memory: limits.memoryBytes,
    // Equal to Memory: no swap on top, so the limit is what the app gets, and it is killed past it.
    MemorySwap: limits.memoryBytes,
    CpuShares: limits.cpuShares,
    ...(limits.cpus !== undefined ? { NanoCpus: Math.round(limits.cpus * 1e9) } : {}),
    Tmpfs: { "/tmp": tmpfs, "/var/tmp": tmpfs },
  };
}

/** The CPU column of `ps`: the weight, and the cap when there is one. */
export function formatCpu(limits: Pick<ResourceLimits, "cpuShares" | "cpus">): string {
  return limits.cpus === undefined ? `${limits.cpuShares} shares` : `${limits.cpuShares} shares, max ${limits.cpus}`;
}

/** 137, as a shell reports a process the kernel killed (128 + SIGKILL): the OOM killer's signal. */
const OUT_OF_MEMORY_EXIT_CODE = 137;

/** The app was killed by the kernel for passing its memory limit; the session is over and torn down. */
export class OutOfMemoryError extends DockercaskError {
  constructor(instance: string, memoryBytes: number) {
    super(`${instance} ran out of its ${formatBytes(memoryBytes)} memory limit; raise \`memory\` in config.toml`, {
      code: "E_OUT_OF_MEMORY",
      hint: `For example, twice as much: memory = "${formatSizeValue(memoryBytes * 2)}" under [instances.${JSON.stringify(instance)}] (the default is half your RAM, at most ${formatBytes(MAX_DEFAULT_MEMORY)}).`,
      exitCode: OUT_OF_MEMORY_EXIT_CODE,
    });
  }
}

/** A size as config.toml takes it: `8g`, `128m`, or bytes. */
export function formatSizeValue(bytes: number): string {
  if (bytes % GIB === 0) return `${bytes / GIB}g`;
  if (bytes % MIB === 0) return `${bytes / MIB}m`;
  return bytes % 1024 === 0 ? `${bytes / 1024}k` : String(bytes);
}
