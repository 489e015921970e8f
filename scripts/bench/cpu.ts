/**
 * CPU accounting from /proc, for the clipboard part's idle window: utime + stime of a process,
 * plus cutime + cstime (its reaped children), plus the same of each living descendant.
 */
import { readdirSync, readFileSync } from "node:fs";
import { processStartTime } from "../../src/adapters/process.ts";
import { fail } from "./errors.ts";
import { now } from "./process.ts";

export function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields from the 3rd (state) on: the command name in parentheses may hold spaces.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

export function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").split(" ").filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

/** utime + stime of a process (all its threads), in seconds (USER_HZ is 100); fails when it is gone. */
export function cpuSeconds(pid: number): number {
  const f = statFields(pid) ?? fail(`pid ${pid} is gone`);
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** utime + stime of processes, in seconds; one that is gone (or none) counts nothing. */
export function cpuSecondsOf(pids: readonly (number | undefined)[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const f = pid ? statFields(pid) : undefined;
    if (f) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / 100;
}

/** A process and every living descendant. */
export function processTree(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...childPids(all[i]!));
  return all;
}

/** utime + stime + cutime + cstime, from statFields. */
const cpuTicks = (f: string[]) => Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);

/** utime + stime + cutime + cstime of one process, in ticks (living children, like Xephyr, not counted); fails when it is gone. */
export function ownTicks(pid: number): number {
  return cpuTicks(statFields(pid) ?? fail(`pid ${pid} is gone`));
}

/** Clock ticks of `pid` and its descendants, living and reaped; `exclude` (and what is below it) is left out. */
export function treeTicks(pid: number, exclude: ReadonlySet<number>): number {
  const f = statFields(pid);
  if (!f) return 0;
  let ticks = cpuTicks(f);
  for (const child of childPids(pid)) if (!exclude.has(child)) ticks += treeTicks(child, exclude);
  return ticks;
}

/** The living descendants of `pid`, as "pid:start time" (a reused pid is another process). */
export function descendants(pid: number, exclude: ReadonlySet<number>, into = new Set<string>()): Set<string> {
  for (const child of childPids(pid)) {
    if (exclude.has(child)) continue;
    into.add(`${child}:${processStartTime(child)}`);
    descendants(child, exclude, into);
  }
  return into;
}

/** On-CPU ns of each living thread of `pid` (/proc/<pid>/task/<tid>/schedstat): exact, where ticks are coarse. */
export function threadNs(pid: number): Map<string, number> {
  const ns = new Map<string, number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`))
      ns.set(tid, Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]));
  } catch {
    // Gone, or a thread ended while listed.
  }
  return ns;
}

export interface IdleSubject {
  label: string;
  pid: number;
  /** Children that are not part of the cost (dockercask's Xephyr: the window, not the bridge). */
  exclude: ReadonlySet<number>;
}

export interface IdleResult {
  cpuMs: number;
  pct: number;
  /** Processes below the subject that were not there when the window opened (listed every 50 ms). */
  spawned: number;
  /** The subject process's own threads' on-CPU time, ms (threads that ended in the window are missing). */
  threadMs: number;
}

/** The CPU of each subject over the same window of `seconds`; `clockTicks` is the kernel's CLK_TCK. */
export async function idleWindow(subjects: IdleSubject[], seconds: number, clockTicks: number): Promise<IdleResult[]> {
  const before = subjects.map((s) => descendants(s.pid, s.exclude));
  const seen = subjects.map(() => new Set<string>());
  const ticks0 = subjects.map((s) => treeTicks(s.pid, s.exclude));
  const threads0 = subjects.map((s) => threadNs(s.pid));
  const start = now();
  while (now() - start < seconds * 1000) {
    await Bun.sleep(Math.min(50, seconds * 1000 - (now() - start)));
    for (const [i, s] of subjects.entries()) descendants(s.pid, s.exclude, seen[i]);
  }
  const ticks1 = subjects.map((s) => treeTicks(s.pid, s.exclude));
  const threads1 = subjects.map((s) => threadNs(s.pid));
  const elapsed = now() - start;
  return subjects.map((s, i) => {
    if (!statFields(s.pid)) fail(`${s.label} (pid ${s.pid}) ended during the idle window`);
    const cpuMs = ((ticks1[i]! - ticks0[i]!) * 1000) / clockTicks;
    const threadMs = [...threads1[i]!].reduce((sum, [tid, ns]) => sum + ns - (threads0[i]!.get(tid) ?? 0), 0) / 1e6;
    return {
      cpuMs,
      pct: (cpuMs / elapsed) * 100,
      spawned: [...seen[i]!].filter((k) => !before[i]!.has(k)).length,
      threadMs,
    };
  });
}

export interface CpuSubject {
  pid: number;
  exclude: ReadonlySet<number>;
}

export interface CpuResult {
  cpuMs: number;
  pct: number;
}

/** The CPU of each subject (its tree, by ticks) over one window of `seconds`; throws if one ends in it. */
export async function idleCpu(subjects: CpuSubject[], seconds: number): Promise<CpuResult[]> {
  const tick = 1000 / (Number(Bun.spawnSync(["getconf", "CLK_TCK"]).stdout.toString().trim()) || 100);
  const before = subjects.map((s) => treeTicks(s.pid, s.exclude));
  const start = now();
  await Bun.sleep(seconds * 1000);
  const after = subjects.map((s) => treeTicks(s.pid, s.exclude));
  const elapsed = now() - start;
  return subjects.map((s, i) => {
    if (!statFields(s.pid)) fail(`pid ${s.pid} ended during the idle window`);
    const cpuMs = (after[i]! - before[i]!) * tick;
    return { cpuMs, pct: (cpuMs / elapsed) * 100 };
  });
}
