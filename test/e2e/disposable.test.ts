/**
 * Disposable instances: `run <app> --disposable` starts `<app>#tmp-<n>` with its home in a
 * tmpfs inside the container; once it ends nothing of it is left anywhere: not in the data
 * folder, the runtime dir, the engine (container, volume) or the desktop (Xephyr).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { BIN, expectNoStackTrace, listFilesBelow, type Sandbox, sh } from "./helpers.ts";
import { createAppSandbox, leftovers, startRun, waitFor, waitUntilClean } from "./session.ts";

let box: Sandbox;
beforeAll(async () => {
  box = await createAppSandbox("disposable", ["xterm"]);
});
afterAll(() => box.cleanup());

interface Disposable {
  instance: string;
  proc: ReturnType<typeof Bun.spawn>;
  exited: Promise<number>;
  output: () => string;
}

/** Starts `run <app> --disposable [-- args]`; resolves with the name it got once its container runs. */
async function startDisposable(app: string, appArgs: string[] = []): Promise<Disposable> {
  const proc = Bun.spawn([BIN, "run", app, "--disposable", ...(appArgs.length ? ["--", ...appArgs] : [])], {
    env: box.env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let text = "";
  for (const stream of [proc.stdout, proc.stderr] as ReadableStream<Uint8Array>[]) {
    void (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of stream) text += decoder.decode(chunk);
    })();
  }
  let done = false;
  const exited = proc.exited.then((code) => {
    done = true;
    return code;
  });
  const instance = await waitFor(
    `a disposable ${app} to start`,
    () => {
      if (done) throw new Error(`run ${app} --disposable exited early:\n${text}`);
      return /(\S+#tmp-\d+) is running on display :\d+/.exec(text)?.[1];
    },
    300_000,
  );
  return { instance, proc, exited, output: () => text };
}

const container = async (instance: string) =>
  (await sh(["docker", "ps", "-q", "--filter", `label=io.dockercask.instance=${instance}`])).stdout.trim();
const volumesOf = async (id: string) =>
  JSON.parse((await sh(["docker", "inspect", "--format", "{{json .Mounts}}", id])).stdout)
    .filter((m: { Type: string }) => m.Type === "volume")
    .map((m: { Name: string }) => m.Name) as string[];
const volumeExists = async (name: string) => (await sh(["docker", "volume", "inspect", name])).code === 0;
/** Files (not the empty folders a removed instance leaves) in the data folder. */
const dataFiles = () => listFilesBelow(box.env.XDG_DATA_HOME!).filter((f) => !f.endsWith("/"));

describe("a disposable instance", () => {
  test("starts as <app>#tmp-<n>, shows in ps marked disposable, has a tmpfs home it writes to, and leaves nothing once stopped", async () => {
    const session = await startDisposable("xterm");
    expect(session.instance).toMatch(/^xterm#tmp-\d+$/);
    const id = await container(session.instance);
    const volumes = await volumesOf(id);
    try {
      // It writes to its home, which is a tmpfs of the tmp-size (the default, 512 MiB here).
      const write = await sh([
        "docker",
        "exec",
        id,
        "sh",
        "-c",
        'echo written > "$HOME/note" && cat "$HOME/note" && grep " /home/app " /proc/mounts',
      ]);
      expect(write.stdout).toContain("written");
      expect(write.stdout).toMatch(/^tmpfs \/home\/app tmpfs rw,nosuid,nodev.*size=\d+k.*mode=700/m);
      // Its home is nowhere on the host's data folder: nothing is registered.
      expect(dataFiles()).toEqual([]);
      expect((await box.run(["list", "--json"])).stdout).not.toContain("tmp-");

      const ps = await box.run(["ps", "--json"]);
      expect(JSON.parse(ps.stdout)).toContainEqual(
        expect.objectContaining({ instance: session.instance, disposable: true }),
      );
      expect((await box.run(["ps"])).stdout).toContain(session.instance);
      expect(volumes.length).toBe(1);
      expect(await volumeExists(volumes[0]!)).toBe(true);
    } finally {
      const stop = await box.run(["stop", session.instance]);
      expect(stop.code).toBe(0);
      expect(await session.exited).toBe(143);
    }
    expect(await waitUntilClean(box, session.instance)).toEqual([]);
    expect(await volumeExists(volumes[0]!)).toBe(false);
    expect(dataFiles()).toEqual([]);
    expect(listFilesBelow(join(box.env.XDG_RUNTIME_DIR!, "dockercask")).filter((f) => !f.endsWith("/"))).toEqual([]);
  });

  test("the control: a persistent instance does keep its home in the data folder (so the check above can fail)", async () => {
    const session = await startRun(box, "xterm#keep");
    try {
      await sh(["docker", "exec", await container("xterm#keep"), "sh", "-c", 'echo kept > "$HOME/note"']);
    } finally {
      await box.run(["stop", "xterm#keep"]);
      await session.exited;
    }
    expect(dataFiles()).toContainEqual(expect.stringMatching(/homes\/xterm#keep\/note$/));
    expect((await box.run(["remove", "xterm#keep", "--purge", "--yes"])).code).toBe(0);
    expect(dataFiles()).toEqual([]);
  });

  test("an app that writes to its home and ends: the session ends and nothing is left", async () => {
    const proc = Bun.spawn(
      [BIN, "run", "xterm", "--disposable", "--", "-e", "sh", "-c", 'echo bye > "$HOME/last" && test -s "$HOME/last"'],
      {
        env: box.env,
        stdin: "ignore",
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
    expect(stderr).toMatch(/xterm#tmp-\d+ ended: the app exited/);
    expect(code).toBe(0);
    const instance = /(xterm#tmp-\d+) ended/.exec(stderr)![1]!;
    expect(await waitUntilClean(box, instance)).toEqual([]);
    expect(dataFiles()).toEqual([]);
  });

  test("two started at once get different names, and both go", async () => {
    const [a, b] = await Promise.all([startDisposable("xterm"), startDisposable("xterm")]);
    try {
      expect(a.instance).not.toBe(b.instance);
      const running = JSON.parse((await box.run(["ps", "--json"])).stdout).map((r: { instance: string }) => r.instance);
      expect(running).toEqual(expect.arrayContaining([a.instance, b.instance]));
    } finally {
      await box.run(["stop", "--all"]);
      await Promise.all([a.exited, b.exited]);
    }
    expect(await waitUntilClean(box, a.instance)).toEqual([]);
    expect(await waitUntilClean(box, b.instance)).toEqual([]);
  });

  test("a supervisor killed with SIGKILL: the next command reaps its container and home volume", async () => {
    const session = await startDisposable("xterm");
    const volumes = await volumesOf(await container(session.instance));
    session.proc.kill("SIGKILL");
    await session.exited;
    expect((await leftovers(box, session.instance)).length).toBeGreaterThan(0);
    await box.run(["ps"]);
    expect(await waitUntilClean(box, session.instance)).toEqual([]);
    expect(await volumeExists(volumes[0]!)).toBe(false);
  });

  test.each([
    ["an instance name", ["run", "xterm#work", "--disposable"], /--disposable takes an app, not an instance/],
    ["a persistent instance with a disposable name", ["run", "xterm#tmp-7"], /disposable instance's name/],
  ])("refuses %s, with a hint and no stack trace", async (_, args, message) => {
    const result = await box.run(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain("hint:");
    expectNoStackTrace(result.stderr);
  });
});
