// Port: the host side of the file chooser (services/file-chooser.ts): the host's dialog, and the
// instance's files folder, which the container has at CONTAINER_PATHS.files.
// adapters/file-dialog.ts and adapters/files-exchange.ts implement it.

export interface FileDialogs {
  /** zenity's path on the host, or undefined when the desktop has none. */
  readonly zenity: string | undefined;
  /** Shows the dialog `argv` starts; resolves to what it printed when the user chose, "" when cancelled or closed. */
  show(argv: string[]): Promise<string>;
  /** Closes the dialog still open, if any (its show() resolves ""). */
  closeAll(): void;
}

/** What is known of an entry of the folder, to tell a changed one from one already copied. */
export interface FileMark {
  /** A regular file; anything else (a link, a FIFO) is refused when it is copied. */
  regular: boolean;
  size: number;
  mtimeMs: number;
  ino: number;
}

export interface FilesExchange {
  /**
   * Copies a host file the user picked into the folder, under a name of its own there (the
   * file's, made free), as `dockercask open` reads one: regular files only, by descriptor,
   * at most `maxBytes`. Resolves to that name and the bytes copied; throws an Error that says why not.
   */
  copyIn(hostPath: string, maxBytes: number): Promise<{ name: string; bytes: number }>;
  /** A name like `name` that nothing in the folder has yet. */
  freeName(name: string): Promise<string>;
  /** The entry's mark (a link is not followed), or undefined when there is none. */
  mark(name: string): FileMark | undefined;
  /**
   * Copies the folder's file out to `destination` (a host path the user picked, checked again
   * where it really leads): not following a link, regular files only, at most `maxBytes`,
   * written aside and renamed over it. Resolves to the bytes copied; throws with the reason.
   */
  copyOut(name: string, destination: string, maxBytes: number): Promise<number>;
  /** Why the user's host path may not be written by a save (dockercask's folders, start-up files...), or undefined. */
  refusedDestination(path: string): string | undefined;
  /** Where the dialog opens: this instance's last folder, else the download folder, else home. */
  startFolder(): string;
  /** Remembers the folder the user last picked in, for this instance's next dialog. */
  rememberFolder(folder: string): void;
  /** Removes the folder and all in it, once the container is gone. */
  remove(): void;
}
