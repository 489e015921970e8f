import { describe, expect, test } from "bun:test";
import type { ContainerCreateOptions } from "dockerode";
import { createCatalog } from "../../../../src/core/catalog/catalog.ts";
import type { EngineIdentity } from "../../../../src/core/container/engine.ts";
import type { InspectedContainer } from "../../../../src/core/container/hardening-check.ts";
import {
  AlreadyRunningError,
  DockercaskError,
  EngineCannotApplyError,
  InvalidInstanceNameError,
  InvalidPolicyError,
  UnknownAppError,
} from "../../../../src/core/errors.ts";
import { parseInstanceName, parseRunTarget } from "../../../../src/core/instance/name.ts";
import type { SessionState } from "../../../../src/core/instance/runtime.ts";
import type { XephyrOptions } from "../../../../src/core/x11/xephyr.ts";
import type { ContainerClient } from "../../../../src/ports/container-client.ts";
import type { EngineClient } from "../../../../src/ports/engine-client.ts";
import type { ImageClient } from "../../../../src/ports/image-client.ts";
import type { InstanceRecord, InstanceStore } from "../../../../src/ports/instance-store.ts";
import type { XephyrHandle } from "../../../../src/ports/xephyr.ts";
import { type ClipboardPort, createClipboardCapability } from "../../../../src/services/session/clipboard.ts";
import { createDesktopBusCapability, type DesktopBusPort } from "../../../../src/services/session/desktop-bus.ts";
import {
  type RunSessionDeps,
  runSession as runParsed,
  type RunOptions as SessionOptions,
} from "../../../../src/services/session/run.ts";
import { createSoundCapability, type SoundPort } from "../../../../src/services/session/sound.ts";

/**
 * Every port of a session as one flat object of fakes, so a test replaces one of them by name;
 * `toDeps` puts them where the session takes them (the window's, the container's, each
 * capability's), through the real capability modules.
 */
type FakePorts = Pick<
  RunSessionDeps,
  "catalog" | "store" | "preflight" | "reapHost" | "openSharedFolders" | "onTerminate" | "host" | "log"
> &
  RunSessionDeps["lock"] &
  RunSessionDeps["window"] &
  RunSessionDeps["container"] & {
    pulse: SoundPort;
    /** Undefined: the host has no dbus-daemon, so the instance has no bus. */
    startBridge?: DesktopBusPort["start"];
    startClipboard: ClipboardPort["start"];
  };

function toDeps(p: FakePorts): RunSessionDeps {
  return {
    catalog: p.catalog,
    store: p.store,
    preflight: () => p.preflight(),
    reapHost: () => p.reapHost(),
    openSharedFolders: (folders) => p.openSharedFolders(folders),
    lock: {
      acquireRuntime: (name, state) => p.acquireRuntime(name, state),
      raiseWindow: (title) => p.raiseWindow(title),
    },
    window: {
      writeAuthFiles: (...a) => p.writeAuthFiles(...a),
      startXephyr: (o) => p.startXephyr(o),
      queryHostScreen: () => p.queryHostScreen(),
    },
    container: {
      docker: () => p.docker(),
      reapContainers: () => p.reapContainers(),
      ensureImage: (app, o) => p.ensureImage(app, o),
      claimHome: (home, owner) => p.claimHome(home, owner),
      writePrivateFile: (path, content) => p.writePrivateFile(path, content),
    },
    capabilities: [
      createSoundCapability({
        findServer: () => p.pulse.findServer(),
        relay: (path, upstream, o) => p.pulse.relay(path, upstream, o),
      }),
      createDesktopBusCapability({
        available: () => p.startBridge !== undefined,
        start: (o) => p.startBridge!(o),
        instances: () => p.store.list().map((r) => r.name.full),
      }),
      createClipboardCapability({ start: (o) => p.startClipboard(o) }),
    ],
    onTerminate: (handler) => p.onTerminate(handler),
    host: p.host,
    log: p.log,
  };
}

type RunOptions = SessionOptions & { disposable?: boolean };

/** The session as `run` starts it: the name parsed where it comes in, then the ports put in place. */
async function runSession(input: string, ports: FakePorts, options: RunOptions = {}) {
  const { disposable, ...rest } = options;
  return runParsed(parseRunTarget(input, disposable), toDeps(ports), rest);
}

/** A catalog whose xeyes recipe writes `labels`: the policy is read from there, not from the image. */
const catalogWith = (labels: Record<string, string>) =>
  createCatalog({
    base: { Dockerfile: "FROM debian\n" },
    xeyes: {
      Dockerfile: `FROM dockercask/base\n${
        Object.keys(labels).length
          ? `LABEL ${Object.entries(labels)
              .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
              .join(" ")}`
          : ""
      }\n`,
    },
  });

/** The full teardown of a session that got as far as its container, in order. */
const TEARDOWN = ["unsubscribe", "stop clipboard", "remove container c1", "stop xephyr", "remove runtime dir"];
const isTeardown = (e: string) => TEARDOWN.includes(e) || e.startsWith("unload pulse") || e === "stop relay";

interface Harness {
  deps: FakePorts;
  /** Every side effect, in the order it happened. */
  events: string[];
  logs: string[];
  specs: ContainerCreateOptions[];
  states: SessionState[];
  xephyrOptions: (Omit<XephyrOptions, "displayFd"> & { memoryBytes: number })[];
  auth: { files: { server: string; client: string }; cookie: string; owner?: { uid: number; gid: number } }[];
  claimed: { home: string; owner: { uid: number; gid: number } }[];
  raised: string[];
  clipboards: Parameters<FakePorts["startClipboard"]>[0][];
  relays: Parameters<FakePorts["pulse"]["relay"]>[2][];
  /** The container's exit code, when the test decides. */
  app: PromiseWithResolvers<number>;
  /** Xephyr's exit, when the test decides (the user closes the window). */
  window: PromiseWithResolvers<number>;
  /** Delivers a signal the way the real onTerminate would, if someone listens. */
  signal(name: string): void;
  /** What the engine says it is (rootful Docker unless a test says otherwise). */
  engine: EngineIdentity;
  /** What the engine's inspect answers for a created container; by default, the spec as sent. */
  inspect: (spec: ContainerCreateOptions) => InspectedContainer;
  /** Files written for the engine (path -> content). */
  files: Map<string, string>;
}

/** Plain-object fakes for every dependency; `tweak` replaces some of them and may use the harness. */
/**
 * `labels` are the ones the app's recipe writes; the image carries them too, plus `inherited`
 * (what a parent image would hand down).
 */
function createHarness(
  tweak: (h: Harness) => Partial<FakePorts> = () => ({}),
  labels: Record<string, string> = { "io.dockercask.command": "xeyes" },
  inherited: Record<string, string> = {},
): Harness {
  const catalog = catalogWith(labels);
  const events: string[] = [];
  const logs: string[] = [];
  let handler: ((signal: string) => void) | undefined;
  const h: Harness = {
    deps: undefined as unknown as FakePorts,
    events,
    logs,
    specs: [],
    states: [],
    xephyrOptions: [],
    auth: [],
    claimed: [],
    raised: [],
    clipboards: [],
    relays: [],
    app: Promise.withResolvers<number>(),
    window: Promise.withResolvers<number>(),
    signal: (name) => handler?.(name),
    engine: { kind: "docker", version: "20.10.24", rootless: false, cgroupVersion: "2" },
    inspect: (spec) => ({
      Config: { User: spec.User },
      HostConfig: spec.HostConfig as InspectedContainer["HostConfig"],
    }),
    files: new Map(),
  };

  const records = new Map<string, InstanceRecord>();
  const store: InstanceStore = {
    homePath: (n) => `/data/homes/${n.full}`,
    get: (n) => records.get(n.full),
    list: () => [...records.values()],
    register(n) {
      events.push(`register ${n.full}`);
      const record = { name: n, createdAt: new Date(0), home: `/data/homes/${n.full}` };
      records.set(n.full, record);
      return record;
    },
    unregister: (n) => void events.push(`unregister ${n.full}`),
    purgeHome: (n) => void events.push(`purge ${n.full}`),
  };

  const docker: ImageClient & ContainerClient & EngineClient = {
    engine: async () => h.engine,
    async inspectImage(name) {
      events.push(`inspect ${name}`);
      return { id: "sha256:1", labels: { ...inherited, ...labels }, createdAt: new Date(0) };
    },
    async buildImage() {
      events.push("build image");
    },
    async runContainer(spec, options) {
      events.push("run container");
      h.specs.push(spec);
      options?.check?.(h.inspect(spec));
      return { id: "c1", exited: h.app.promise };
    },
    async removeContainer(id) {
      events.push(`remove container ${id}`);
    },
    async listContainers() {
      return [];
    },
    async streamLogs() {},
  };

  const xephyr: XephyrHandle = {
    display: 7,
    pid: 555,
    pidStart: "66",
    exited: h.window.promise,
    async stop() {
      events.push("stop xephyr");
    },
  };

  h.deps = {
    catalog,
    store,
    preflight: () => void events.push("preflight"),
    docker: async () => {
      events.push("connect docker");
      return docker;
    },
    reapHost: async () => void events.push("reap host"),
    writePrivateFile: (path, content) => void h.files.set(path, content),
    reapContainers: async () => void events.push("reap containers"),
    openSharedFolders(folders) {
      events.push(`open shared ${folders.map((f) => f.host).join(" ")}`);
      return {
        mounts: folders.map((f, i) => ({ source: `/proc/4242/fd/${20 + i}`, target: f.target, readOnly: f.readOnly })),
        close: () => void events.push("close shared"),
      };
    },
    ensureImage: async (app) => void events.push(`ensure image ${app}`),
    acquireRuntime(name, state) {
      events.push(`acquire ${name.full}`);
      h.states.push(state);
      return {
        ok: true,
        dir: {
          path: `/run/dc/${name.full}`,
          writeState: (next) => void h.states.push(next),
          remove: () => void events.push("remove runtime dir"),
        },
      };
    },
    claimHome(home, owner) {
      events.push("claim home");
      h.claimed.push({ home, owner });
    },
    async writeAuthFiles(files, cookie, owner) {
      events.push("write auth files");
      h.auth.push({ files, cookie, owner });
    },
    async startXephyr(options) {
      events.push("start xephyr");
      h.xephyrOptions.push(options);
      return xephyr;
    },
    queryHostScreen: async () => ({ width: 1920, height: 1080, widthMm: 508, heightMm: 286 }),
    async raiseWindow(title) {
      h.raised.push(title);
      return true;
    },
    pulse: {
      findServer: async () => ({
        found: true,
        socket: "/run/user/1000/pulse/native",
        via: "$XDG_RUNTIME_DIR/pulse/native",
        tried: [],
      }),
      async relay(path, upstream, options) {
        events.push(`relay pulse ${path} to ${upstream}`);
        h.relays.push(options);
        return { stop: () => void events.push("stop relay") };
      },
    },
    async startClipboard(options) {
      events.push("start clipboard");
      h.clipboards.push(options);
      return { stop: () => void events.push("stop clipboard") };
    },
    onTerminate(next) {
      events.push("subscribe");
      handler = next;
      return () => {
        events.push("unsubscribe");
        handler = undefined;
      };
    },
    host: {
      uid: 1000,
      gid: 1000,
      supervisor: { pid: 4242, start: "987" },
      resources: { memoryBytes: 8 * 1024 ** 3, cpus: 4 },
    },
    log: {
      info: (m) => void logs.push(`info: ${m}`),
      warn: (m) => void logs.push(`warn: ${m}`),
      debug: (m) => void logs.push(`debug: ${m}`),
    },
  };
  Object.assign(h.deps, tweak(h));
  return h;
}

/** Lets the session run until `event` has happened (the fakes resolve at once, so a few turns suffice). */
async function until(h: Harness, event: string): Promise<void> {
  for (let turn = 0; turn < 50; turn++) {
    if (h.events.includes(event)) return;
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  throw new Error(`the session never reached "${event}"; it did: ${h.events.join(", ")}`);
}

/** Runs a session to the point where the app runs, then lets the app exit with 0. */
async function runToAppExit(h: Harness, input = "xeyes", options: RunOptions = {}) {
  const session = runSession(input, h.deps, options);
  await until(h, "run container");
  h.app.resolve(0);
  return session;
}

const teardownOf = (h: Harness) => h.events.filter(isTeardown);
/** What a user could see or what outlives a failure: a window, a container, a sound socket, a clipboard bridge. */
const STARTS = ["load pulse", "start xephyr", "run container", "start clipboard"];
const startedAnything = (h: Harness) =>
  h.events.some((e) => STARTS.some((s) => e.startsWith(s))) ||
  // A lock taken on the way must be gone again.
  (h.events.some((e) => e.startsWith("acquire")) && !h.events.includes("remove runtime dir"));

describe("runSession: how a running session ends", () => {
  test.each([
    ["the app exits with 3", (h: Harness) => h.app.resolve(3), { reason: "app-exited", exitCode: 3 }],
    ["the app exits with 0", (h: Harness) => h.app.resolve(0), { reason: "app-exited", exitCode: 0 }],
    ["the user closes the window", (h: Harness) => h.window.resolve(1), { reason: "window-closed", exitCode: 0 }],
    ["SIGINT", (h: Harness) => h.signal("SIGINT"), { reason: "signal", exitCode: 130 }],
    ["SIGTERM", (h: Harness) => h.signal("SIGTERM"), { reason: "signal", exitCode: 143 }],
    ["SIGHUP", (h: Harness) => h.signal("SIGHUP"), { reason: "signal", exitCode: 129 }],
  ])("%s: tears down container, Xephyr, runtime dir, in that order", async (_, end, expected) => {
    const h = createHarness();
    const session = runSession("xeyes#work", h.deps);
    await until(h, "run container");
    expect(h.events).not.toContain("remove runtime dir");
    end(h);
    expect(await session).toEqual({ instance: "xeyes#work", ...expected } as Awaited<typeof session>);
    expect(teardownOf(h)).toEqual(TEARDOWN);
    expect(h.events.slice(-TEARDOWN.length)).toEqual(TEARDOWN);
  });

  test("the start order: local reap and lock first; image and policy before a new instance's window; both before the container", async () => {
    const h = createHarness();
    await runToAppExit(h);
    const at = (event: string) => {
      const index = h.events.indexOf(event);
      if (index === -1) throw new Error(`no "${event}" in ${h.events.join(", ")}`);
      return index;
    };
    const before = (a: string, b: string) => expect([a, at(a)]).toEqual([a, Math.min(at(a), at(b))]);
    before("preflight", "reap host");
    before("reap host", "acquire xeyes");
    before("acquire xeyes", "write auth files");
    before("connect docker", "reap containers");
    before("reap containers", "run container");
    before("ensure image xeyes", "register xeyes");
    before("inspect dockercask/xeyes", "start xephyr");
    before("write auth files", "start xephyr");
    before("start xephyr", "run container");
    before("run container", "start clipboard");
  });

  test("an instance that ran before opens its window without waiting for Docker", async () => {
    const connected = Promise.withResolvers<void>();
    const h = createHarness((h) => {
      const base = h.deps.docker;
      return {
        docker: async () => {
          await connected.promise;
          return base();
        },
      };
    });
    h.deps.store.register(parseInstanceName("xeyes#known"));
    const session = runSession("xeyes#known", h.deps);
    await until(h, "start xephyr");
    expect(h.events).not.toContain("connect docker");
    connected.resolve();
    await until(h, "run container");
    h.app.resolve(0);
    expect((await session).reason).toBe("app-exited");
  });

  test("the runtime state ends up naming the display, Xephyr and the container (what the reaper needs)", async () => {
    const h = createHarness();
    await runToAppExit(h, "xeyes#work");
    expect(h.states[0]).toMatchObject({ instance: "xeyes#work", pid: 4242, pidStart: "987" });
    expect(h.states.at(-1)).toMatchObject({
      instance: "xeyes#work",
      pid: 4242,
      pidStart: "987",
      display: 7,
      xephyrPid: 555,
      xephyrStart: "66",
      container: "c1",
    });
  });

  test("several end conditions at once still tear down exactly once", async () => {
    const h = createHarness();
    const session = runSession("xeyes", h.deps);
    await until(h, "run container");
    h.signal("SIGTERM");
    h.app.resolve(137);
    h.window.resolve(0);
    h.signal("SIGINT");
    const result = await session;
    expect(["app-exited", "window-closed", "signal"]).toContain(result.reason);
    expect(teardownOf(h)).toEqual(TEARDOWN);
    // The ends that lost the race settle later; nothing more happens.
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(teardownOf(h)).toEqual(TEARDOWN);
  });

  test("a container that cannot be removed is logged, and the rest of the teardown still runs", async () => {
    const h = createHarness((h) => {
      const base = h.deps.docker;
      return {
        docker: async () => ({
          ...(await base()),
          removeContainer: async () => Promise.reject(new Error("engine hiccup")),
        }),
      };
    });
    expect((await runToAppExit(h)).reason).toBe("app-exited");
    expect(teardownOf(h)).toEqual(["unsubscribe", "stop clipboard", "stop xephyr", "remove runtime dir"]);
    expect(h.logs.some((l) => l.startsWith("warn:") && l.includes("engine hiccup"))).toBe(true);
  });
});

describe("runSession: a teardown step that fails", () => {
  test("Xephyr will not stop: the error surfaces, and no teardown step runs twice", async () => {
    const h = createHarness((h) => {
      const base = h.deps.startXephyr;
      return {
        startXephyr: async (options) => ({
          ...(await base(options)),
          stop: async () => {
            h.events.push("stop xephyr");
            throw new Error("Xephyr is stuck");
          },
        }),
      };
    });
    await expect(runToAppExit(h)).rejects.toThrow("Xephyr is stuck");
    for (const step of ["unsubscribe", "stop clipboard", "remove container c1", "stop xephyr"])
      expect(h.events.filter((e) => e === step)).toEqual([step]);
  });
});

describe("runSession: a signal while starting", () => {
  /** Wraps one dependency so that SIGTERM arrives while it runs. */
  const signalDuring = (
    h: Harness,
    where: "writeAuthFiles" | "startXephyr" | "startClipboard" | "runContainer",
  ): Partial<FakePorts> => {
    const base = { ...h.deps };
    switch (where) {
      case "writeAuthFiles":
        return {
          writeAuthFiles: async (...args) => {
            h.signal("SIGTERM");
            return base.writeAuthFiles(...args);
          },
        };
      case "startXephyr":
        return {
          startXephyr: async (...args) => {
            h.signal("SIGTERM");
            return base.startXephyr(...args);
          },
        };
      case "startClipboard":
        return {
          startClipboard: async (...args) => {
            h.signal("SIGTERM");
            return base.startClipboard(...args);
          },
        };
      case "runContainer":
        return {
          docker: async () => {
            const client = await base.docker();
            return {
              ...client,
              runContainer: async (spec) => {
                h.signal("SIGTERM");
                return client.runContainer(spec);
              },
            };
          },
        };
    }
  };

  test.each([
    ["while the cookie is written", "writeAuthFiles" as const, [], ["unsubscribe", "remove runtime dir"]],
    [
      "while Xephyr starts",
      "startXephyr" as const,
      ["start xephyr"],
      ["unsubscribe", "stop xephyr", "remove runtime dir"],
    ],
    [
      "while the container starts",
      "runContainer" as const,
      ["start xephyr", "run container", "start clipboard"],
      TEARDOWN,
    ],
    [
      "while the clipboard starts",
      "startClipboard" as const,
      ["start xephyr", "run container", "start clipboard"],
      TEARDOWN,
    ],
  ])(
    "%s: tears down what was started, starts nothing more, and reports the signal",
    async (_, where, started, teardown) => {
      const h = createHarness((h) => signalDuring(h, where));
      expect(await runSession("xeyes", h.deps)).toEqual({ instance: "xeyes", reason: "signal", exitCode: 143 });
      expect(h.events.filter((e) => ["start xephyr", "run container", "start clipboard"].includes(e))).toEqual(started);
      expect(teardownOf(h)).toEqual(teardown);
    },
  );
});

describe("runSession: failures while starting", () => {
  test("Xephyr fails to start: the error surfaces, the lock goes, no container is created", async () => {
    const h = createHarness(() => ({ startXephyr: async () => Promise.reject(new Error("Xephyr did not start")) }));
    await expect(runSession("xeyes", h.deps)).rejects.toThrow("Xephyr did not start");
    expect(h.events).not.toContain("run container");
    expect(teardownOf(h)).toEqual(["unsubscribe", "remove runtime dir"]);
  });

  test("the container fails to start: Xephyr is stopped, the lock goes, the error surfaces", async () => {
    const h = createHarness((h) => {
      const base = h.deps.docker;
      return {
        docker: async () => ({
          ...(await base()),
          runContainer: async () => {
            h.events.push("run container (fails)");
            throw new Error("no such device /dev/dri");
          },
        }),
      };
    });
    await expect(runSession("xeyes", h.deps)).rejects.toThrow("no such device /dev/dri");
    expect(teardownOf(h)).toEqual(["unsubscribe", "stop xephyr", "remove runtime dir"]);
  });

  test("writing the cookie fails: nothing else starts, the lock goes", async () => {
    const h = createHarness(() => ({ writeAuthFiles: async () => Promise.reject(new Error("xauth failed (exit 1)")) }));
    await expect(runSession("xeyes", h.deps)).rejects.toThrow("xauth failed");
    expect(h.events).not.toContain("start xephyr");
    expect(teardownOf(h)).toEqual(["unsubscribe", "remove runtime dir"]);
  });

  test.each([
    [true, /its window was raised/],
    [false, /^(?!.*raised).*already running/],
  ])("already running (window raised: %p): raises its window and starts nothing", async (raised, message) => {
    const owner: SessionState = {
      instance: "xeyes#work",
      pid: 999,
      pidStart: "1",
      startedAt: "2024-01-01T00:00:00Z",
      display: 4,
    };
    const h = createHarness((h) => ({
      acquireRuntime: () => ({ ok: false, owner }),
      raiseWindow: async (title) => {
        h.raised.push(title);
        return raised;
      },
    }));
    const error = await runSession("xeyes#work", h.deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlreadyRunningError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain("999");
    expect(h.raised).toEqual(["xeyes#work"]);
    expect(startedAnything(h)).toBe(false);
  });

  test("already running, and raising the window fails: still AlreadyRunningError", async () => {
    const owner: SessionState = { instance: "xeyes", pid: 999, pidStart: "1", startedAt: "2024-01-01T00:00:00Z" };
    const h = createHarness(() => ({
      acquireRuntime: () => ({ ok: false, owner }),
      raiseWindow: async () => Promise.reject(new Error("no wmctrl")),
    }));
    await expect(runSession("xeyes", h.deps)).rejects.toBeInstanceOf(AlreadyRunningError);
    expect(startedAnything(h)).toBe(false);
  });

  test.each([
    ["Xeyes", InvalidInstanceNameError],
    ["xeyes#a#b", InvalidInstanceNameError],
    ["../xeyes", InvalidInstanceNameError],
    ["", InvalidInstanceNameError],
    ["xeyse", UnknownAppError],
    ["base", DockercaskError],
  ])("%p: rejected before anything is touched, Docker included", async (input, kind) => {
    const h = createHarness();
    await expect(runSession(input, h.deps)).rejects.toBeInstanceOf(kind);
    expect(h.events).toEqual([]);
  });

  test("a failed preflight (no DISPLAY, no Xephyr) starts nothing and does not even connect to Docker", async () => {
    const h = createHarness((h) => ({
      preflight: () => {
        h.events.push("preflight");
        throw new Error("DISPLAY is not set");
      },
    }));
    await expect(runSession("xeyes", h.deps)).rejects.toThrow("DISPLAY is not set");
    expect(h.events).toEqual(["preflight"]);
  });

  test.each([
    ["host networking", { "io.dockercask.command": "xeyes", "io.dockercask.network": "host" }],
    ["host IPC", { "io.dockercask.command": "xeyes", "io.dockercask.ipc": "host" }],
    ["a misspelt key", { "io.dockercask.command": "xeyes", "io.dockercask.netwrok": "none" }],
    ["no command", {}],
  ])("a recipe whose labels ask for %s is refused before anything starts", async (_, labels) => {
    const h = createHarness(undefined, labels);
    await expect(runSession("xeyes", h.deps)).rejects.toBeInstanceOf(InvalidPolicyError);
    expect(startedAnything(h)).toBe(false);
  });

  test("a missing image is an error with a hint, before anything starts", async () => {
    const h = createHarness((h) => {
      const base = h.deps.docker;
      return { docker: async () => ({ ...(await base()), inspectImage: async () => undefined }) };
    });
    const error = await runSession("xeyes", h.deps).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "E_IMAGE", hint: expect.stringContaining("dockercask build xeyes") });
    expect(startedAnything(h)).toBe(false);
  });
});

describe("runSession: the cookie", () => {
  test("is fresh, well formed, and appears nowhere but the auth files", async () => {
    const h = createHarness();
    await runToAppExit(h, "xeyes#work", { appArgs: ["--geometry", "200x200"] });
    expect(h.auth).toHaveLength(1);
    const { cookie, files } = h.auth[0]!;
    expect(cookie).toMatch(/^[0-9a-f]{32}$/);
    expect(files).toEqual({ server: "/run/dc/xeyes#work/xauth.server", client: "/run/dc/xeyes#work/xauth.client" });
    expect(h.specs).toHaveLength(1);
    expect(JSON.stringify(h.specs)).not.toContain(cookie);
    expect(JSON.stringify(h.xephyrOptions)).not.toContain(cookie);
    expect(JSON.stringify(h.states)).not.toContain(cookie);
    expect(h.logs.length).toBeGreaterThan(0);
    expect(h.logs.join("\n")).not.toContain(cookie);
  });

  test("differs between two sessions", async () => {
    const cookies: string[] = [];
    for (let i = 0; i < 2; i++) {
      const h = createHarness();
      await runToAppExit(h);
      cookies.push(h.auth[0]!.cookie);
    }
    expect(cookies[0]).not.toBe(cookies[1]);
  });

  test("Xephyr gets the server file, the container the client file", async () => {
    const h = createHarness();
    await runToAppExit(h);
    expect(h.xephyrOptions[0]?.authFile).toBe(h.auth[0]?.files.server);
    expect(h.specs[0]?.HostConfig?.Binds).toContain(`${h.auth[0]?.files.client}:/run/dockercask/Xauthority:ro`);
    expect(h.specs[0]?.HostConfig?.Binds?.join("\n")).not.toContain(h.auth[0]!.files.server);
  });
});

describe("runSession: who the app runs as", () => {
  test.each([
    [
      "root host",
      { uid: 0, gid: 0 },
      [{ home: "/data/homes/xeyes", owner: { uid: 1000, gid: 1000 } }],
      { uid: 1000, gid: 1000 },
      "1000:1000",
    ],
    ["uid 1000", { uid: 1000, gid: 1000 }, [], undefined, "1000:1000"],
    ["uid 1234", { uid: 1234, gid: 100 }, [], undefined, "1234:100"],
  ])("%s", async (_, ids, claimed, authOwner, user) => {
    const h = createHarness((h) => ({ host: { ...h.deps.host, ...ids } }));
    await runToAppExit(h);
    expect(h.claimed).toEqual(claimed);
    expect(h.auth[0]?.owner).toEqual(authOwner);
    expect(h.specs[0]?.User).toBe(user);
  });
});

describe("runSession: settings", () => {
  const screen = { width: 1920, height: 1080 };
  test.each<[string, RunOptions, { size: string; dpi: number; network: string }]>([
    ["defaults: from the host screen and the app's policy", {}, { size: "1728x968", dpi: 96, network: "none" }],
    [
      "the config",
      { configured: { size: { width: 800, height: 600 }, dpi: 144, network: "bridge" } },
      { size: "800x600", dpi: 144, network: "bridge" },
    ],
    [
      "flags win over the config",
      {
        size: { width: 1024, height: 768 },
        dpi: 110,
        network: "none",
        configured: { size: { width: 800, height: 600 }, dpi: 144, network: "bridge" },
      },
      { size: "1024x768", dpi: 110, network: "none" },
    ],
  ])("%s", async (_, options, expected) => {
    const h = createHarness(() => ({ queryHostScreen: async () => ({ ...screen, widthMm: 508, heightMm: 286 }) }));
    await runToAppExit(h, "xeyes", options);
    const x = h.xephyrOptions[0]!;
    expect({ size: `${x.width}x${x.height}`, dpi: x.dpi, network: h.specs[0]?.HostConfig?.NetworkMode }).toEqual(
      expected,
    );
    expect(x.title).toBe("xeyes");
  });

  test("app args reach the container", async () => {
    const h = createHarness();
    await runToAppExit(h, "xeyes", { appArgs: ["-fg", "red"] });
    expect(h.specs[0]?.Cmd).toEqual(["xeyes", "-fg", "red"]);
    expect(h.specs[0]?.Env).toContain("DISPLAY=:7");
    expect(h.events.some((e) => e.startsWith("open shared"))).toBe(false);
  });
});

describe("runSession: shared folders", () => {
  const shared = [{ host: "/home/me/Downloads", target: "/home/app/Downloads", readOnly: true }];

  test("are opened before anything starts, mounted from the held folder, and let go once the container is gone", async () => {
    const h = createHarness();
    await runToAppExit(h, "xeyes", { configured: { shared } });
    expect(h.events.slice(0, 2)).toEqual(["preflight", "open shared /home/me/Downloads"]);
    const mount = h.specs[0]?.HostConfig?.Mounts?.[0];
    expect(mount).toMatchObject({
      Target: "/home/app/Downloads",
      VolumeOptions: { DriverConfig: { Options: { device: "/proc/4242/fd/20", o: "bind,ro" } } },
    });
    // The path as written is never what the engine mounts.
    expect(JSON.stringify(h.specs[0])).not.toContain("/home/me/Downloads");
    expect(h.events.slice(-2)).toEqual(["remove runtime dir", "close shared"]);
    expect(h.events.indexOf("close shared")).toBeGreaterThan(h.events.indexOf("remove container c1"));
  });

  test("a refused folder starts nothing at all", async () => {
    const h = createHarness(() => ({
      openSharedFolders: () => {
        throw new DockercaskError("the shared folder /home/me/Downloads (it leads to /home/me/.ssh) is refused", {
          code: "E_SHARED",
        });
      },
    }));
    await expect(runSession("xeyes", h.deps, { configured: { shared } })).rejects.toThrow(/leads to \/home\/me\/.ssh/);
    expect(h.events).toEqual(["preflight"]);
  });

  test("already running: the folders are let go again", async () => {
    const owner: SessionState = { instance: "xeyes", pid: 999, pidStart: "1", startedAt: "2024-01-01T00:00:00Z" };
    const h = createHarness(() => ({ acquireRuntime: () => ({ ok: false, owner }) }));
    await expect(runSession("xeyes", h.deps, { configured: { shared } })).rejects.toBeInstanceOf(AlreadyRunningError);
    expect(h.events.at(-1)).toBe("close shared");
    expect(startedAnything(h)).toBe(false);
  });

  test("an empty shared list opens nothing", async () => {
    const h = createHarness();
    await runToAppExit(h, "xeyes", { configured: { shared: [] } });
    expect(h.events.some((e) => e.includes("shared"))).toBe(false);
    expect(h.specs[0]?.HostConfig?.Mounts).toBeUndefined();
  });
});

describe("runSession: sound", () => {
  const audioApp = { "io.dockercask.command": "xeyes", "io.dockercask.audio": "true" };

  test("an app that asks for audio gets its own relayed socket, mounted alone, and the relay stops after Xephyr", async () => {
    const h = createHarness(undefined, audioApp);
    await runToAppExit(h);
    expect(h.events).toContain("relay pulse /run/dc/xeyes/pulse.sock to /run/user/1000/pulse/native");
    expect(h.logs).toContain(
      "debug: sound: the host's server at /run/user/1000/pulse/native, found through $XDG_RUNTIME_DIR/pulse/native",
    );
    expect(h.specs[0]?.HostConfig?.Binds).toContain("/run/dc/xeyes/pulse.sock:/run/dockercask/pulse.sock");
    expect(h.specs[0]?.HostConfig?.Binds?.join("\n")).not.toContain("/run/user/1000/pulse");
    expect(h.specs[0]?.Env).toContain("PULSE_SERVER=unix:/run/dockercask/pulse.sock");
    expect(teardownOf(h)).toEqual([
      "unsubscribe",
      "stop clipboard",
      "remove container c1",
      "stop xephyr",
      "stop relay",
      "remove runtime dir",
    ]);
  });

  test.each<[string, Record<string, string>, RunOptions, boolean]>([
    ["off by default", audioApp, {}, false],
    ["the app's label", { ...audioApp, "io.dockercask.microphone": "true" }, {}, true],
    [
      "the config over the label",
      { ...audioApp, "io.dockercask.microphone": "true" },
      { configured: { microphone: false } },
      false,
    ],
    ["the flag over the config", audioApp, { microphone: true, configured: { microphone: false } }, true],
  ])("the microphone: %s", async (_, labels, options, microphone) => {
    const h = createHarness(undefined, labels);
    await runToAppExit(h, "xeyes", options);
    expect(h.relays).toEqual([expect.objectContaining({ microphone, identity: { user: "app", host: "xeyes" } })]);
  });

  test.each<[string, Record<string, string>, RunOptions]>([
    ["the app does not ask for it", { "io.dockercask.command": "xeyes" }, {}],
    ["the config turns it off", audioApp, { configured: { audio: false } }],
    ["the flag turns it off over the config", audioApp, { audio: false, configured: { audio: true } }],
  ])("no sound when %s: pulse is not touched, nothing is mounted", async (_, labels, options) => {
    const h = createHarness(undefined, labels);
    await runToAppExit(h, "xeyes", options);
    expect(h.events.some((e) => e.includes("pulse"))).toBe(false);
    expect(h.specs[0]?.HostConfig?.Binds?.join("\n")).not.toContain("pulse");
    expect(h.specs[0]?.Env?.join("\n")).not.toContain("PULSE");
  });

  test("the config can turn sound on for an app that does not ask", async () => {
    const h = createHarness();
    await runToAppExit(h, "xeyes", { configured: { audio: true } });
    expect(h.specs[0]?.HostConfig?.Binds).toContain("/run/dc/xeyes/pulse.sock:/run/dockercask/pulse.sock");
  });

  test.each<[string, Partial<FakePorts["pulse"]>, string]>([
    [
      "no sound server is there",
      { findServer: async () => ({ found: false, tried: ["PULSE_SERVER is not set"] }) },
      "info: no PulseAudio or PipeWire sound server found: running without sound (tried: PULSE_SERVER is not set)",
    ],
    [
      "the relay cannot start",
      { relay: async () => Promise.reject(new Error("EADDRINUSE")) },
      "warn: running without sound: EADDRINUSE",
    ],
  ])("%s: the app runs without sound, and the user is told", async (_, pulse, said) => {
    const h = createHarness((h) => ({ pulse: { ...h.deps.pulse, ...pulse } }), audioApp);
    expect((await runToAppExit(h)).reason).toBe("app-exited");
    expect(h.specs[0]?.HostConfig?.Binds?.join("\n")).not.toContain("pulse");
    expect(h.logs.some((l) => l.startsWith(said))).toBe(true);
  });

  test.each<[string, RunOptions, string]>([
    ["the flag", { audio: true }, "warn"],
    ["the config", { configured: { audio: true } }, "warn"],
    ["only the recipe", {}, "info"],
  ])("no sound server, and sound asked for by %s: said as a %s, with what was tried", async (_, options, level) => {
    const tried = [
      "PULSE_SERVER is not set",
      "$XDG_RUNTIME_DIR/pulse/native (/run/user/1000/pulse/native) is not a socket",
    ];
    const h = createHarness(
      (h) => ({ pulse: { ...h.deps.pulse, findServer: async () => ({ found: false, tried }) } }),
      audioApp,
    );
    await runToAppExit(h, "xeyes", options);
    expect(h.logs.filter((l) => l.includes("sound server"))).toEqual([
      `${level}: no PulseAudio or PipeWire sound server found: running without sound (tried: ${tried.join("; ")})`,
    ]);
  });

  // Regression: the sound socket was once forgotten when a sibling startup step failed.
  test("the cookie cannot be written after the relay started: the relay still stops", async () => {
    const h = createHarness(
      () => ({ writeAuthFiles: async () => Promise.reject(new Error("xauth failed (exit 1)")) }),
      audioApp,
    );
    await expect(runSession("xeyes", h.deps)).rejects.toThrow("xauth failed");
    expect(h.events).toContain("relay pulse /run/dc/xeyes/pulse.sock to /run/user/1000/pulse/native");
    expect(teardownOf(h)).toEqual(["unsubscribe", "stop relay", "remove runtime dir"]);
  });
});

describe("runSession: the clipboard", () => {
  test("starts after the container, on the instance's display, with the policy and the defaults", async () => {
    const h = createHarness();
    await runToAppExit(h);
    expect(h.events.indexOf("start clipboard")).toBeGreaterThan(h.events.indexOf("run container"));
    expect(h.clipboards).toEqual([
      {
        policy: "both",
        primary: false,
        maxBytes: 1024 * 1024,
        display: 7,
        cookie: h.auth[0]!.cookie,
        authFile: "/run/dc/xeyes/xauth.server",
      },
    ]);
  });

  test.each([
    ["comes up after the teardown: it is stopped at once", "up"],
    ["fails after the teardown (its display went away): nothing is said", "fails"],
  ] as const)(
    "the window closes while the clipboard is still connecting: the session ends; the clipboard %s",
    async (_, late) => {
      const starting = Promise.withResolvers<{ stop(): void }>();
      const h = createHarness((h) => ({
        startClipboard: async () => {
          h.events.push("start clipboard");
          return starting.promise;
        },
      }));
      const session = runSession("xeyes", h.deps);
      await until(h, "start clipboard");
      h.window.resolve(1);
      expect((await session).reason).toBe("window-closed");
      expect(teardownOf(h)).toEqual(TEARDOWN.filter((step) => step !== "stop clipboard"));
      if (late === "up") starting.resolve({ stop: () => void h.events.push("stop clipboard") });
      else starting.reject(new Error("the display :7 went away"));
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(h.events.filter((e) => e === "stop clipboard")).toEqual(late === "up" ? ["stop clipboard"] : []);
      expect(h.logs.filter((l) => l.startsWith("warn:"))).toEqual([]);
    },
  );

  test("fails to start while the session runs: the user is told at once, the app runs on, and there is no bridge to stop", async () => {
    const h = createHarness(() => ({ startClipboard: async () => Promise.reject(new Error('"xclip" was not found')) }));
    const session = runSession("xeyes", h.deps);
    await until(h, "run container");
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(h.logs).toContain('warn: the clipboard is not shared: Error: "xclip" was not found');
    h.app.resolve(0);
    expect(await session).toEqual({ instance: "xeyes", reason: "app-exited", exitCode: 0 });
    expect(teardownOf(h)).toEqual(["unsubscribe", "remove container c1", "stop xephyr", "remove runtime dir"]);
  });

  test.each<[string, Record<string, string>, RunOptions, string | undefined]>([
    ["the app's label", { "io.dockercask.command": "xeyes", "io.dockercask.clipboard": "to-app" }, {}, "to-app"],
    [
      "the config over the label",
      { "io.dockercask.command": "xeyes", "io.dockercask.clipboard": "to-app" },
      { configured: { clipboard: "from-app" } },
      "from-app",
    ],
    [
      "the flag over the config",
      { "io.dockercask.command": "xeyes" },
      { clipboard: "to-app", configured: { clipboard: "from-app" } },
      "to-app",
    ],
    ["off in the label", { "io.dockercask.command": "xeyes", "io.dockercask.clipboard": "off" }, {}, undefined],
    ["off in the config", { "io.dockercask.command": "xeyes" }, { configured: { clipboard: "off" } }, undefined],
    // explicit: nothing is watched; `clip push/pull` read the policy from the state instead.
    [
      "explicit in the label",
      { "io.dockercask.command": "xeyes", "io.dockercask.clipboard": "explicit" },
      {},
      undefined,
    ],
    ["explicit in the flag", { "io.dockercask.command": "xeyes" }, { clipboard: "explicit" }, undefined],
  ])("the policy comes from %s", async (_, labels, options, policy) => {
    const h = createHarness(undefined, labels);
    await runToAppExit(h, "xeyes", options);
    expect(h.clipboards.map((c): string => c.policy)).toEqual(policy ? [policy] : []);
    expect(h.events.includes("stop clipboard")).toBe(policy !== undefined);
  });

  test.each<[string, RunOptions, { clipboard: string; clipboardMaxBytes: number }]>([
    ["the default", {}, { clipboard: "both", clipboardMaxBytes: 1024 * 1024 }],
    [
      "the flag, and the config's cap",
      { clipboard: "explicit", configured: { clipboardMaxBytes: 4096 } },
      { clipboard: "explicit", clipboardMaxBytes: 4096 },
    ],
    ["off in the config", { configured: { clipboard: "off" } }, { clipboard: "off", clipboardMaxBytes: 1024 * 1024 }],
  ])(
    "the state records the clipboard policy and cap the instance runs with (%s), for clip push/pull",
    async (_, options, expected) => {
      const h = createHarness();
      await runToAppExit(h, "xeyes", options);
      expect(h.states.at(-1)).toMatchObject(expected);
    },
  );

  test("primary and the size limit come from the settings", async () => {
    const h = createHarness();
    await runToAppExit(h, "xeyes", { configured: { primary: true, clipboardMaxBytes: 4096 } });
    expect(h.clipboards[0]).toMatchObject({ primary: true, maxBytes: 4096 });
  });
});

describe("runSession: resource limits", () => {
  /** A container whose engine answers `oom` when asked whether the OOM killer struck. */
  const withOom =
    (oom: boolean) =>
    (h: Harness): Partial<FakePorts> => {
      const base = h.deps.docker;
      return {
        docker: async () => {
          const client = await base();
          return {
            ...client,
            runContainer: async (spec) => ({
              ...(await client.runContainer(spec)),
              oomKilled: async () => {
                h.events.push("ask oom");
                return oom;
              },
            }),
          };
        },
      };
    };
  const MIB = 1024 ** 2;

  test("the spec and the state carry the limits: config over label over the host's default", async () => {
    const h = createHarness(undefined, {
      "io.dockercask.command": "xeyes",
      "io.dockercask.cpu-shares": "256",
      "io.dockercask.memory": "1g",
    });
    await runToAppExit(h, "xeyes", { configured: { memoryBytes: 64 * MIB } });
    const limits = { memoryBytes: 64 * MIB, tmpBytes: 16 * MIB, cpuShares: 256 };
    expect(h.specs[0]!.HostConfig).toMatchObject({ Memory: 64 * MIB, MemorySwap: 64 * MIB, CpuShares: 256 });
    expect(h.states.at(-1)?.limits).toEqual(limits);
  });

  test.each([
    ["the floor, for a small instance", { memoryBytes: 64 * MIB }, 256 * MIB],
    ["a quarter of a large one", { memoryBytes: 4096 * MIB }, 1024 * MIB],
  ])(
    "its X server is bounded too (%s): Xephyr starts with the bound, and the state says it for ps",
    async (_, configured, bound) => {
      const h = createHarness();
      await runToAppExit(h, "xeyes", { configured });
      expect(h.xephyrOptions[0]).toMatchObject({ memoryBytes: bound });
      expect(h.states.at(-1)?.xMemoryBytes).toBe(bound);
    },
  );

  test.each([
    ["killed for memory, exit 137", true, 137, "out of memory"],
    ["a process killed for memory, the app exits 0 anyway", true, 0, { reason: "app-exited", exitCode: 0 }],
    ["exit 137 without the OOM killer", false, 137, { reason: "app-exited", exitCode: 137 }],
  ] as const)("%s", async (_, oom, code, expected) => {
    const h = createHarness(withOom(oom));
    const session = runSession("xeyes#work", h.deps, { configured: { memoryBytes: 64 * MIB } });
    await until(h, "run container");
    h.app.resolve(code);
    if (expected === "out of memory") {
      const error = await session.then(
        () => undefined,
        (e: unknown) => e as DockercaskError,
      );
      expect(error?.message).toBe("xeyes#work ran out of its 64 MiB memory limit; raise `memory` in config.toml");
      expect(error?.exitCode).toBe(137);
    } else {
      expect(await session).toEqual({ instance: "xeyes#work", ...expected });
    }
    // Asked while the container still exists, then everything goes.
    expect(h.events.indexOf("ask oom")).toBeLessThan(h.events.indexOf("remove container c1"));
    expect(teardownOf(h)).toEqual(TEARDOWN);
    expect(h.logs.some((l) => l.startsWith("warn:") && l.includes("killed for passing the memory limit"))).toBe(
      oom && code === 0,
    );
  });

  test("a closed window does not ask the engine about memory", async () => {
    const h = createHarness(withOom(true));
    const session = runSession("xeyes", h.deps);
    await until(h, "run container");
    h.window.resolve(0);
    expect(await session).toEqual({ instance: "xeyes", reason: "window-closed", exitCode: 0 });
    expect(h.events).not.toContain("ask oom");
  });
});

describe("runSession: the policy comes from the app's recipe, never from its image", () => {
  const thirdParty = {
    "io.dockercask.devices": "/dev/fuse",
    "io.dockercask.network": "bridge",
    "io.dockercask.seccomp": "browser",
    "io.dockercask.audio": "true",
  };

  test.each<
    [
      string,
      Record<string, string>,
      Record<string, string>,
      { network: string; devices: string[]; seccomp: boolean; audio: boolean; warned: string[] },
    ]
  >([
    [
      "labels inherited from a parent image grant nothing, and are named",
      { "io.dockercask.command": "xeyes" },
      thirdParty,
      { network: "none", devices: [], seccomp: false, audio: false, warned: Object.keys(thirdParty).sort() },
    ],
    [
      "the same labels written in the recipe apply (the control)",
      { "io.dockercask.command": "xeyes", ...thirdParty },
      {},
      { network: "bridge", devices: ["/dev/fuse"], seccomp: true, audio: true, warned: [] },
    ],
    [
      "a recipe overrides what it inherits, and only the rest is named",
      { "io.dockercask.command": "xeyes", "io.dockercask.network": "bridge" },
      thirdParty,
      {
        network: "bridge",
        devices: [],
        seccomp: false,
        audio: false,
        warned: ["io.dockercask.audio", "io.dockercask.devices", "io.dockercask.seccomp"],
      },
    ],
    [
      "an inherited label of a key dockercask does not know is ignored, not an error",
      { "io.dockercask.command": "xeyes" },
      { "io.dockercask.privileged": "true" },
      { network: "none", devices: [], seccomp: false, audio: false, warned: ["io.dockercask.privileged"] },
    ],
  ])("%s", async (_, recipe, inherited, expected) => {
    const h = createHarness(undefined, recipe, inherited);
    await runToAppExit(h);
    const host = h.specs[0]!.HostConfig!;
    expect(host.NetworkMode).toBe(expected.network);
    expect((host.Devices ?? []).map((d: { PathOnHost?: string }) => d.PathOnHost)).toEqual(expected.devices);
    expect((host.SecurityOpt ?? []).some((o: string) => o.startsWith("seccomp="))).toBe(expected.seccomp);
    expect(h.events.some((e) => e.startsWith("relay pulse"))).toBe(expected.audio);
    const warnings = h.logs.filter((l) => l.startsWith("warn:") && l.includes("ignored"));
    if (expected.warned.length === 0) expect(warnings).toEqual([]);
    else {
      expect(warnings).toHaveLength(1);
      const named = [...warnings[0]!.matchAll(/(io\.dockercask\.[a-z-]+)=/g)].map((m) => m[1]);
      expect(named).toEqual(expected.warned);
    }
  });
});

describe("runSession: the engine", () => {
  test.each<[string, EngineIdentity, { user: string; userns?: string }]>([
    [
      "rootful Docker",
      { kind: "docker", version: "20.10", rootless: false, cgroupVersion: "1" },
      { user: "1000:1000" },
    ],
    [
      "rootful Podman",
      { kind: "podman", version: "4.3.1", rootless: false, cgroupVersion: "1" },
      { user: "1000:1000" },
    ],
    [
      "rootless Podman: keep-id",
      { kind: "podman", version: "4.3.1", rootless: true, cgroupVersion: "2" },
      { user: "1000:1000", userns: "keep-id" },
    ],
    [
      "rootless Docker: uid 0 of its namespace, the host user",
      { kind: "docker", version: "27", rootless: true, cgroupVersion: "2" },
      { user: "0:0" },
    ],
  ])("%s: the spec the engine gets", async (_, engine, want) => {
    const h = createHarness((h) => {
      h.engine = engine;
      return { host: { ...h.deps.host, uid: 1000, gid: 1000 } };
    });
    await runToAppExit(h);
    expect(h.specs[0]?.User).toBe(want.user);
    expect(h.specs[0]?.HostConfig?.UsernsMode).toBe(want.userns);
    expect(h.specs[0]?.HostConfig?.CapDrop).toEqual(["ALL"]);
  });

  test("an engine that drops a setting: refused, naming the setting and the engine, and everything torn down", async () => {
    const h = createHarness((h) => {
      h.engine = { kind: "podman", version: "4.3.1", rootless: false, cgroupVersion: "2" };
      h.inspect = (spec) => ({
        Config: { User: spec.User },
        HostConfig: { ...(spec.HostConfig as InspectedContainer["HostConfig"]), PidsLimit: 0 },
      });
      return {};
    });
    const failure = runSession("xeyes", h.deps);
    await expect(failure).rejects.toBeInstanceOf(EngineCannotApplyError);
    await expect(failure).rejects.toThrow(/rootful Podman 4\.3\.1 cannot apply PidsLimit/);
    expect(teardownOf(h)).toContain("stop xephyr");
    expect(h.events.at(-1)).toBe("remove runtime dir");
  });

  test("a rootless engine on cgroup v1: refused before any image or container", async () => {
    const h = createHarness((h) => {
      h.engine = { kind: "podman", version: "4.3.1", rootless: true, cgroupVersion: "1" };
      return { host: { ...h.deps.host, uid: 1000, gid: 1000 } };
    });
    const failure = runSession("xeyes", h.deps);
    await expect(failure).rejects.toThrow(
      /rootless Podman 4\.3\.1 cannot apply Memory, MemorySwap, CpuShares, PidsLimit/,
    );
    await expect(failure).rejects.toMatchObject({ hint: expect.stringContaining("cgroup v2") });
    expect(h.events).not.toContain("run container");
    // Not even an image is built for an engine that cannot run it.
    expect(h.events.filter((e) => e.startsWith("ensure image"))).toEqual([]);
  });

  test("Podman gets the app's seccomp profile as a file in the runtime dir", async () => {
    const h = createHarness(
      (h) => {
        h.engine = { kind: "podman", version: "4.3.1", rootless: false, cgroupVersion: "2" };
        return {};
      },
      { "io.dockercask.command": "xeyes", "io.dockercask.seccomp": "browser" },
    );
    await runToAppExit(h);
    const opt = h.specs[0]?.HostConfig?.SecurityOpt?.find((o: string) => o.startsWith("seccomp="));
    const path = opt!.slice("seccomp=".length);
    expect(path).toEndWith("/seccomp.json");
    expect(JSON.parse(h.files.get(path)!).syscalls.length).toBeGreaterThan(10);
  });
});

describe("runSession: a disposable instance", () => {
  /** Runtime dirs held by live sessions: acquiring one of them fails, as the real lock does. */
  const withHeld =
    (held: string[]) =>
    (h: Harness): Partial<FakePorts> => ({
      acquireRuntime(name, state) {
        h.events.push(`acquire ${name.full}`);
        if (held.includes(name.full)) return { ok: false, owner: { ...state, pid: 1 } };
        h.states.push(state);
        return {
          ok: true,
          dir: {
            path: `/run/dc/${name.full}`,
            writeState: (next) => void h.states.push(next),
            remove: () => void h.events.push("remove runtime dir"),
          },
        };
      },
    });

  test("takes the lowest free tmp-<n>, registers nothing, claims no home, and its home is a tmpfs", async () => {
    const h = createHarness(withHeld(["xeyes#tmp-1"]), { "io.dockercask.command": "xeyes" });
    h.deps.host = { ...h.deps.host, uid: 0, gid: 0 };
    const result = await runToAppExit(h, "xeyes", { disposable: true });
    expect(result.instance).toBe("xeyes#tmp-2");
    expect(h.events.filter((e) => e.startsWith("acquire"))).toEqual(["acquire xeyes#tmp-1", "acquire xeyes#tmp-2"]);
    expect(h.events.some((e) => e.startsWith("register") || e === "claim home")).toBe(false);
    const spec = h.specs[0]!;
    expect(spec.name).toBe("dockercask-xeyes.tmp-2");
    expect(spec.HostConfig?.Binds?.some((b) => b.includes("/data/homes"))).toBe(false);
    expect(spec.HostConfig?.Mounts?.[0]).toMatchObject({
      Target: "/home/app",
      VolumeOptions: { DriverConfig: { Options: { type: "tmpfs" } } },
    });
    // ps reads this: the state says it is disposable, from the first write on.
    expect(h.states.every((s) => s.instance === "xeyes#tmp-2" && s.disposable === true)).toBe(true);
    expect(teardownOf(h)).toEqual(TEARDOWN);
  });

  test.each([
    ["an instance name", "xeyes#work", /takes an app, not an instance/],
    ["an unknown app", "xeyse", /xeyse/],
  ])("refuses %s before anything starts", async (_, input, message) => {
    const h = createHarness();
    expect(runSession(input, h.deps, { disposable: true })).rejects.toThrow(message);
    expect(h.events).toEqual([]);
  });

  test("a persistent instance may not take a disposable one's name", async () => {
    const h = createHarness();
    expect(runSession("xeyes#tmp-1", h.deps)).rejects.toThrow(/disposable instance's name/);
    expect(h.events).toEqual([]);
  });

  test("files with the start: the app waits for the marker, which is delivered after the container runs and before it counts as started", async () => {
    const h = createHarness();
    const session = runSession("xeyes", h.deps, {
      disposable: true,
      appArgs: ["/home/app/Inbox/a.pdf"],
      inbox: {
        marker: "/home/app/Inbox/.dockercask-ready-x",
        deliver: async (id) => void h.events.push(`deliver to ${id}`),
      },
      onStarted: (instance) => void h.events.push(`started ${instance}`),
    });
    await until(h, "started xeyes#tmp-1");
    h.app.resolve(0);
    await session;
    expect(h.events.filter((e) => /^(run container|deliver|started)/.test(e))).toEqual([
      "run container",
      "deliver to c1",
      "started xeyes#tmp-1",
    ]);
    expect(h.specs[0]!.Cmd).toEqual(
      expect.arrayContaining([
        "dockercask-gate",
        "/home/app/Inbox/.dockercask-ready-x",
        "xeyes",
        "/home/app/Inbox/a.pdf",
      ]),
    );
  });

  test("a delivery that fails tears the instance down and surfaces", async () => {
    const h = createHarness();
    const session = runSession("xeyes", h.deps, {
      disposable: true,
      inbox: { marker: "/m", deliver: async () => Promise.reject(new Error("no room")) },
    });
    expect(session).rejects.toThrow("no room");
    await until(h, "remove runtime dir");
    expect(h.events).toContain("remove container c1");
  });
});

describe("runSession: capabilities", () => {
  const audioApp = { "io.dockercask.command": "xeyes", "io.dockercask.audio": "true" };
  const withBus = (h: Harness): Partial<FakePorts> => ({
    startBridge: async (options) => {
      h.events.push(`start bus ${options.instance.full}`);
      return { socket: `${options.runtimeDir}/bus.sock`, pid: 808, stop: () => void h.events.push("stop bus") };
    },
  });

  test("each hands the container its socket and variable, in the list's order, and records what the reaper needs", async () => {
    const h = createHarness(withBus, audioApp);
    await runToAppExit(h);
    expect(h.specs[0]?.HostConfig?.Binds?.slice(-2)).toEqual([
      "/run/dc/xeyes/pulse.sock:/run/dockercask/pulse.sock",
      "/run/dc/xeyes/bus.sock:/run/dockercask/bus.sock",
    ]);
    expect(h.specs[0]?.Env?.slice(-2)).toEqual([
      "PULSE_SERVER=unix:/run/dockercask/pulse.sock",
      "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/dockercask/bus.sock",
    ]);
    expect(h.states.at(-1)).toMatchObject({ busPid: 808, container: "c1", xephyrPid: 555 });
  });

  test("the teardown: after-container ones first, then container and window, then the mounted ones in reverse of the list, then the lock", async () => {
    const h = createHarness(withBus, audioApp);
    await runToAppExit(h);
    expect(h.events.filter((e) => isTeardown(e) || e === "stop bus")).toEqual([
      "unsubscribe",
      "stop clipboard",
      "remove container c1",
      "stop xephyr",
      "stop bus",
      "stop relay",
      "remove runtime dir",
    ]);
  });

  test("one whose stop fails: the others still stop and the lock still goes; the failure surfaces after", async () => {
    const h = createHarness(
      (h) => ({
        startBridge: async (options) => ({
          socket: `${options.runtimeDir}/bus.sock`,
          pid: 808,
          stop: () => {
            h.events.push("stop bus");
            throw new Error("the bus would not stop");
          },
        }),
      }),
      audioApp,
    );
    await expect(runToAppExit(h)).rejects.toThrow("the bus would not stop");
    expect(h.events.filter((e) => isTeardown(e) || e === "stop bus")).toEqual([
      "unsubscribe",
      "stop clipboard",
      "remove container c1",
      "stop xephyr",
      "stop bus",
      "stop relay",
      "remove runtime dir",
    ]);
  });

  test("Xephyr will not stop: the capabilities behind it and the lock still go", async () => {
    const h = createHarness((h) => {
      const base = h.deps.startXephyr;
      return {
        ...withBus(h),
        startXephyr: async (options) => ({
          ...(await base(options)),
          stop: async () => Promise.reject(new Error("Xephyr is stuck")),
        }),
      };
    }, audioApp);
    await expect(runToAppExit(h)).rejects.toThrow("Xephyr is stuck");
    expect(h.events).toContain("stop bus");
    expect(h.events).toContain("stop relay");
    expect(h.events.at(-1)).toBe("remove runtime dir");
  });

  test("a mounted one that comes up after a sibling failed is still stopped", async () => {
    const bus = Promise.withResolvers<{ socket: string; pid: number; stop(): void }>();
    const h = createHarness((h) => ({
      startBridge: () => bus.promise,
      ensureImage: async () => {
        setTimeout(
          () => bus.resolve({ socket: "/run/dc/xeyes/bus.sock", pid: 808, stop: () => void h.events.push("stop bus") }),
          0,
        );
        throw new Error("the build failed");
      },
    }));
    await expect(runSession("xeyes", h.deps)).rejects.toThrow("the build failed");
    expect(h.events).toContain("stop bus");
    expect(h.events.includes("run container")).toBe(false);
  });

  test("no dbus-daemon on the host: no bus, nothing said, the app runs", async () => {
    const h = createHarness();
    expect((await runToAppExit(h)).reason).toBe("app-exited");
    expect(h.specs[0]?.Env?.join("\n")).not.toContain("DBUS_SESSION_BUS_ADDRESS");
    expect(h.logs.filter((l) => l.startsWith("warn:"))).toEqual([]);
  });
});
