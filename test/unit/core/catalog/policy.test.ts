import { describe, expect, test } from "bun:test";
import { DEFAULT_POLICY, parsePolicy, parseSize } from "../../../../src/core/catalog/policy.ts";

const L = (labels: Record<string, string>) =>
  Object.fromEntries(Object.entries(labels).map(([k, v]) => [`io.dockercask.${k}`, v]));

describe("parsePolicy accepts", () => {
  test("defaults with only a command", () => {
    expect(parsePolicy(L({ command: "xeyes" }))).toEqual({
      ok: true,
      policy: { ...DEFAULT_POLICY, command: ["xeyes"] },
    });
  });
  test.each([
    [{ command: " firefox-esr   --no-remote " }, { command: ["firefox-esr", "--no-remote"] }],
    [{ command: "a", network: "bridge" }, { network: "bridge" }],
    [{ command: "a", network: "internet" }, { network: "internet" }],
    [{ command: "a", only: "*.slack.com, slack.com" }, { only: ["*.slack.com", "slack.com"] }],
    [{ command: "a", allow: "192.168.1.20:631,nas.lan" }, { allow: ["192.168.1.20:631", "nas.lan"] }],
    [{ command: "a", ipc: "shareable" }, { ipc: "shareable" }],
    [{ command: "a", "shm-size": "2g" }, { shmSizeBytes: 2 * 1024 ** 3 }],
    [{ command: "a", "shm-size": "512m" }, { shmSizeBytes: 512 * 1024 ** 2 }],
    [{ command: "a", clipboard: "from-app" }, { clipboard: "from-app" }],
    [{ command: "a", files: "ask" }, { files: "ask" }],
    [{ command: "a" }, { files: "off" }],
    [{ command: "a", "mit-shm": "fd" }, { mitShm: "fd" }],
    [{ command: "a" }, { mitShm: "off" }],
    [{ command: "a", audio: "true" }, { audio: true }],
    [{ command: "a", devices: "/dev/dri, /dev/snd" }, { devices: ["/dev/dri", "/dev/snd"] }],
    [{ command: "a", description: "A thing" }, { description: "A thing" }],
    [{ command: "a", seccomp: "browser" }, { seccomp: "browser" }],
    [{ command: "a" }, { seccomp: "default", limits: {} }],
    [{ command: "a", memory: "4g" }, { limits: { memoryBytes: 4 * 1024 ** 3 } }],
    [{ command: "a", "tmp-size": "256m" }, { limits: { tmpBytes: 256 * 1024 ** 2 } }],
    [{ command: "a", "cpu-shares": "256" }, { limits: { cpuShares: 256 } }],
    [{ command: "a", cpus: "1.5" }, { limits: { cpus: 1.5 } }],
    [
      { command: "a", memory: "2g", "tmp-size": "1g", "cpu-shares": "2", cpus: "1" },
      { limits: { memoryBytes: 2 * 1024 ** 3, tmpBytes: 1024 ** 3, cpuShares: 2, cpus: 1 } },
    ],
  ])("%p", (labels, expected) => {
    const result = parsePolicy(L(labels));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.policy).toMatchObject(expected);
  });
  test("ignores labels outside the namespace and the builder's own", () => {
    expect(parsePolicy({ ...L({ command: "a" }), maintainer: "x", "io.dockercask.build.hash": "abc" }).ok).toBe(true);
  });
  test("base needs no command", () => {
    expect(parsePolicy({}, { requireCommand: false }).ok).toBe(true);
  });
});

describe("parsePolicy rejects", () => {
  test.each([
    [{}, /command is missing/],
    [{ command: "   " }, /must name a program/],
    [{ command: "a", network: "host" }, /never allowed.*abstract X11 socket/],
    [{ command: "a", network: "lan" }, /one of none, internet, bridge/],
    [{ command: "a", allow: "nas.lan, *" }, /"\*": `\*` would allow every private address/],
    [{ command: "a", allow: "nas.lan:99999" }, /port must be a number/],
    [{ command: "a", only: "*.slack.*" }, /wildcard is allowed only as the whole first label/],
    [{ command: "a", ipc: "host" }, /never allowed/],
    [{ command: "a", ipc: "weird" }, /one of private/],
    [{ command: "a", "shm-size": "lots" }, /size such as/],
    [{ command: "a", "shm-size": "1k" }, /between 1m and 16g/],
    [{ command: "a", "shm-size": "99g" }, /between 1m and 16g/],
    [{ command: "a", clipboard: "sometimes" }, /both, to-app, from-app, explicit, off/],
    [{ command: "a", files: "always" }, /must be one of ask, off/],
    [{ command: "a", "mit-shm": "sysv" }, /must be one of off, fd/],
    [{ command: "a", audio: "yes" }, /true or false/],
    [{ command: "a", devices: "/etc/passwd" }, /not a device path/],
    [{ command: "a", devices: "/dev/../etc" }, /not a device path/],
    [{ command: "a", netwrok: "none" }, /unknown label io.dockercask.netwrok/],
    [{ command: "a", seccomp: "unconfined" }, /one of default, browser \(unconfined is never allowed\)/],
    [{ command: "a", seccomp: "/etc/profile.json" }, /one of default, browser/],
    [{ command: "a", memory: "lots" }, /io.dockercask.memory="lots": must be a size such as "4g"/],
    [{ command: "a", memory: "1m" }, /1m is too small: at least 16 MiB/],
    [{ command: "a", "tmp-size": "4" }, /too small: at least 1 MiB/],
    [{ command: "a", "cpu-shares": "1.5" }, /whole number/],
    [{ command: "a", "cpu-shares": "1" }, /out of range: from 2 to 262144/],
    [{ command: "a", cpus: "0" }, /out of range: from 0.01/],
    [{ command: "a", cpus: "two" }, /number of CPUs/],
    [{ command: "a", memroy: "1g" }, /unknown label io.dockercask.memroy \(known: .*io.dockercask.memory/],
  ])("%p", (labels, problem) => {
    const result = parsePolicy(L(labels as Record<string, string>));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join("\n")).toMatch(problem);
  });
  test("reports every problem at once", () => {
    const result = parsePolicy(L({ network: "host", audio: "maybe" }));
    expect(result.ok ? [] : result.problems).toHaveLength(3);
  });
});

test.each([
  ["64m", 64 * 1024 ** 2],
  ["1G", 1024 ** 3],
  ["512k", 512 * 1024],
  ["1048576", 1048576],
  ["64mb", 64 * 1024 ** 2],
  ["", undefined],
  ["-1m", undefined],
  ["1.5g", undefined],
])("parseSize(%p)", (input, expected) => {
  expect(parseSize(input)).toBe(expected);
});
