/**
 * CPU of a process tree from /proc, for the bench parts that read an idle window: utime + stime
 * of a process, plus cutime + cstime (its reaped children), plus the same of each living
 * descendant; `exclude` (and what is below it) is left out.
 */
import { readdirSync, readFileSync } from "node:fs";

export interface CpuSubject {
  pid: number;
  exclude: ReadonlySet<number>;
}

export interface CpuResult {
  cpuMs: number;
  pct: number;
}

function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields from the 3rd (state) on: the command name in parentheses may hold spaces.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) => readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").split(" ").filter(Boolean).map(Number));
  } catch {
    return [];
  }
}

export function treeTicks(pid: number, exclude: ReadonlySet<number>): number {
  const f = statFields(pid);
  if (!f) return 0;
  let ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  for (const child of childPids(pid)) if (!exclude.has(child)) ticks += treeTicks(child, exclude);
  return ticks;
}

/** The CPU of each subject over one window of `seconds`; throws if one ends in it. */
export async function idleCpu(subjects: CpuSubject[], seconds: number): Promise<CpuResult[]> {
  const tick = 1000 / (Number(Bun.spawnSync(["getconf", "CLK_TCK"]).stdout.toString().trim()) || 100);
  const before = subjects.map((s) => treeTicks(s.pid, s.exclude));
  const start = performance.now();
  await Bun.sleep(seconds * 1000);
  const after = subjects.map((s) => treeTicks(s.pid, s.exclude));
  const elapsed = performance.now() - start;
  return subjects.map((s, i) => {
    if (!statFields(s.pid)) throw new Error(`pid ${s.pid} ended during the idle window`);
    const cpuMs = (after[i]! - before[i]!) * tick;
    return { cpuMs, pct: (cpuMs / elapsed) * 100 };
  });
}
