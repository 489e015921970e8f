/**
 * An instance's files folder on the host: $XDG_DATA_HOME/dockercask/files/<instance>/exchange,
 * which the container has at CONTAINER_PATHS.files, beside `last-folder`, where its dialogs
 * opened last. The app owns what is in the folder and may plant anything there (links, FIFOs,
 * hard links to its own files): every read here opens the final name without following a link
 * and checks the descriptor, and every write creates a new name exclusively. No other part of
 * the path is the app's: the folder is a mount point it cannot replace.
 */
import {
  chmodSync,
  chownSync,
  closeSync,
  constants,
  lstatSync,
  mkdirSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { copyFile, open as openFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { safeFileName, startFolder } from "../core/files/file-chooser.ts";
import { pickFreeName } from "../core/files/open-items.ts";
import { explainRefusedFolder, type RefusalRules, withRealPaths } from "../core/files/shared-folders.ts";
import { formatBytes } from "../core/text/size.ts";
import type { FilesExchange } from "../ports/files-exchange.ts";
import { readIfExists, removeTree, writeFileAtomically } from "./files.ts";
import { readHostFile } from "./open-files.ts";
import { realPathOf } from "./shared-folders.ts";

export interface FilesExchangeOptions {
  /** $XDG_DATA_HOME/dockercask/files/<instance> */
  dir: string;
  home: string;
  /** The app's user, when it is not ours (we are root): the folder and what is copied in are given to it. */
  owner?: { uid: number; gid: number };
  /** The refused places (core/files/shared-folders.ts), as for shared folders. */
  rules: RefusalRules;
  /** $XDG_CONFIG_HOME, for user-dirs.dirs. */
  configHome: string;
}

/** Makes the folder afresh (what a session killed before its end left is gone) and returns its port. */
export function openFilesExchange(options: FilesExchangeOptions): FilesExchange & { path: string } {
  const folder = join(options.dir, "exchange");
  const lastFolderFile = join(options.dir, "last-folder");
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  removeTree(folder);
  mkdirSync(folder, { mode: 0o700 });
  if (options.owner) chownSync(folder, options.owner.uid, options.owner.gid);
  const inFolder = (name: string) => join(folder, name);
  const mark = (name: string) => {
    try {
      const stat = lstatSync(inFolder(name));
      return { regular: stat.isFile(), size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino };
    } catch {
      return undefined;
    }
  };
  const taken = (name: string) => mark(name) !== undefined;
  /** Where a destination really leads, and why it may not be written there, if it may not. */
  const destinationOf = (path: string) => {
    const real = realPathOf(path) ?? path;
    const reason = explainRefusedFolder(real, withRealPaths(options.rules, realPathOf));
    return { real, refused: reason && real !== path ? `it leads to ${real}: ${reason}` : reason };
  };

  return {
    path: folder,
    async copyIn(hostPath, maxBytes) {
      const file = readHostFile(hostPath, maxBytes);
      const name = await pickFreeName(safeFileName(file.name), taken);
      // O_EXCL with O_NOFOLLOW: a name the app planted meanwhile (a link, anything) fails the create.
      const fd = openSync(
        inFolder(name),
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
        0o600,
      );
      try {
        if (options.owner) chownSync(inFolder(name), options.owner.uid, options.owner.gid);
        let written = 0;
        while (written < file.data.length) written += writeSync(fd, file.data, written);
      } finally {
        closeSync(fd);
      }
      return { name, bytes: file.data.length };
    },
    freeName: (name) => pickFreeName(name, taken),
    mark,
    async copyOut(name, destination, maxBytes) {
      const { real, refused } = destinationOf(destination);
      if (refused) throw new Error(`refused: ${refused}`);
      const source = await openFile(
        inFolder(name),
        constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY,
      ).catch((error: NodeJS.ErrnoException) => {
        throw new Error(error.code === "ELOOP" ? "the app left a symbolic link, not a file" : error.message);
      });
      try {
        const stat = await source.stat();
        if (!stat.isFile()) throw new Error("the app left something that is not a regular file");
        if (stat.size > maxBytes) throw tooLarge(stat.size, maxBytes);
        const aside = join(dirname(real), `.${basename(real)}.dockercask-${process.pid}-${Date.now()}`);
        try {
          // The kernel copies (copy_file_range, or a reflink where the file system has them), from
          // the descriptor checked above: /proc/self/fd names that very file, never a path the app
          // could swap. EXCL: the aside name is created new, never an existing file or link.
          await copyFile(`/proc/self/fd/${source.fd}`, aside, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
          // It grew past the cap while it was copied: refused, never cut.
          const copied = statSync(aside).size;
          if (copied > maxBytes) throw tooLarge(copied, maxBytes);
          // The mode of the file it replaces, else the user's umask's: never the app's (no x, no s).
          chmodSync(aside, existingMode(real) ?? 0o666 & ~process.umask());
          renameSync(aside, real);
          return copied;
        } catch (error) {
          try {
            unlinkSync(aside);
          } catch {}
          throw error;
        }
      } finally {
        await source.close();
      }
    },
    refusedDestination: (path) => destinationOf(path).refused,
    startFolder: () =>
      startFolder({
        home: options.home,
        last: readIfExists(lastFolderFile, "utf8")?.trim(),
        userDirs: readIfExists(join(options.configHome, "user-dirs.dirs"), "utf8"),
        isFolder: (path) => {
          try {
            return statSync(path).isDirectory();
          } catch {
            return false;
          }
        },
      }),
    rememberFolder(path) {
      try {
        writeFileAtomically(lastFolderFile, `${path}\n`, 0o600);
      } catch {}
    },
    remove: () => removeTree(folder),
  };
}

const tooLarge = (bytes: number, maxBytes: number) =>
  new Error(`it is ${formatBytes(bytes)} (${bytes} bytes), more than a save may be (${formatBytes(maxBytes)})`);

function existingMode(path: string): number | undefined {
  try {
    const stat = statSync(path);
    return stat.isFile() ? stat.mode & 0o777 : undefined;
  } catch {
    return undefined;
  }
}
