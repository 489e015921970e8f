import { AlreadyRunningError } from "../../core/errors.ts";
import { allocateDisposable } from "../../core/instance/disposable.ts";
import type { InstanceName } from "../../core/instance/name.ts";
import type { SessionState } from "../../core/instance/runtime.ts";
import type { AcquireResult, RuntimeDir } from "../../ports/runtime-dirs.ts";

export interface LockPort {
  acquireRuntime: (name: InstanceName, state: SessionState) => AcquireResult;
  /** Raises a running instance's window, found by its title. */
  raiseWindow: (title: string) => Promise<boolean>;
  supervisor: { pid: number; start: string };
}

/** Takes the instance's runtime dir, which is its lock; a second run raises the window instead. */
export async function takeLock(
  template: InstanceName,
  disposable: boolean,
  port: LockPort,
): Promise<{ name: InstanceName; runtime: RuntimeDir; state: SessionState }> {
  const stateOf = (instance: InstanceName): SessionState => ({
    instance: instance.full,
    pid: port.supervisor.pid,
    pidStart: port.supervisor.start,
    startedAt: new Date().toISOString(),
    ...(disposable ? { disposable: true } : {}),
  });
  if (disposable) {
    // The runtime dir is the lock: the lowest tmp-<n> whose dir this process creates is its name.
    const taken = allocateDisposable(template.app, (candidate) => {
      const acquired = port.acquireRuntime(candidate, stateOf(candidate));
      return acquired.ok ? acquired.dir : undefined;
    });
    return { name: taken.name, runtime: taken.taken, state: stateOf(taken.name) };
  }
  const acquired = port.acquireRuntime(template, stateOf(template));
  if (!acquired.ok) {
    const raised = await port.raiseWindow(template.full).catch(() => false);
    throw new AlreadyRunningError(template.full, acquired.owner, raised);
  }
  return { name: template, runtime: acquired.dir, state: stateOf(template) };
}
