/**
 * Shared folders are checked where they really are, and what is mounted is the folder that was
 * checked. Each attack comes from the place an app's files would: a link planted in the host's
 * folders, and a path swapped for a link to ~/.ssh between the check and the container's start.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { BIN, dockerInspect, expectNoStackTrace, type Sandbox, sh } from "./helpers.ts";
import { containerId, createAppSandbox, execIn, startRun, waitFor, waitUntilClean } from "./session.ts";

let box: Sandbox;
let home: string;
beforeAll(async () => {
  box = await createAppSandbox("shared-folders", ["xeyes"]);
  home = box.env.HOME!;
  mkdirSync(join(home, ".ssh"), { recursive: true, mode: 0o700 });
  writeFileSync(join(home, ".ssh/id_ed25519"), "PRIVATE KEY\n", { mode: 0o600 });
  for (const dir of [".local/share", ".config/autostart"]) mkdirSync(join(home, dir), { recursive: true });
});
afterAll(() => box.cleanup());

const appUid = process.getuid!() === 0 ? 1000 : process.getuid!();
const configFile = () => join(box.env.XDG_CONFIG_HOME!, "dockercask/config.toml");
const share = (instance: string, folders: string[]) =>
  writeFileSync(
    configFile(),
    `[instances."${instance}"]\nshared = [${folders.map((f) => JSON.stringify(f)).join(", ")}]\n`,
  );

/** A folder in the sandbox's home, with one file the app may look for, writable by the app's user. */
function makeFolder(name: string, marker: string): string {
  const dir = join(home, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "marker"), marker);
  chownSync(dir, appUid, appUid);
  return dir;
}

/** Nothing of the instance was made: no container, Xephyr or runtime dir, and not even its home. */
async function expectNothingStarted(instance: string, stderr: string): Promise<void> {
  expect(stderr).not.toContain("is running on display");
  expect(await waitUntilClean(box, instance)).toEqual([]);
  expect(
    (await sh(["docker", "ps", "-a", "-q", "--filter", `label=io.dockercask.instance=${instance}`])).stdout.trim(),
  ).toBe("");
  expect(existsSync(join(box.env.XDG_DATA_HOME!, "dockercask/homes", instance))).toBe(false);
}

/** Stops a session and checks that it leaves nothing, its shared folders' volumes included. */
async function stopAndCheckClean(
  instance: string,
  proc: { kill(signal?: number | NodeJS.Signals): void },
  exited: Promise<number>,
  volumes: string[],
) {
  proc.kill("SIGTERM");
  await exited;
  expect(await waitUntilClean(box, instance)).toEqual([]);
  for (const volume of volumes) expect((await sh(["docker", "volume", "inspect", volume])).code).not.toBe(0);
}

/** The names of the container's volumes mounted at `target`, which must come from the local driver. */
async function sharedVolumes(instance: string, target: string): Promise<string[]> {
  const info = await dockerInspect("container", await containerId(instance));
  const mounts = (info?.Mounts ?? []).filter((m: { Destination: string }) => m.Destination === target);
  expect(mounts).toHaveLength(1);
  expect(mounts[0]).toMatchObject({ Type: "volume", Driver: "local" });
  return mounts.map((m: { Name: string }) => m.Name);
}

describe("a legitimate shared folder", () => {
  test("is mounted, readable and writable by the app's user (the positive control)", async () => {
    const dir = makeFolder("Projects", "from the host\n");
    share("xeyes#sf-ok", ["~/Projects"]);
    const session = await startRun(box, "xeyes#sf-ok");
    try {
      const read = await execIn("xeyes#sf-ok", [
        "sh",
        "-c",
        "id -u; cat /home/app/Projects/marker; echo from the app > /home/app/Projects/written",
      ]);
      expect(read.code).toBe(0);
      expect(read.stdout).toBe(`${appUid}\nfrom the host\n`);
      expect(readFileSync(join(dir, "written"), "utf8")).toBe("from the app\n");
      const volumes = await sharedVolumes("xeyes#sf-ok", "/home/app/Projects");
      await stopAndCheckClean("xeyes#sf-ok", session.proc, session.exited, volumes);
    } finally {
      session.proc.kill("SIGTERM");
    }
  });
});

describe("a shared folder is judged where it really is", () => {
  test("~/Downloads -> ~/.ssh is refused with its reason, and nothing is mounted or started", async () => {
    symlinkSync(join(home, ".ssh"), join(home, "Downloads"));
    // The control: the link really leads to the keys.
    expect(readdirSync(join(home, "Downloads"))).toEqual(["id_ed25519"]);
    share("xeyes#sf-ssh", ["~/Downloads"]);
    const r = await box.run(["run", "xeyes#sf-ssh"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /shared folder \S+\/home\/Downloads \(it leads to \S+\/home\/\.ssh\) is refused: \S+\/home\/\.ssh holds your SSH keys/,
    );
    expect(r.stderr).toContain("hint:");
    expectNoStackTrace(r.stderr);
    await expectNothingStarted("xeyes#sf-ssh", r.stderr);
  });

  test.each([
    [
      "~/.local/share",
      /it contains \S+\/home\/\.local\/share\/applications, which holds menu entries, whose commands the host runs/,
    ],
    ["~/.config", /it contains \S+\/home\/\.config\/autostart, which holds programs your desktop starts at login/],
    ["~/.config/autostart", /\S+\/home\/\.config\/autostart holds programs your desktop starts at login/],
  ])("%s is refused in the config file, with its line and reason", async (folder, reason) => {
    share("xeyes#sf-cfg", [folder]);
    const r = await box.run(["run", "xeyes#sf-cfg"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${configFile()}:2: shared entry ${JSON.stringify(folder)}`);
    expect(r.stderr).toMatch(reason);
    expectNoStackTrace(r.stderr);
    await expectNothingStarted("xeyes#sf-cfg", r.stderr);
  });

  test.each([
    [
      "a link to ~/.config/autostart",
      "Startup",
      () => join(home, ".config/autostart"),
      /is refused: \S+\/\.config\/autostart holds programs your desktop starts at login/,
    ],
    [
      "a link to ~/.local/share",
      "Stuff",
      () => join(home, ".local/share"),
      /is refused: it contains \S+\/\.local\/share\/applications, which holds menu entries/,
    ],
    [
      "a link to dockercask's own data",
      "Homes",
      () => box.env.XDG_DATA_HOME!,
      /is refused: it contains \S+\/dockercask, which holds dockercask's instance homes/,
    ],
    [
      "a link to dockercask's config",
      "Settings",
      () => join(box.env.XDG_CONFIG_HOME!, "dockercask"),
      /is refused: \S+\/dockercask holds dockercask's config and recipes/,
    ],
  ])("%s is refused when the instance starts", async (_, name, target, reason) => {
    symlinkSync(target(), join(home, name));
    share("xeyes#sf-link", [`~/${name}`]);
    const r = await box.run(["run", "xeyes#sf-link"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`(it leads to ${target()})`);
    expect(r.stderr).toMatch(reason);
    expectNoStackTrace(r.stderr);
    await expectNothingStarted("xeyes#sf-link", r.stderr);
  });
});

describe("the check holds if the path changes after it", () => {
  /**
   * Waits for the supervisor to hold `dir` open (its check is done), then freezes it (SIGSTOP).
   * True when no container of the instance exists yet: then none can be started before SIGCONT.
   */
  async function freezeAfterCheck(pid: number, dir: string, instance: string, exited: () => boolean): Promise<boolean> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (exited()) throw new Error(`dockercask run ${instance} exited before it opened ${dir}`);
      if (Date.now() > deadline) throw new Error(`dockercask run ${instance} never opened ${dir}`);
      let fds: string[] = [];
      try {
        fds = readdirSync(`/proc/${pid}/fd`);
      } catch {}
      const held = fds.some((fd) => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`) === dir;
        } catch {
          return false;
        }
      });
      if (held) break;
      await Bun.sleep(1);
    }
    process.kill(pid, "SIGSTOP");
    // Stopped, it can send no start: its container, if any was created yet, is not started.
    const created = (
      await sh(["docker", "ps", "-a", "-q", "--filter", `label=io.dockercask.instance=${instance}`])
    ).stdout.trim();
    return created === "";
  }

  test("~/Work swapped for a link to ~/.ssh after the check: the app sees the folder that was checked", async () => {
    const work = makeFolder("Work", "checked\n");
    let caught = false;
    // The check runs before the window opens and the container starts, so the freeze lands in
    // between almost always; a few tries cover a machine that outran the poll.
    for (let attempt = 1; attempt <= 3 && !caught; attempt++) {
      const instance = `xeyes#sf-swap${attempt}`;
      share(instance, ["~/Work"]);
      let text = "";
      let done = false;
      const proc = Bun.spawn([BIN, "run", instance], { env: box.env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
      const drain = async (stream: ReadableStream<Uint8Array>) => {
        const decoder = new TextDecoder();
        for await (const chunk of stream) text += decoder.decode(chunk);
      };
      void drain(proc.stdout as ReadableStream<Uint8Array>);
      void drain(proc.stderr as ReadableStream<Uint8Array>);
      const exited = proc.exited.then((code) => {
        done = true;
        return code;
      });
      try {
        caught = await freezeAfterCheck(proc.pid, work, instance, () => done);
        if (caught) {
          // The attack: what the path names now is the keys.
          renameSync(work, join(home, "Work.checked"));
          symlinkSync(join(home, ".ssh"), work);
          expect(readdirSync(work)).toEqual(["id_ed25519"]);
        }
        process.kill(proc.pid, "SIGCONT");
        if (!caught) continue;
        await waitFor(
          `${instance} to start`,
          () => {
            if (done) throw new Error(`dockercask run ${instance} exited early:\n${text}`);
            return /is running on display/.test(text);
          },
          300_000,
        );
        const seen = await execIn(instance, [
          "sh",
          "-c",
          "ls -A /home/app/Work; cat /home/app/Work/marker; echo after > /home/app/Work/after",
        ]);
        expect(seen.code).toBe(0);
        expect(seen.stdout).toBe("marker\nchecked\n");
        expect(readFileSync(join(home, "Work.checked/after"), "utf8")).toBe("after\n");
        expect(readdirSync(join(home, ".ssh"))).toEqual(["id_ed25519"]);
        const volumes = await sharedVolumes(instance, "/home/app/Work");
        await stopAndCheckClean(instance, proc, exited, volumes);

        // The control: the swapped path is refused by a check made now.
        share("xeyes#sf-swapped", ["~/Work"]);
        const again = await box.run(["run", "xeyes#sf-swapped"]);
        expect(again.code).toBe(1);
        expect(again.stderr).toMatch(/\(it leads to \S+\/\.ssh\) is refused: \S+ holds your SSH keys/);
      } finally {
        try {
          process.kill(proc.pid, "SIGCONT");
        } catch {}
        proc.kill("SIGTERM");
        await exited;
        await waitUntilClean(box, instance);
      }
    }
    expect(caught).toBe(true);
  });
});
