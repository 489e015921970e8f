// Port: a running Xephyr server, as the run session holds it. adapters/xephyr.ts starts one.

export interface XephyrHandle {
  display: number;
  pid: number;
  pidStart: string | undefined;
  /** Resolves when the server exits: the user closed the window, or we stopped it. */
  exited: Promise<number>;
  stop(): Promise<void>;
}
