/**
 * Disposable instances: `dockercask run <app> --disposable`. Their home is a tmpfs inside the
 * container, nothing about them is registered, and they are named `<app>#tmp-<n>` with the
 * lowest n whose runtime dir (the instance's lock) is free. The `tmp-` ids are theirs alone:
 * a persistent instance may not take one, so a name says which kind an instance is.
 */
import { DockercaskError } from "../errors.ts";
import type { InstanceName } from "./name.ts";

const DISPOSABLE_ID_PREFIX = "tmp-";
/** More at once than anyone runs; past this a start is refused rather than looping on. */
const MAX_DISPOSABLE = 999;

export function disposableName(app: string, n: number): InstanceName {
  const id = `${DISPOSABLE_ID_PREFIX}${n}`;
  return { app, id, full: `${app}#${id}` };
}

export function isDisposableName(name: Pick<InstanceName, "id">): boolean {
  return name.id.startsWith(DISPOSABLE_ID_PREFIX);
}

/**
 * Takes the first free name, tmp-1 upwards. `take` is the runtime dir's atomic acquire: of two
 * starts racing for tmp-1 exactly one wins it, and the other goes on to tmp-2.
 */
export function allocateDisposable<T>(
  app: string,
  take: (name: InstanceName) => T | undefined,
  max = MAX_DISPOSABLE,
): { name: InstanceName; taken: T } {
  for (let n = 1; n <= max; n++) {
    const name = disposableName(app, n);
    const taken = take(name);
    if (taken !== undefined) return { name, taken };
  }
  throw new DockercaskError(`${max} disposable instances of ${app} are running already`, {
    code: "E_DISPOSABLE_FULL",
    hint: `"dockercask ps" lists them; "dockercask stop <name>" ends one.`,
  });
}

/** A persistent instance may not take a disposable one's name. */
export class ReservedNameError extends DockercaskError {
  constructor(name: string) {
    super(`${name} is a disposable instance's name`, {
      code: "E_RESERVED_NAME",
      hint: `Ids starting with "${DISPOSABLE_ID_PREFIX}" are for "dockercask run <app> --disposable"; pick another id, for example ${name.replace(`#${DISPOSABLE_ID_PREFIX}`, "#t")}.`,
      exitCode: 2,
    });
  }
}

/**
 * A disposable home is as large as the instance's /tmp (the `tmp-size` limit, by default a
 * quarter of its memory, at most 512 MiB): like /tmp, it is memory, and counts against the
 * memory limit.
 */
export function disposableHomeBytes(limits: { tmpBytes: number }): number {
  return limits.tmpBytes;
}
