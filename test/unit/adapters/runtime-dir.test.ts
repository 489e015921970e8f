import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import {
  chmodSync,
  chownSync,
  closeSync,
  fstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { processStartTime } from "../../../src/adapters/process.ts";
import { createRuntimeDirs } from "../../../src/adapters/runtime-dir.ts";
import { parseInstanceName } from "../../../src/core/instance/name.ts";
import type { SessionState } from "../../../src/core/instance/runtime.ts";

let base: string;
let env: Record<string, string>;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), "dockercask-runtime-"));
  env = { XDG_RUNTIME_DIR: base };
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

const me: SessionState = {
  instance: "xeyes#a",
  pid: process.pid,
  pidStart: processStartTime(process.pid)!,
  startedAt: "2026-11-28T00:00:00.000Z",
};
/** A pid that is surely not running: above the kernel's pid_max. */
const DEAD_PID = 4_194_305;

/**
 * Whether the dir standing at `path` has no state.json, judged on one directory: the one opened
 * at `path` and still there once read. (Two checks by path, "exists" then "has no state", also
 * count a dir that was renamed away and replaced between them, which was never ownerless.)
 */
function standsWithoutState(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return false;
  }
  try {
    const names = readdirSync(`/proc/self/fd/${fd}`);
    return statSync(path, { throwIfNoEntry: false })?.ino === fstatSync(fd).ino && !names.includes("state.json");
  } catch {
    // Removed since it was opened: it no longer stands anywhere.
    return false;
  } finally {
    closeSync(fd);
  }
}

describe("runtime dirs", () => {
  test("acquire makes a private dir holding the owner's state; remove leaves nothing", () => {
    const dirs = createRuntimeDirs(env);
    const taken = dirs.acquire(parseInstanceName("xeyes#a"), me);
    if (!taken.ok) throw new Error("not taken");
    expect(statSync(taken.dir.path).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(join(taken.dir.path, "state.json"), "utf8"))).toEqual(me);
    expect(dirs.list().map((d) => [d.name, d.state])).toEqual([["xeyes#a", me]]);
    taken.dir.remove();
    expect(readdirSync(dirs.root)).toEqual([]);
  });

  test("a live owner keeps its dir: the second taker is told who has it", () => {
    const dirs = createRuntimeDirs(env);
    expect(dirs.acquire(parseInstanceName("xeyes#a"), me).ok).toBe(true);
    expect(dirs.acquire(parseInstanceName("xeyes#a"), { ...me, startedAt: "later" })).toEqual({ ok: false, owner: me });
  });

  test.each([
    [
      "a dead owner's",
      (dir: string) => writeFileSync(join(dir, "state.json"), JSON.stringify({ ...me, pid: DEAD_PID })),
    ],
    ["an ownerless (empty)", () => {}],
    ["an ownerless (cookie files only)", (dir: string) => writeFileSync(join(dir, "xauth.server"), "x")],
  ])("%s dir is taken over", (_, fill) => {
    const dirs = createRuntimeDirs(env);
    const dir = join(dirs.root, "xeyes#a");
    mkdirSync(dir, { recursive: true });
    fill(dir);
    const taken = dirs.acquire(parseInstanceName("xeyes#a"), me);
    expect(taken.ok).toBe(true);
    expect(readdirSync(dir)).toEqual(["state.json"]);
    expect(readdirSync(dirs.root)).toEqual(["xeyes#a"]);
  });

  test("debris of a dockercask killed while making or removing a dir is swept (the reaper's first step)", () => {
    const dirs = createRuntimeDirs(env);
    mkdirSync(join(dirs.root, `.new.${DEAD_PID}.0`), { recursive: true });
    mkdirSync(join(dirs.root, `.gone.xeyes#b.${DEAD_PID}.1`), { recursive: true });
    // A live process's dir being born is not touched.
    mkdirSync(join(dirs.root, `.new.${process.ppid}.0`), { recursive: true });
    expect(dirs.list()).toEqual([]);
    dirs.sweepDebris();
    dirs.acquire(parseInstanceName("xeyes#a"), me);
    expect(readdirSync(dirs.root).sort()).toEqual([`.new.${process.ppid}.0`, "xeyes#a"]);
  });

  test("a dir is never seen without its owner: a reaper racing with sessions coming and going finds no ownerless dir", async () => {
    // Another process takes and gives back the same instance's dir as fast as it can, as ten
    // `dockercask run`s started at once do, while this one looks the way the reaper looks.
    const dirs = createRuntimeDirs(env);
    const child = Bun.spawn(
      [
        process.execPath,
        "-e",
        `const { createRuntimeDirs } = await import(${JSON.stringify(join(import.meta.dir, "../../../src/adapters/runtime-dir.ts"))});
         const { parseInstanceName } = await import(${JSON.stringify(join(import.meta.dir, "../../../src/core/instance/name.ts"))});
         const dirs = createRuntimeDirs({ XDG_RUNTIME_DIR: ${JSON.stringify(base)} });
         const state = { instance: "xeyes#race", pid: process.pid, pidStart: "0", startedAt: "now" };
         const end = Date.now() + 1500;
         let rounds = 0;
         while (Date.now() < end) {
           const taken = dirs.acquire(parseInstanceName("xeyes#race"), { ...state, pidStart: undefined });
           if (taken.ok) { taken.dir.writeState(state); taken.dir.remove(); rounds++; }
         }
         console.log(rounds);`,
      ],
      { stdout: "pipe", stderr: "inherit" },
    );
    let looks = 0;
    let ownerless = 0;
    while (child.exitCode === null) {
      for (const entry of dirs.list()) {
        looks++;
        if (!entry.state && standsWithoutState(entry.path)) ownerless++;
      }
      await Bun.sleep(0);
    }
    const rounds = Number(await new Response(child.stdout).text());
    expect(rounds).toBeGreaterThan(100);
    expect(looks).toBeGreaterThan(0);
    expect(ownerless).toBe(0);
  }, 10_000);
});

describe("readOwnState: the state a command acts on", () => {
  const state = { ...me, display: 5, container: "c1", clipboard: "explicit", clipboardMaxBytes: 1024 };
  /** The instance's dir as a session leaves it: state.json in a 0700 dir of the 0700 root. */
  function running(): { dirs: ReturnType<typeof createRuntimeDirs>; dir: string } {
    const dirs = createRuntimeDirs(env);
    const taken = dirs.acquire(parseInstanceName("xeyes#a"), state as SessionState);
    if (!taken.ok) throw new Error("not taken");
    return { dirs, dir: taken.dir.path };
  }
  /** Somewhere else, laid out like a real one, for a symlink to point at. */
  function elsewhere(): string {
    const other = join(base, "elsewhere");
    mkdirSync(join(other, "xeyes#a"), { recursive: true, mode: 0o700 });
    writeFileSync(join(other, "xeyes#a", "state.json"), JSON.stringify({ ...state, display: 0 }));
    return other;
  }

  test("the control: a session's own dir is read", () => {
    expect(running().dirs.readOwnState("xeyes#a")).toEqual(state as SessionState);
  });

  test("no root, no dir, no state file: undefined (not running)", () => {
    const dirs = createRuntimeDirs(env);
    expect(dirs.readOwnState("xeyes#a")).toBeUndefined();
    mkdirSync(join(dirs.root, "xeyes#a"), { recursive: true, mode: 0o700 });
    expect(dirs.readOwnState("xeyes#a")).toBeUndefined();
  });

  test.each<[string, (root: string, dir: string) => void, string]>([
    [
      "the root a symlink",
      (root) => {
        const other = elsewhere();
        rmSync(root, { recursive: true });
        symlinkSync(other, root);
      },
      "is not a private folder",
    ],
    [
      "the instance's dir a symlink",
      (_, dir) => {
        const other = elsewhere();
        rmSync(dir, { recursive: true });
        symlinkSync(join(other, "xeyes#a"), dir);
      },
      "is not a private folder",
    ],
    [
      "state.json a symlink",
      (_, dir) => {
        const other = elsewhere();
        rmSync(join(dir, "state.json"));
        symlinkSync(join(other, "xeyes#a", "state.json"), join(dir, "state.json"));
      },
      "is not a private folder",
    ],
    ["the root writable by others", (root) => chmodSync(root, 0o777), "is not a private folder"],
    ["the instance's dir writable by its group", (_, dir) => chmodSync(dir, 0o770), "is not a private folder"],
    ["the instance's dir another user's", (_, dir) => chownSync(dir, 54321, 54321), "is not a private folder"],
    [
      "state.json another user's",
      (_, dir) => chownSync(join(dir, "state.json"), 54321, 54321),
      "is not a private folder",
    ],
    [
      "a forged display",
      (_, dir) => writeFileSync(join(dir, "state.json"), JSON.stringify({ ...state, display: -1 })),
      "its display is not",
    ],
    [
      "a forged clipboard policy",
      (_, dir) => writeFileSync(join(dir, "state.json"), JSON.stringify({ ...state, clipboard: "everything" })),
      "its clipboard is not",
    ],
    [
      "a forged cap",
      (_, dir) => writeFileSync(join(dir, "state.json"), JSON.stringify({ ...state, clipboardMaxBytes: 2 ** 40 })),
      "its clipboardMaxBytes is not",
    ],
  ])("refused with %s, saying so", (_, spoil, message) => {
    const { dirs, dir } = running();
    spoil(dirs.root, dir);
    expect(() => dirs.readOwnState("xeyes#a")).toThrow(message);
    try {
      dirs.readOwnState("xeyes#a");
    } catch (error) {
      expect(error).toMatchObject({ code: "E_RUNTIME_DIR", hint: expect.any(String) });
    }
  });
});
