import { describe, expect, test } from "bun:test";
import type { SessionState } from "../../../src/core/instance/runtime.ts";
import { netActivity } from "../../../src/services/net.ts";

const base: SessionState = { instance: "firefox#work", pid: 10, pidStart: "t", startedAt: "2026-12-05T00:00:00Z" };
const snapshot = JSON.stringify({
  instance: "firefox#work",
  written: 1,
  entries: [
    { host: "example.com", port: 443, allowed: true, why: "public", connections: 1, sent: 1, received: 2, last: 1 },
  ],
});

function deps(state: SessionState | undefined, alive = true, file: string | null = snapshot) {
  return {
    runtime: { root: "/run/dc", readOwnState: () => state },
    isAlive: () => alive,
    readFile: (path: string) => (path === "/run/dc/firefox#work/net.json" ? (file ?? undefined) : undefined),
  };
}

describe("netActivity", () => {
  test("a running instance under internet: its lists and its log", () => {
    const state = { ...base, network: "internet" as const, allow: ["nas.lan"], only: ["*.example.com"] };
    expect(netActivity("firefox#work", deps(state))).toMatchObject({
      instance: "firefox#work",
      network: "internet",
      allow: ["nas.lan"],
      only: ["*.example.com"],
      entries: [{ host: "example.com" }],
    });
  });

  test("no log written yet: no entries", () => {
    expect(netActivity("firefox#work", deps({ ...base, network: "internet" }, true, null)).entries).toEqual([]);
  });

  test.each([
    ["not running", undefined, true, "E_NOT_RUNNING", "is not running"],
    ["its supervisor gone", { ...base, network: "internet" as const }, false, "E_NOT_RUNNING", "is not running"],
    ["under bridge", { ...base, network: "bridge" as const }, true, "E_NO_NET_LOG", "do not pass dockercask"],
    ["under none", { ...base, network: "none" as const }, true, "E_NO_NET_LOG", "has no network"],
    ["from an older dockercask", base, true, "E_NO_NET_LOG", "older dockercask"],
  ])("%s: a clear error with a hint", (_, state, alive, code, says) => {
    let error: unknown;
    try {
      netActivity("firefox#work", deps(state, alive));
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code });
    expect(String((error as Error).message)).toContain(says);
    expect((error as { hint?: string }).hint).toBeTruthy();
  });
});
