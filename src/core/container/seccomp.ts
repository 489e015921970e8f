/**
 * The seccomp profiles an app may name with its `io.dockercask.seccomp` label. `default` is the
 * engine's own profile (nothing is sent). Every other profile is Docker's default plus a few
 * rules, each with the reason it exists, so what a profile adds over Docker can be read here.
 */
import { DOCKER_DEFAULT_SECCOMP } from "./seccomp-docker-default.ts";
import type { SeccompArg, SeccompProfile, SeccompRule } from "./seccomp-profile.ts";

export type { SeccompProfile };

export const SECCOMP_PROFILES = ["default", "browser"] as const;
export type SeccompProfileName = (typeof SECCOMP_PROFILES)[number];

const CLONE_NEWNS = 0x00020000;
const CLONE_NEWCGROUP = 0x02000000;
/** Namespaces a browser never needs, and whose creation opens the most kernel surface. */
const FORBIDDEN_NAMESPACES = CLONE_NEWNS | CLONE_NEWCGROUP;
/** MASKED_EQ(mask, 0): none of the forbidden flags is set. */
const withoutForbiddenNamespaces = (index: number): SeccompArg[] => [
  { index, value: FORBIDDEN_NAMESPACES, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ" },
];

/**
 * What Chromium's and Firefox's own sandboxes need on top of Docker's default, under CapDrop ALL
 * and no-new-privileges. Each was removed in turn and the browser then failed (see docs/apps.md):
 * - clone and unshare with CLONE_NEWUSER (and the PID, net and IPC namespaces inside it): the
 *   renderer and content processes go into a user namespace of their own. Docker allows namespace
 *   flags only with CAP_SYS_ADMIN. A new mount or cgroup namespace stays refused, and mount(),
 *   pivot_root() and setns() stay refused whatever the namespace.
 * - chroot: each sandboxed process then chroots into an empty directory. It needs CAP_SYS_CHROOT,
 *   which the process holds only inside the user namespace it just made.
 * clone3 keeps Docker's ENOSYS: its flags sit in memory that seccomp cannot read, and ENOSYS
 * makes glibc fall back to clone, whose flags the rule above checks.
 */
const BROWSER_RULES: SeccompRule[] = [
  {
    names: ["clone"],
    action: "SCMP_ACT_ALLOW",
    args: withoutForbiddenNamespaces(0),
    comment: "dockercask browser: namespaces for the browser's own sandbox, never a mount or cgroup namespace",
    excludes: { arches: ["s390", "s390x"] },
  },
  {
    names: ["clone"],
    action: "SCMP_ACT_ALLOW",
    args: withoutForbiddenNamespaces(1),
    comment: "dockercask browser: s390 parameter ordering for clone is different",
    includes: { arches: ["s390", "s390x"] },
  },
  {
    names: ["unshare"],
    action: "SCMP_ACT_ALLOW",
    args: withoutForbiddenNamespaces(0),
    comment: "dockercask browser: namespaces for the browser's own sandbox, never a mount or cgroup namespace",
  },
  {
    names: ["chroot"],
    action: "SCMP_ACT_ALLOW",
    comment: "dockercask browser: chroot into an empty directory, inside the sandbox's user namespace",
  },
];

/** What each embedded profile adds to Docker's default. */
const ADDED_RULES: Record<Exclude<SeccompProfileName, "default">, SeccompRule[]> = { browser: BROWSER_RULES };

/** The whole profile, or undefined for `default`: then the engine applies its own. */
export function seccompProfile(name: SeccompProfileName): SeccompProfile | undefined {
  if (name === "default") return undefined;
  return { ...DOCKER_DEFAULT_SECCOMP, syscalls: [...DOCKER_DEFAULT_SECCOMP.syscalls, ...ADDED_RULES[name]] };
}

/** The profile's JSON for HostConfig.SecurityOpt (`seccomp=<json>`), or undefined for the engine's default. */
export function seccompProfileJson(name: SeccompProfileName): string | undefined {
  const profile = seccompProfile(name);
  return profile && JSON.stringify(profile);
}
