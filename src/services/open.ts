import { CONTAINER_PATHS, containerUser } from "../core/container/spec.ts";
import { DockercaskError } from "../core/errors.ts";
import {
  classifyItem,
  DEFAULT_OPEN_MAX,
  INBOX_DIR,
  openableUrl,
  pickFreeName,
  RESERVED_NAME_PREFIX,
  tooLargeError,
} from "../core/files/open-items.ts";
import type { InstanceName, RunTarget } from "../core/instance/name.ts";
import type { SessionState } from "../core/instance/runtime.ts";
import { generateCookie } from "../core/x11/xauth.ts";
import type { ContainerClient } from "../ports/container-client.ts";
import type { ContainerFiles, InboxFile } from "../ports/container-files.ts";
import type { ImageClient } from "../ports/image-client.ts";
import { recipePolicy } from "./app-policy.ts";
import { checkRunnable } from "./instances.ts";
import { type RunOptions, type RunResult, type RunSessionDeps, runSession } from "./session/run.ts";

/** What `open` needs besides what a session needs: the running sessions, the host files, the container's files. */
export interface OpenDeps {
  session: RunSessionDeps;
  docker: () => Promise<ImageClient & ContainerClient & ContainerFiles>;
  runtime: { readState(name: string): SessionState | undefined };
  isAlive: (pid: number, start: string | undefined) => boolean;
  /** Reads a host file whole; throws OpenRefusedError for a special file or one over `maxBytes` (adapters/open-files.ts). */
  readFile: (path: string, maxBytes: number) => { name: string; data: Uint8Array };
  /** The names in a stopped instance's ~/Inbox, to give new files names of their own. */
  inboxNames: (name: InstanceName) => string[];
}

export interface StartedInstance {
  instance: string;
  /** The running session, supervised by this process: it resolves when the instance has ended. */
  session: Promise<RunResult>;
}

export interface OpenResult {
  instance: string;
  /** What the app was asked to open, in order: the in-container paths of the files, and the URLs. */
  opened: string[];
  /** Set when this call started the instance, which this process then supervises. */
  session?: Promise<RunResult>;
}

type Item = { kind: "url"; url: string } | { kind: "file"; file: InboxFile };

const INBOX_PATH = `${CONTAINER_PATHS.home}/${INBOX_DIR}`;

/**
 * Gives files and URLs to an instance and asks its app to open them. Everything is checked and
 * read before anything starts. A running instance gets the files put into its ~/Inbox and its
 * app's command run again with their paths (browsers, evince and LibreOffice hand them to the
 * window already open); a stopped one is started with them as the app's arguments, the files
 * put into ~/Inbox before the app runs. `options.disposable` starts a new disposable instance
 * of the app `target` names.
 */
export async function openInInstance(
  target: RunTarget,
  args: string[],
  deps: OpenDeps,
  options: RunOptions = {},
): Promise<OpenResult> {
  // No items is what a menu entry's `open <instance> %F` runs when it is clicked, not given a
  // file: the app opens as a launcher opens it (started, or its command run once more).
  const items = readItems(
    args,
    deps.readFile,
    options.openMaxBytes ?? options.configured?.openMaxBytes ?? DEFAULT_OPEN_MAX,
  );
  if (target.disposable) return startWith(target, items, () => false, deps, options);
  const { name } = target;
  const state = deps.runtime.readState(name.full);
  if (state && deps.isAlive(state.pid, state.pidStart)) return openInRunning(name, state, items, deps);
  checkRunnable(name, deps.session.catalog);
  const existing = new Set(deps.inboxNames(name));
  return startWith(target, items, (n) => existing.has(n), deps, options);
}

/** URLs checked and files read, in the order given; the files together stay under `maxBytes`. */
function readItems(args: string[], readFile: OpenDeps["readFile"], maxBytes: number): Item[] {
  let total = 0;
  return args.map((arg): Item => {
    const item = classifyItem(arg);
    if (item.kind === "url") return { kind: "url", url: openableUrl(item.url) };
    // Each file alone against the whole cap, so the message names the right limit; the total next.
    const file = readFile(item.path, maxBytes);
    total += file.data.length;
    if (total > maxBytes) throw tooLargeError(JSON.stringify(item.path), total, maxBytes, true);
    return { kind: "file", file };
  });
}

/** Gives every file a name free in ~/Inbox (and among the others), and the app its arguments. */
async function nameItems(
  items: Item[],
  isTaken: (name: string) => boolean | Promise<boolean>,
): Promise<{ files: InboxFile[]; appArgs: string[] }> {
  const chosen = new Set<string>();
  const files: InboxFile[] = [];
  const appArgs: string[] = [];
  for (const item of items) {
    if (item.kind === "url") {
      appArgs.push(item.url);
      continue;
    }
    const name = await pickFreeName(item.file.name, async (n) => chosen.has(n) || (await isTaken(n)));
    chosen.add(name);
    files.push({ name, data: item.file.data });
    appArgs.push(`${INBOX_PATH}/${name}`);
  }
  return { files, appArgs };
}

async function openInRunning(
  name: InstanceName,
  state: SessionState,
  items: Item[],
  deps: OpenDeps,
): Promise<OpenResult> {
  if (!state.container) {
    throw new DockercaskError(`${name.full} is still starting`, {
      code: "E_STARTING",
      hint: "Try again in a moment, once its window is open.",
    });
  }
  const id = state.container;
  const docker = await deps.docker();
  const existing = new Set(await docker.listDir(id, INBOX_PATH));
  const { files, appArgs } = await nameItems(items, (n) => existing.has(n));
  if (files.length)
    await docker.putFiles(id, { home: CONTAINER_PATHS.home, name: INBOX_DIR }, files, containerUser(deps.session.host));
  const policy = recipePolicy(deps.session.catalog, name.app);
  await docker.execDetached(id, [...policy.command, ...appArgs]);
  return { instance: name.full, opened: appArgs };
}

async function startWith(
  target: RunTarget,
  items: Item[],
  isTaken: (name: string) => boolean,
  deps: OpenDeps,
  options: RunOptions,
): Promise<OpenResult> {
  const { files, appArgs } = await nameItems(items, isTaken);
  // The app waits for this marker, written after the files; its name is fresh, so nothing left
  // in a persistent home can let the app start early.
  const marker = { name: `${RESERVED_NAME_PREFIX}ready-${generateCookie()}`, data: new Uint8Array() };
  const inbox = files.length
    ? {
        marker: `${INBOX_PATH}/${marker.name}`,
        deliver: async (id: string) => {
          const docker = await deps.docker();
          await docker.putFiles(
            id,
            { home: CONTAINER_PATHS.home, name: INBOX_DIR },
            [...files, marker],
            containerUser(deps.session.host),
          );
        },
      }
    : undefined;
  const started = await startInstance(target, deps.session, {
    ...options,
    appArgs: [...appArgs, ...(options.appArgs ?? [])],
    inbox,
  });
  return { ...started, opened: appArgs };
}

/** Runs a session and resolves once its container runs (or it ended first), with its name. */
async function startInstance(target: RunTarget, deps: RunSessionDeps, options: RunOptions): Promise<StartedInstance> {
  const up = Promise.withResolvers<string>();
  const session = runSession(target, deps, {
    ...options,
    onStarted: (instance) => {
      up.resolve(instance);
      options.onStarted?.(instance);
    },
  });
  const instance = await Promise.race([up.promise, session.then((result) => result.instance)]);
  return { instance, session };
}
