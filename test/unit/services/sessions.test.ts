import { describe, expect, test } from "bun:test";
import { CONTAINER_LABEL } from "../../../src/core/container/spec.ts";
import { DockercaskError, InvalidInstanceNameError, NotRunningError } from "../../../src/core/errors.ts";
import type { SessionState } from "../../../src/core/instance/runtime.ts";
import type { ContainerClient, InstanceContainer } from "../../../src/ports/container-client.ts";
import type { EngineClient } from "../../../src/ports/engine-client.ts";
import { listRunning, type SessionsDeps, stopInstance, stopInstances } from "../../../src/services/sessions.ts";

const T0 = Date.parse("2024-05-01T10:00:00Z");

function state(instance: string, pid: number, more: Partial<SessionState> = {}): SessionState {
  return { instance, pid, pidStart: `t${pid}`, startedAt: new Date(T0).toISOString(), ...more };
}

function container(id: string, instance: string): InstanceContainer {
  return {
    id,
    name: `dockercask-${instance.replace("#", ".")}`,
    labels: { [CONTAINER_LABEL.instance]: instance },
    state: "running",
    createdAt: new Date(T0),
  };
}

/**
 * A fake host: `alive` holds the live pids (with their start times, `t<pid>`), a fake clock
 * advances only when the service sleeps, and a SIGTERM kills its pid after `dieAfterMs`
 * (never, when undefined).
 */
function createFakes(options: {
  dirs: { name: string; state: SessionState | undefined }[];
  containers?: InstanceContainer[];
  alive: number[];
  nowMs?: number;
  dieAfterMs?: number;
}) {
  const alive = new Set(options.alive);
  const signals: string[] = [];
  const sleeps: number[] = [];
  let now = options.nowMs ?? T0;
  const deathAt = new Map<number, number>();
  const signalledAt = new Map<number, number>();
  const containers: ContainerClient & EngineClient = {
    async engine() {
      return { kind: "docker", version: "20.10.24", rootless: false };
    },
    async runContainer() {
      throw new Error("not used");
    },
    async removeContainer() {
      throw new Error("not used");
    },
    async listContainers(label) {
      return (options.containers ?? []).filter((c) => label in c.labels);
    },
    async streamLogs() {},
  };
  const deps: SessionsDeps = {
    runtime: {
      list: () => options.dirs,
      readState: (name) => options.dirs.find((d) => d.name === name)?.state,
    },
    containers,
    isAlive: (pid, start) => {
      if ((deathAt.get(pid) ?? Number.POSITIVE_INFINITY) <= now) alive.delete(pid);
      return alive.has(pid) && (start === undefined || start === `t${pid}`);
    },
    signal: (pid, signal) => {
      signals.push(`${signal} ${pid}`);
      signalledAt.set(pid, now);
      if (options.dieAfterMs !== undefined) deathAt.set(pid, now + options.dieAfterMs);
    },
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    now: () => new Date(now),
  };
  return { deps, signals, sleeps, signalledAt, deathAt };
}

describe("listRunning", () => {
  test("lists live sessions, sorted, joined with their containers", async () => {
    const { deps } = createFakes({
      dirs: [
        { name: "xeyes#work", state: state("xeyes#work", 100, { display: 3, container: "aaaaaaaaaaaaaaaaaaaa" }) },
        { name: "xeyes#tmp-1", state: state("xeyes#tmp-1", 100, { display: 4, disposable: true }) },
        { name: "dead", state: state("dead", 300) },
        { name: "half", state: undefined },
        {
          name: "gimp",
          state: state("gimp", 200, {
            display: 5,
            container: "ffffffffffffffffffff",
            limits: { memoryBytes: 4 * 1024 ** 3, tmpBytes: 512 * 1024 ** 2, cpuShares: 512 },
            xMemoryBytes: 1024 ** 3,
            mitShm: "fd",
            network: "internet",
            files: "ask",
            allow: ["nas.lan"],
            only: ["*.gimp.org"],
          }),
        },
      ],
      containers: [container("0123456789abcdef0123", "gimp"), container("9999999999999999", "dead")],
      alive: [100, 200],
      nowMs: T0 + 90_500,
    });
    expect(await listRunning(deps)).toEqual([
      // The engine's id wins over the state's: the state may be older than a restart.
      {
        instance: "gimp",
        display: 5,
        container: "0123456789ab",
        containerName: "dockercask-gimp",
        startedAt: new Date(T0).toISOString(),
        uptimeSeconds: 91,
        supervisorPid: 200,
        disposable: false,
        limits: { memoryBytes: 4 * 1024 ** 3, tmpBytes: 512 * 1024 ** 2, cpuShares: 512 },
        xMemoryBytes: 1024 ** 3,
        mitShm: "fd",
        network: { mode: "internet", allow: ["nas.lan"], only: ["*.gimp.org"] },
        files: "ask",
        staleImage: undefined,
      },
      // A disposable instance is listed like any other, and marked.
      {
        instance: "xeyes#tmp-1",
        display: 4,
        container: undefined,
        containerName: undefined,
        startedAt: new Date(T0).toISOString(),
        uptimeSeconds: 91,
        supervisorPid: 100,
        disposable: true,
        limits: undefined,
        xMemoryBytes: undefined,
        mitShm: undefined,
        network: undefined,
        files: undefined,
        staleImage: undefined,
      },
      {
        instance: "xeyes#work",
        display: 3,
        container: "aaaaaaaaaaaa",
        containerName: undefined,
        startedAt: new Date(T0).toISOString(),
        uptimeSeconds: 91,
        supervisorPid: 100,
        disposable: false,
        limits: undefined,
        xMemoryBytes: undefined,
        mitShm: undefined,
        network: undefined,
        files: undefined,
        staleImage: undefined,
      },
    ]);
  });

  // gimp's state names a pid whose start time no longer matches: the pid was reused.
  test.each<[string, number[], string[]]>([
    ["nobody alive", [], []],
    ["a pid reused by another process is not a live supervisor", [200], []],
    ["only the live one", [100, 200], ["xeyes"]],
  ])("%s", async (_, alive, expected) => {
    const { deps } = createFakes({
      dirs: [
        { name: "xeyes", state: state("xeyes", 100) },
        { name: "gimp", state: state("gimp", 200, { pidStart: "older" }) },
      ],
      alive,
    });
    expect((await listRunning(deps)).map((r) => r.instance)).toEqual(expected);
  });

  test.each<[string, Record<string, string>, string | undefined, boolean | undefined]>([
    ["an image built from the current recipe", { "io.dockercask.build.hash": "h2" }, "h2", false],
    ["an image built from an older recipe", { "io.dockercask.build.hash": "h1" }, "h2", true],
    ["an image not built by dockercask", {}, "h2", undefined],
    ["an app no longer in the catalog", { "io.dockercask.build.hash": "h1" }, undefined, undefined],
  ])("staleImage: %s", async (_, imageLabels, expected, stale) => {
    const running = container("0123456789abcdef0123", "xeyes");
    running.labels = { ...running.labels, ...imageLabels };
    const { deps } = createFakes({
      dirs: [{ name: "xeyes", state: state("xeyes", 100) }],
      containers: [running],
      alive: [100],
    });
    deps.expectedHash = (app) => (app === "xeyes" ? expected : undefined);
    expect((await listRunning(deps))[0]?.staleImage).toBe(stale);
  });

  test("a session still starting (no display, no container yet) is listed with neither", async () => {
    const { deps } = createFakes({ dirs: [{ name: "xeyes", state: state("xeyes", 100) }], alive: [100] });
    expect(await listRunning(deps)).toMatchObject([
      { instance: "xeyes", display: undefined, container: undefined, containerName: undefined },
    ]);
  });

  test("a clock behind the start time never gives a negative uptime", async () => {
    const { deps } = createFakes({
      dirs: [{ name: "xeyes", state: state("xeyes", 100) }],
      alive: [100],
      nowMs: T0 - 5000,
    });
    expect((await listRunning(deps))[0]?.uptimeSeconds).toBe(0);
  });
});

describe("stopInstance", () => {
  const dirs = [
    { name: "xeyes", state: state("xeyes", 100) },
    { name: "xeyes#work", state: state("xeyes#work", 200) },
  ];

  test.each([
    ["at once", 0],
    ["after a second", 1000],
    ["just before the timeout", 14_900],
  ])("sends SIGTERM to the instance's supervisor and returns once it is gone: %s", async (_, dieAfterMs) => {
    const fakes = createFakes({ dirs, alive: [100, 200], dieAfterMs });
    await stopInstance("xeyes#work", fakes.deps);
    expect(fakes.signals).toEqual(["SIGTERM 200"]);
    expect(fakes.sleeps.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(dieAfterMs);
    expect(fakes.sleeps.reduce((a, b) => a + b, 0)).toBeLessThan(dieAfterMs + 100);
  });

  test.each<[string, string, number[]]>([
    ["no runtime dir", "gimp", [100, 200]],
    ["a dir without state", "half", [100, 200]],
    ["a dead supervisor", "xeyes", [200]],
  ])("%s: NotRunningError, and no signal is sent", async (_, input, alive) => {
    const fakes = createFakes({ dirs: [...dirs, { name: "half", state: undefined }], alive });
    await expect(stopInstance(input, fakes.deps)).rejects.toBeInstanceOf(NotRunningError);
    expect(fakes.signals).toEqual([]);
  });

  test("a pid reused by an unrelated process is not signalled", async () => {
    const fakes = createFakes({
      dirs: [{ name: "xeyes", state: state("xeyes", 100, { pidStart: "older" }) }],
      alive: [100],
    });
    await expect(stopInstance("xeyes", fakes.deps)).rejects.toBeInstanceOf(NotRunningError);
    expect(fakes.signals).toEqual([]);
  });

  test("an invalid name is refused before anything is read", async () => {
    const fakes = createFakes({ dirs, alive: [100, 200] });
    fakes.deps.runtime.readState = () => {
      throw new Error("must not be read");
    };
    await expect(stopInstance("../xeyes", fakes.deps)).rejects.toBeInstanceOf(InvalidInstanceNameError);
  });

  test.each([
    ["never", undefined, 15_000],
    ["too late", 20_000, 15_000],
    ["past a short timeout", 3000, 2000],
  ])(
    "a supervisor that stops %s: an error naming the instance and the pid, after the timeout",
    async (_, dieAfterMs, timeoutMs) => {
      const fakes = createFakes({ dirs, alive: [100, 200], dieAfterMs });
      const error = await stopInstance("xeyes#work", fakes.deps, timeoutMs).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DockercaskError);
      const { message, hint } = error as DockercaskError;
      expect(message).toContain("xeyes#work");
      expect(message).toContain(`${timeoutMs / 1000} s`);
      expect(hint).toContain("pid 200");
      expect(hint).toContain("kill -9 200");
      expect(fakes.signals).toEqual(["SIGTERM 200"]);
      const waited = fakes.sleeps.reduce((a, b) => a + b, 0);
      expect(waited).toBeGreaterThanOrEqual(timeoutMs);
      expect(waited).toBeLessThan(timeoutMs + 100);
    },
  );
});

describe("stopInstances", () => {
  const dirs = [100, 200, 300].map((pid) => ({ name: `xeyes#${pid}`, state: state(`xeyes#${pid}`, pid) }));
  const names = dirs.map((d) => d.name);

  test("one at a time: each supervisor is signalled only once the one before it is gone", async () => {
    const fakes = createFakes({ dirs, alive: [100, 200, 300], dieAfterMs: 150 });
    await stopInstances(names, fakes.deps, { oneAtATime: true });
    expect(fakes.signals).toEqual(["SIGTERM 100", "SIGTERM 200", "SIGTERM 300"]);
    expect(fakes.signalledAt.get(200)!).toBeGreaterThanOrEqual(fakes.deathAt.get(100)!);
    expect(fakes.signalledAt.get(300)!).toBeGreaterThanOrEqual(fakes.deathAt.get(200)!);
  });

  test("all at once: every supervisor is signalled before any is gone (the control)", async () => {
    const fakes = createFakes({ dirs, alive: [100, 200, 300], dieAfterMs: 150 });
    await stopInstances(names, fakes.deps, { oneAtATime: false });
    expect(fakes.signals.sort()).toEqual(["SIGTERM 100", "SIGTERM 200", "SIGTERM 300"]);
    expect(Math.max(...fakes.signalledAt.values())).toBeLessThan(Math.min(...fakes.deathAt.values()));
  });
});
