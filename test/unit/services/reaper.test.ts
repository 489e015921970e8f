import { describe, expect, test } from "bun:test";
import { CONTAINER_LABEL } from "../../../src/core/container/spec.ts";
import { PROBE_LABEL, PROBE_TIMEOUT_MS } from "../../../src/core/deb/probe.ts";
import { BUS_LEFTOVER } from "../../../src/core/desktop-bus/bus-config.ts";
import type { SessionState } from "../../../src/core/instance/runtime.ts";
import { XEPHYR_LEFTOVER } from "../../../src/core/x11/xephyr.ts";
import type { ContainerClient, InstanceContainer } from "../../../src/ports/container-client.ts";
import { type ReaperDeps, reapOrphans } from "../../../src/services/reaper.ts";

/** pid -> start time of the processes that are alive. */
type Processes = Record<number, string>;

const LIVE: Processes = { 100: "t100", 200: "t200", 101: "t101", 301: "t301", 401: "t401" };
/** What /proc says each live process runs: the supervisors are dockercask, the rest Xephyrs unless a test says otherwise. */
const COMMAND_LINES: Record<number, string[]> = { 100: ["dockercask"], 200: ["dockercask"] };
const ROOT = "/run/user/1000/dockercask";

function state(instance: string, pid: number, pidStart: string, more: Partial<SessionState> = {}): SessionState {
  return { instance, pid, pidStart, startedAt: "2024-01-01T00:00:00Z", ...more };
}

function container(id: string, instance: string, supervisor?: { pid: string; start: string }): InstanceContainer {
  const labels: Record<string, string> = { [CONTAINER_LABEL.instance]: instance };
  if (supervisor) {
    labels[CONTAINER_LABEL.supervisorPid] = supervisor.pid;
    labels[CONTAINER_LABEL.supervisorStart] = supervisor.start;
  }
  return { id, name: `dockercask-${instance.replace("#", ".")}`, labels, state: "running", createdAt: new Date(0) };
}

interface World {
  dirs: { name: string; state: SessionState | undefined }[];
  containers?: InstanceContainer[];
  pulse?: { index: number; path: string }[];
  /** Paths that exist on the host (pulse sockets). */
  files?: string[];
}

/** Plain-object fakes over a small world; every side effect lands in `events`, in order. */
function createFakes(
  world: World,
  processes: Processes = LIVE,
  commandLines: Record<number, string[]> = COMMAND_LINES,
) {
  const events: string[] = [];
  const sweeps: string[] = [];
  const logs: string[] = [];
  const containers = world.containers ? [...world.containers] : undefined;
  const client: ContainerClient | undefined = containers && {
    async runContainer() {
      throw new Error("the reaper never starts a container");
    },
    async removeContainer(id) {
      events.push(`remove container ${id}`);
      const at = containers.findIndex((c) => c.id === id);
      if (at !== -1) containers.splice(at, 1);
    },
    async listContainers(label) {
      return containers.filter((c) => label in c.labels);
    },
    async streamLogs() {},
  };
  const deps: ReaperDeps = {
    runtime: {
      list: () => world.dirs,
      removeDir: (name) => void events.push(`remove dir ${name}`),
      sweepDebris: () => void sweeps.push("swept"),
    },
    containers: client,
    isAlive: (pid, start) => processes[pid] !== undefined && (start === undefined || processes[pid] === start),
    leftovers: {
      kinds: [XEPHYR_LEFTOVER, BUS_LEFTOVER],
      runtimeRoot: ROOT,
      commandLine: (pid) => commandLines[pid] ?? ["/usr/bin/Xephyr", ":5", "-auth", `${ROOT}/xeyes/xauth.server`],
      end: (pid) => void events.push(`kill ${pid} ${processes[pid]}`),
    },
    log: { info: (m) => void logs.push(m) },
  };
  if (world.pulse) {
    deps.pulseSockets = async () => world.pulse!;
    deps.unloadPulseModule = async (index) => void events.push(`unload pulse ${index}`);
    deps.exists = (path) => (world.files ?? []).includes(path);
  }
  return { deps, events, logs, sweeps };
}

describe("reapOrphans", () => {
  test.each<[string, World, string[], string[]]>([
    [
      "a dead supervisor: its container, its Xephyr and its dir go",
      {
        dirs: [
          {
            name: "xeyes",
            state: state("xeyes", 300, "t300", {
              display: 5,
              xephyrPid: 301,
              xephyrStart: "t301",
              container: "c-xeyes",
            }),
          },
        ],
        containers: [],
      },
      ["remove container c-xeyes", "kill 301 t301", "remove dir xeyes"],
      ["xeyes"],
    ],
    [
      "a pid that was reused by another process counts as dead",
      {
        dirs: [
          { name: "xeyes", state: state("xeyes", 100, "an-older-start", { xephyrPid: 301, xephyrStart: "t301" }) },
        ],
        containers: [],
      },
      ["kill 301 t301", "remove dir xeyes"],
      ["xeyes"],
    ],
    [
      "a live supervisor: untouched",
      {
        dirs: [
          {
            name: "xeyes",
            state: state("xeyes", 100, "t100", { xephyrPid: 301, xephyrStart: "t301", container: "c-xeyes" }),
          },
        ],
        containers: [],
      },
      [],
      [],
    ],
    [
      "a dir without state (a supervisor killed before writing it): removed",
      { dirs: [{ name: "gimp#2", state: undefined }], containers: [] },
      ["remove dir gimp#2"],
      ["gimp#2"],
    ],
    [
      "a dead supervisor that died before starting Xephyr",
      { dirs: [{ name: "xeyes", state: state("xeyes", 300, "t300") }], containers: [] },
      ["remove dir xeyes"],
      ["xeyes"],
    ],
    [
      "a container whose supervisor is dead and whose dir is gone: removed",
      { dirs: [], containers: [container("c1", "firefox#work", { pid: "300", start: "t300" })] },
      ["remove container c1"],
      ["firefox#work"],
    ],
    [
      "a container whose supervisor pid was reused: removed",
      { dirs: [], containers: [container("c1", "firefox", { pid: "100", start: "an-older-start" })] },
      ["remove container c1"],
      ["firefox"],
    ],
    [
      "a container without supervisor labels: removed",
      { dirs: [], containers: [container("c1", "firefox")] },
      ["remove container c1"],
      ["firefox"],
    ],
    [
      "a container with a nonsense supervisor pid: removed",
      {
        dirs: [],
        containers: [
          container("c1", "firefox", { pid: "-1", start: "x" }),
          container("c2", "gimp", { pid: "0", start: "x" }),
        ],
      },
      ["remove container c1", "remove container c2"],
      ["firefox", "gimp"],
    ],
    [
      "a container with a live supervisor: kept",
      { dirs: [], containers: [container("c1", "firefox", { pid: "200", start: "t200" })] },
      [],
      [],
    ],
    [
      "live and dead side by side: only the dead go",
      {
        dirs: [
          {
            name: "live",
            state: state("live", 100, "t100", { xephyrPid: 101, xephyrStart: "t101", container: "c-live" }),
          },
          {
            name: "dead",
            state: state("dead", 300, "t300", { xephyrPid: 301, xephyrStart: "t301", container: "c-dead" }),
          },
        ],
        containers: [
          container("c-live", "live", { pid: "100", start: "t100" }),
          container("c-dead", "dead", { pid: "300", start: "t300" }),
        ],
      },
      ["remove container c-dead", "kill 301 t301", "remove dir dead"],
      ["dead"],
    ],
  ])("%s", async (_, world, events, reaped) => {
    const fakes = createFakes(world);
    expect(await reapOrphans(fakes.deps)).toEqual(reaped);
    expect(fakes.events).toEqual(events);
    expect(fakes.logs).toHaveLength(reaped.length);
    for (const [i, instance] of reaped.entries()) expect(fakes.logs[i]).toContain(instance);
  });

  test("without Docker, the host side is still cleaned and containers wait for a later reap", async () => {
    const fakes = createFakes({
      dirs: [
        {
          name: "xeyes",
          state: state("xeyes", 300, "t300", { xephyrPid: 301, xephyrStart: "t301", container: "c-xeyes" }),
        },
      ],
    });
    expect(fakes.deps.containers).toBeUndefined();
    expect(await reapOrphans(fakes.deps)).toEqual(["xeyes"]);
    expect(fakes.events).toEqual(["kill 301 t301", "remove dir xeyes"]);
  });

  test("an instance reaped by its dir and by its container is reported once", async () => {
    const fakes = createFakes({
      dirs: [{ name: "xeyes", state: state("xeyes", 300, "t300", { container: "c-other" }) }],
      containers: [container("c-xeyes", "xeyes", { pid: "300", start: "t300" })],
    });
    expect(await reapOrphans(fakes.deps)).toEqual(["xeyes"]);
    expect(fakes.events).toEqual(["remove container c-other", "remove dir xeyes", "remove container c-xeyes"]);
  });

  test("a nonsense supervisor label is not trusted, even by a liveness check that would say yes (kill(0, 0) does)", async () => {
    const fakes = createFakes({
      dirs: [],
      containers: [
        container("c1", "a", { pid: "0", start: "x" }),
        container("c2", "b", { pid: "-1", start: "x" }),
        container("c3", "c", { pid: "abc", start: "x" }),
      ],
    });
    fakes.deps.isAlive = () => true;
    expect(await reapOrphans(fakes.deps)).toEqual(["a", "b", "c"]);
    expect(fakes.events).toEqual(["remove container c1", "remove container c2", "remove container c3"]);
  });

  test.each<[string, World]>([
    ["with Docker", { dirs: [], containers: [] }],
    ["without Docker", { dirs: [] }],
  ])("%s, the host side sweeps the debris of dirs a killed dockercask was making or removing", async (_, world) => {
    const fakes = createFakes(world);
    await reapOrphans(fakes.deps);
    expect(fakes.sweeps).toEqual(["swept"]);
  });

  test("nothing to do: nothing happens, nothing is said", async () => {
    const fakes = createFakes({ dirs: [], containers: [], pulse: [], files: [] });
    expect(await reapOrphans(fakes.deps)).toEqual([]);
    expect(fakes.events).toEqual([]);
    expect(fakes.logs).toEqual([]);
  });
});

describe("reapOrphans: the host processes a dead session left", () => {
  const dead = (more: Partial<SessionState>) => ({
    dirs: [{ name: "xeyes", state: state("xeyes", 300, "t300", more) }],
    containers: [],
  });
  const busDaemon = (config: string) => [
    "/usr/bin/dbus-daemon",
    "--nofork",
    "--print-address=3",
    `--config-file=${config}`,
  ];

  test.each<[string, Partial<SessionState>, Processes, Record<number, string[]>, string[]]>([
    [
      "its Xephyr and its bus daemon are ended",
      { xephyrPid: 301, xephyrStart: "t301", busPid: 302 },
      { ...LIVE, 302: "t302" },
      { 302: busDaemon(`${ROOT}/xeyes/bus.conf`) },
      ["kill 301 t301", "kill 302 t302", "remove dir xeyes"],
    ],
    ["a Xephyr already gone is not signalled", { xephyrPid: 399, xephyrStart: "t399" }, LIVE, {}, ["remove dir xeyes"]],
    [
      "a recorded pid now started at another time (reused) is not signalled",
      { xephyrPid: 301, xephyrStart: "an-older-start" },
      LIVE,
      {},
      ["remove dir xeyes"],
    ],
    [
      "a recorded Xephyr pid that now runs another program is not signalled",
      { xephyrPid: 301, xephyrStart: "t301" },
      LIVE,
      { 301: ["/usr/bin/vim"] },
      ["remove dir xeyes"],
    ],
    [
      "a dbus-daemon that is not ours (another config) is not signalled",
      { busPid: 302 },
      { ...LIVE, 302: "t302" },
      { 302: busDaemon("/usr/share/dbus-1/session.conf") },
      ["remove dir xeyes"],
    ],
    [
      "a dbus-daemon whose config only looks like ours is not signalled",
      { busPid: 302 },
      { ...LIVE, 302: "t302" },
      { 302: busDaemon(`${ROOT}-evil/xeyes/bus.conf`) },
      ["remove dir xeyes"],
    ],
    ["the bus pid is a Xephyr: not ours as a bus", { busPid: 301 }, LIVE, {}, ["remove dir xeyes"]],
  ])("%s", async (_, more, processes, commandLines, events) => {
    const fakes = createFakes(dead(more), processes, { ...COMMAND_LINES, ...commandLines });
    await reapOrphans(fakes.deps);
    expect(fakes.events).toEqual(events);
  });
});

describe("reapOrphans: sound sockets", () => {
  const root = "/run/user/1000/dockercask";

  test("unloads the modules whose socket is gone, keeps those whose socket exists", async () => {
    const fakes = createFakes({
      dirs: [],
      containers: [],
      pulse: [
        { index: 27, path: `${root}/dead/pulse.sock` },
        { index: 28, path: `${root}/live/pulse.sock` },
      ],
      files: [`${root}/live/pulse.sock`],
    });
    await reapOrphans(fakes.deps);
    expect(fakes.events).toEqual(["unload pulse 27"]);
  });

  test("a dead session's socket goes with its dir, so its module is unloaded after the dir", async () => {
    const sock = `${root}/xeyes/pulse.sock`;
    const files = [sock];
    const fakes = createFakes({
      dirs: [{ name: "xeyes", state: state("xeyes", 300, "t300") }],
      containers: [],
      pulse: [{ index: 27, path: sock }],
      files,
    });
    const removeDir = fakes.deps.runtime.removeDir;
    fakes.deps.runtime.removeDir = (name) => {
      removeDir(name);
      files.length = 0;
    };
    await reapOrphans(fakes.deps);
    expect(fakes.events).toEqual(["remove dir xeyes", "unload pulse 27"]);
  });

  test("a sound server that cannot be asked, or a module that will not unload, does not stop the reap", async () => {
    const fakes = createFakes({
      dirs: [{ name: "xeyes", state: state("xeyes", 300, "t300") }],
      containers: [],
      pulse: [
        { index: 27, path: "/gone" },
        { index: 28, path: "/gone-too" },
      ],
    });
    fakes.deps.unloadPulseModule = async (index) => {
      fakes.events.push(`unload pulse ${index}`);
      throw new Error("No such entity");
    };
    expect(await reapOrphans(fakes.deps)).toEqual(["xeyes"]);
    expect(fakes.events).toEqual(["remove dir xeyes", "unload pulse 27", "unload pulse 28"]);

    const noServer = createFakes({
      dirs: [{ name: "xeyes", state: state("xeyes", 300, "t300") }],
      containers: [],
      pulse: [],
    });
    noServer.deps.pulseSockets = async () => Promise.reject(new Error("Connection refused"));
    expect(await reapOrphans(noServer.deps)).toEqual(["xeyes"]);
  });
});

describe("reapOrphans: a container that cannot be removed", () => {
  // A removeContainer that rejects (the engine answers 500, e.g. "device or resource busy")
  // must not abort the whole reap: the orphan's Xephyr window would stay open, other dead
  // sessions would not be cleaned, and since run/ps/stop reap first, each of them would fail.
  test("is left for a later reap; the rest is still cleaned up", async () => {
    const fakes = createFakes({
      dirs: [
        {
          name: "stuck",
          state: state("stuck", 300, "t300", { xephyrPid: 301, xephyrStart: "t301", container: "c-stuck" }),
        },
        { name: "other", state: state("other", 400, "t400", { xephyrPid: 401, xephyrStart: "t401" }) },
      ],
      containers: [],
    });
    const remove = fakes.deps.containers!.removeContainer;
    fakes.deps.containers!.removeContainer = async (id) => {
      if (id === "c-stuck") throw new Error("driver failed to remove root filesystem: device or resource busy");
      return remove(id);
    };
    const reaped = await reapOrphans(fakes.deps);
    expect(fakes.events).toContain("kill 301 t301");
    expect(fakes.events).toContain("kill 401 t401");
    expect(fakes.events).toContain("remove dir other");
    expect(reaped).toContain("other");
  });
});

describe("Debian probes a killed dockercask left", () => {
  const probe = (id: string, state: string, created = 0): InstanceContainer => ({
    id,
    name: id,
    labels: { [PROBE_LABEL]: "galculator" },
    state,
    createdAt: new Date(created),
  });

  test("an exited one goes; a running one is another dockercask's, at work, until it is older than any probe may be", async () => {
    const { deps, events } = createFakes({
      dirs: [],
      containers: [
        probe("p-done", "exited"),
        probe("p-dead", "dead"),
        probe("p-busy", "running", 1_000_000 - 60_000),
        probe("p-starting", "created", 1_000_000 - 1_000),
        probe("p-stuck", "running", 1_000_000 - PROBE_TIMEOUT_MS - 120_000),
        probe("p-never-started", "created", 1_000_000 - PROBE_TIMEOUT_MS - 120_000),
      ],
    });
    deps.now = () => 1_000_000;
    await reapOrphans(deps);
    expect(events).toEqual([
      "remove container p-done",
      "remove container p-dead",
      "remove container p-stuck",
      "remove container p-never-started",
    ]);
  });
});
