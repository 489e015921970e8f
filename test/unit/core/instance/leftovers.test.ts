import { describe, expect, test } from "bun:test";
import { BUS_LEFTOVER } from "../../../../src/core/desktop-bus/bus-config.ts";
import { leftoversToEnd } from "../../../../src/core/instance/leftovers.ts";
import type { SessionState } from "../../../../src/core/instance/runtime.ts";
import { XEPHYR_LEFTOVER } from "../../../../src/core/x11/xephyr.ts";

const ROOT = "/run/user/1000/dockercask";
const state = (more: Partial<SessionState>): SessionState => ({
  instance: "xeyes",
  pid: 300,
  pidStart: "t300",
  startedAt: "",
  ...more,
});
const bus = (config: string) => ["/usr/bin/dbus-daemon", "--nofork", `--config-file=${config}`];

describe("which processes of a dead session the reaper may end", () => {
  test.each<
    [string, Partial<SessionState>, Record<number, { start: string; argv: string[] }>, { pid: number; what: string }[]]
  >([
    ["nothing recorded: nothing", {}, {}, []],
    [
      "its Xephyr, alive and a Xephyr",
      { xephyrPid: 5, xephyrStart: "s5" },
      { 5: { start: "s5", argv: ["/usr/bin/Xephyr", ":3"] } },
      [{ pid: 5, what: "Xephyr" }],
    ],
    ["its Xephyr, gone", { xephyrPid: 5, xephyrStart: "s5" }, {}, []],
    [
      "its Xephyr's pid, reused by a later process",
      { xephyrPid: 5, xephyrStart: "s5" },
      { 5: { start: "s9", argv: ["/usr/bin/Xephyr"] } },
      [],
    ],
    [
      "its Xephyr's pid, now another program",
      { xephyrPid: 5, xephyrStart: "s5" },
      { 5: { start: "s5", argv: ["/usr/bin/bash"] } },
      [],
    ],
    [
      "its bus, with its config under our runtime root",
      { busPid: 6 },
      { 6: { start: "s6", argv: bus(`${ROOT}/xeyes/bus.conf`) } },
      [{ pid: 6, what: "the desktop bus" }],
    ],
    [
      "a dbus-daemon with the session's own config",
      { busPid: 6 },
      { 6: { start: "s6", argv: bus("/usr/share/dbus-1/session.conf") } },
      [],
    ],
    [
      "a dbus-daemon under a root that only starts like ours",
      { busPid: 6 },
      { 6: { start: "s6", argv: bus(`${ROOT}.evil/bus.conf`) } },
      [],
    ],
    [
      "a program named like dbus-daemon with our config",
      { busPid: 6 },
      { 6: { start: "s6", argv: ["/tmp/not-dbus-daemon-really", `--config-file=${ROOT}/x/bus.conf`] } },
      [],
    ],
    [
      "both, in the order of the kinds",
      { xephyrPid: 5, xephyrStart: "s5", busPid: 6 },
      { 5: { start: "s5", argv: ["Xephyr"] }, 6: { start: "s6", argv: bus(`${ROOT}/xeyes/bus.conf`) } },
      [
        { pid: 5, what: "Xephyr" },
        { pid: 6, what: "the desktop bus" },
      ],
    ],
  ])("%s", (_, recorded, processes, expected) => {
    const host = {
      runtimeRoot: ROOT,
      isAlive: (pid: number, start: string | undefined) =>
        processes[pid] !== undefined && (start === undefined || processes[pid]?.start === start),
      commandLine: (pid: number) => processes[pid]?.argv ?? [],
    };
    expect(leftoversToEnd(state(recorded), [XEPHYR_LEFTOVER, BUS_LEFTOVER], host)).toEqual(expected);
  });
});
