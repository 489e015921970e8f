import { BASE_APP, type Catalog, getApp } from "../core/catalog/catalog.ts";
import { ConfirmationRequiredError, DockercaskError, UnknownInstanceError } from "../core/errors.ts";
import { isDisposableName, ReservedNameError } from "../core/instance/disposable.ts";
import { type InstanceName, parseInstanceName } from "../core/instance/name.ts";
import type { InstanceRecord, InstanceStore } from "../ports/instance-store.ts";

export interface InstanceDeps {
  catalog: Catalog;
  store: InstanceStore;
}

/** Validates everything about a new instance without writing anything. */
export function checkNewInstance(input: string, catalog: Catalog): InstanceName {
  return checkRunnable(parseInstanceName(input), catalog);
}

/** An instance that may be started: its app is in the catalog, and its name is not a disposable one's. */
export function checkRunnable(name: InstanceName, catalog: Catalog): InstanceName {
  checkRunnableApp(name.app, catalog);
  if (isDisposableName(name)) throw new ReservedNameError(name.full);
  return name;
}

/** An app that may be run: in the catalog, and not the shared base. */
export function checkRunnableApp(app: string, catalog: Catalog): string {
  if (app === BASE_APP) {
    throw new DockercaskError(`"${BASE_APP}" is the shared base image, not an app you can run`, {
      code: "E_NOT_RUNNABLE",
      hint: '"dockercask list" shows the apps; try "dockercask add xeyes".',
      exitCode: 2,
    });
  }
  getApp(catalog, app);
  return app;
}

/**
 * Adds an instance. `prepareImage` runs before anything is written, so a failed build or an
 * unreachable Docker daemon leaves no half-added instance behind.
 */
export async function addInstance(
  input: string,
  deps: InstanceDeps & { prepareImage: (app: string) => Promise<void> },
): Promise<{ record: InstanceRecord; created: boolean }> {
  const name = checkNewInstance(input, deps.catalog);
  const existing = deps.store.get(name);
  await deps.prepareImage(name.app);
  if (existing) return { record: existing, created: false };
  return { record: deps.store.register(name), created: true };
}

export interface RemoveOptions {
  purge: boolean;
  /** Asks the user; resolves false to abort. Undefined when nobody can be asked (not a TTY). */
  confirm?: (question: string) => Promise<boolean>;
  yes: boolean;
}

export async function removeInstance(
  input: string,
  deps: InstanceDeps,
  options: RemoveOptions,
): Promise<{ removed: InstanceName; purged: boolean; home: string }> {
  const name = parseInstanceName(input);
  const record = deps.store.get(name);
  if (!record) throw new UnknownInstanceError(name.full);
  if (options.purge && !options.yes) {
    if (!options.confirm) throw new ConfirmationRequiredError(`delete the home of ${name.full}`);
    const agreed = await options.confirm(`Delete ${record.home} and everything in it?`);
    if (!agreed) throw new DockercaskError("nothing removed", { code: "E_ABORTED", exitCode: 1 });
  }
  // Purge first: if it fails half-way the instance stays registered and the command can be re-run.
  if (options.purge) deps.store.purgeHome(name);
  deps.store.unregister(name);
  return { removed: name, purged: options.purge, home: record.home };
}
