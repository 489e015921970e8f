// Port: putting files into a running instance's container and asking its app to open them.
// adapters/docker.ts implements it.

export interface InboxFile {
  /** The name in ~/Inbox, already checked (core/files/open-items.ts). */
  name: string;
  data: Uint8Array;
}

export interface ContainerFiles {
  /**
   * Writes the files into `dir` (a folder of the container's home, made when missing), owned by
   * `owner` and private to it, in order: a file that must be seen last goes last.
   */
  putFiles(
    id: string,
    dir: { home: string; name: string },
    files: InboxFile[],
    owner: { uid: number; gid: number },
  ): Promise<void>;
  /** The names in a folder of the container (none when it is missing). */
  listDir(id: string, path: string): Promise<string[]>;
  /** Starts `argv` in the container as its user, with its environment, and does not wait for it. */
  execDetached(id: string, argv: string[]): Promise<void>;
}
