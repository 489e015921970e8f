import { describe, expect, test } from "bun:test";
import { type SeccompProfile, seccompProfile, seccompProfileJson } from "../../../../src/core/container/seccomp.ts";
import { DOCKER_DEFAULT_SECCOMP } from "../../../../src/core/container/seccomp-docker-default.ts";

const CLONE = {
  NEWNS: 0x00020000,
  NEWCGROUP: 0x02000000,
  NEWUTS: 0x04000000,
  NEWIPC: 0x08000000,
  NEWUSER: 0x10000000,
  NEWPID: 0x20000000,
  NEWNET: 0x40000000,
};
const SIGCHLD = 17;

/**
 * What seccomp decides for one call on x86_64 in a container with no capabilities, following
 * Docker's reading of the profile: a rule counts when its arch and capability conditions hold,
 * and a call is allowed when any counting rule for its name allows it with these arguments.
 */
function decide(profile: SeccompProfile, name: string, args: number[] = []): "allow" | `errno ${number}` | "deny" {
  for (const rule of profile.syscalls) {
    if (!rule.names.includes(name)) continue;
    if (rule.includes?.arches && !rule.includes.arches.includes("amd64")) continue;
    if (rule.includes?.caps?.length) continue;
    if (rule.excludes?.arches?.includes("amd64")) continue;
    const argsHold = (rule.args ?? []).every((a) => {
      const value = args[a.index] ?? 0;
      if (a.op === "SCMP_CMP_MASKED_EQ") return (value & a.value) === (a.valueTwo ?? 0);
      if (a.op === "SCMP_CMP_EQ") return value === a.value;
      throw new Error(`op ${a.op} not modelled`);
    });
    if (!argsHold) continue;
    if (rule.action === "SCMP_ACT_ALLOW") return "allow";
    if (rule.action === "SCMP_ACT_ERRNO") return `errno ${rule.errnoRet ?? 1}`;
  }
  return "deny";
}

const browser = seccompProfile("browser")!;
const docker = DOCKER_DEFAULT_SECCOMP;

describe("the browser profile", () => {
  test.each([
    ["a thread or a fork", "clone", [SIGCHLD], "allow", "allow"],
    [
      "Chromium's sandboxed zygote: new user, PID and net namespaces",
      "clone",
      [CLONE.NEWUSER | CLONE.NEWPID | CLONE.NEWNET | SIGCHLD],
      "deny",
      "allow",
    ],
    [
      "Firefox's content process: new user, PID, net and IPC namespaces",
      "clone",
      [CLONE.NEWUSER | CLONE.NEWPID | CLONE.NEWNET | CLONE.NEWIPC | SIGCHLD],
      "deny",
      "allow",
    ],
    [
      "a new mount namespace, even with a user namespace",
      "clone",
      [CLONE.NEWUSER | CLONE.NEWNS | SIGCHLD],
      "deny",
      "deny",
    ],
    ["a new cgroup namespace", "clone", [CLONE.NEWUSER | CLONE.NEWCGROUP | SIGCHLD], "deny", "deny"],
    ["unshare into a user namespace", "unshare", [CLONE.NEWUSER], "deny", "allow"],
    ["unshare into a mount namespace", "unshare", [CLONE.NEWNS], "deny", "deny"],
    ["unshare into a cgroup namespace", "unshare", [CLONE.NEWUSER | CLONE.NEWCGROUP], "deny", "deny"],
    ["chroot into an empty directory", "chroot", [], "deny", "allow"],
    [
      "clone3, whose flags seccomp cannot see: ENOSYS, so glibc falls back to clone",
      "clone3",
      [],
      "errno 38",
      "errno 38",
    ],
    ["mount", "mount", [], "deny", "deny"],
    ["pivot_root", "pivot_root", [], "deny", "deny"],
    ["setns", "setns", [], "deny", "deny"],
    ["bpf", "bpf", [], "deny", "deny"],
    ["keyctl", "keyctl", [], "deny", "deny"],
    ["ptrace of another process's memory", "process_vm_readv", [], "deny", "deny"],
    ["open_by_handle_at (the shocker escape)", "open_by_handle_at", [], "deny", "deny"],
  ] as const)("%s: Docker %s, browser %s", (_, name, args, underDocker, underBrowser) => {
    expect(decide(docker, name, [...args])).toBe(underDocker);
    expect(decide(browser, name, [...args])).toBe(underBrowser);
  });

  test("keeps every rule of Docker's default profile, unchanged and first", () => {
    expect(browser.defaultAction).toBe(docker.defaultAction);
    expect(browser.archMap).toEqual(docker.archMap);
    expect(browser.syscalls.slice(0, docker.syscalls.length)).toEqual(docker.syscalls);
  });

  test("adds allow rules for clone, unshare and chroot only", () => {
    const added = browser.syscalls.slice(docker.syscalls.length);
    expect([...new Set(added.flatMap((r) => r.names))].sort()).toEqual(["chroot", "clone", "unshare"]);
    expect(added.every((r) => r.action === "SCMP_ACT_ALLOW")).toBe(true);
  });

  test("is sent as JSON, and the default profile is not sent at all", () => {
    expect(JSON.parse(seccompProfileJson("browser")!)).toEqual(browser);
    expect(seccompProfileJson("default")).toBeUndefined();
  });
});
