import { closeSync, constants, openSync, readlinkSync, realpathSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { SharedFolderError } from "../core/errors.ts";
import {
  explainRefusedFolder,
  type RefusalRules,
  type SharedFolder,
  withRealPaths,
} from "../core/files/shared-folders.ts";

/** A shared folder checked where it really is, and held open for the session. */
export interface SharedMount {
  /** What the engine mounts: this process's open descriptor of the checked folder, `/proc/<pid>/fd/<n>`. */
  source: string;
  /** Where the folder really is, as checked. */
  realPath: string;
  target: string;
  readOnly: boolean;
}

export interface OpenedSharedFolders {
  mounts: SharedMount[];
  /** Lets go of the folders; the session calls it once the container is gone. */
  close(): void;
}

/**
 * Opens every shared folder, finds where each one really is from the opened descriptor (so a
 * symbolic link, anywhere in the path, is followed by the kernel and not by us), and checks
 * that real path against `rules`, themselves resolved. The mount then names the descriptor, not
 * the path: a path swapped for a link to ~/.ssh after the check still mounts the folder that
 * was checked (core/container/spec.ts says how the engine is given it). All or nothing: on a
 * refusal every folder opened so far is closed again and nothing is mounted.
 */
export function openSharedFolders(
  folders: SharedFolder[],
  rules: RefusalRules,
  pid = process.pid,
): OpenedSharedFolders {
  const fds: number[] = [];
  const close = () => {
    for (const fd of fds.splice(0)) closeSync(fd);
  };
  try {
    const real = withRealPaths(rules, realPathOf);
    const mounts = folders.map((folder) => {
      const fd = openFolder(folder.host);
      fds.push(fd);
      const realPath = readlinkSync(`/proc/self/fd/${fd}`);
      if (realPath.endsWith(" (deleted)"))
        throw new SharedFolderError(`the shared folder ${folder.host} was removed while it was being opened`);
      const refused = explainRefusedFolder(realPath, real);
      if (refused) {
        const leads = realPath === folder.host ? "" : ` (it leads to ${realPath})`;
        throw new SharedFolderError(`the shared folder ${folder.host}${leads} is refused: ${refused}`);
      }
      return { source: `/proc/${pid}/fd/${fd}`, realPath, target: folder.target, readOnly: folder.readOnly };
    });
    return { mounts, close };
  } catch (error) {
    close();
    throw error;
  }
}

function openFolder(path: string): number {
  try {
    // O_DIRECTORY: only folders; O_NONBLOCK: a FIFO planted under the name cannot hang us.
    return openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT")
      throw new SharedFolderError(
        `the shared folder ${path} does not exist`,
        'Create it, or remove it from "shared" in config.toml.',
      );
    if (code === "ENOTDIR") {
      throw new SharedFolderError(
        `the shared folder ${path} is not a folder: only folders can be shared`,
        'Share the folder that holds the file (a file mounted alone loses its link to the app when it is saved anew), or remove it from "shared" in config.toml.',
      );
    }
    if (code === "ELOOP") throw new SharedFolderError(`the shared folder ${path} is a loop of symbolic links`);
    if (code === "EACCES")
      throw new SharedFolderError(
        `the shared folder ${path} cannot be opened: permission denied`,
        `Make it readable (chmod u+rx ${path}), or remove it from "shared" in config.toml.`,
      );
    throw new SharedFolderError(`the shared folder ${path} cannot be opened: ${(error as Error).message}`);
  }
}

/**
 * Where `path` really is, following every symbolic link. For a path that does not exist (yet),
 * where it would be: a dangling link's target, or its deepest existing ancestor's real path
 * with the rest appended, since it may be made later.
 */
export function realPathOf(path: string, hops = 0): string | undefined {
  try {
    return realpathSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if ((code !== "ENOENT" && code !== "ENOTDIR") || hops > 40) return undefined;
    const target = linkTarget(path);
    if (target !== undefined) return realPathOf(resolve(dirname(path), target), hops + 1);
    const parent = dirname(path);
    if (parent === path) return undefined;
    const real = realPathOf(parent, hops + 1);
    return real === undefined ? undefined : join(real, basename(path));
  }
}

function linkTarget(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}
