import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { closeSync, fstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRuntimeDirs } from "../../../src/adapters/runtime-dir.ts";
import { parseInstanceName } from "../../../src/core/instance-name.ts";
import type { SessionState } from "../../../src/core/runtime.ts";
import { processStartTime } from "../../../src/adapters/process.ts";

let base: string;
let env: Record<string, string>;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), "dockercask-runtime-"));
  env = { XDG_RUNTIME_DIR: base };
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

const me: SessionState = { instance: "xeyes#a", pid: process.pid, pidStart: processStartTime(process.pid)!, startedAt: "2026-11-28T00:00:00.000Z" };
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
    ["a dead owner's", (dir: string) => writeFileSync(join(dir, "state.json"), JSON.stringify({ ...me, pid: DEAD_PID }))],
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
         const { parseInstanceName } = await import(${JSON.stringify(join(import.meta.dir, "../../../src/core/instance-name.ts"))});
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
