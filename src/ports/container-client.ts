import type { ContainerCreateOptions } from "dockerode";
import type { InspectedContainer } from "../core/container/hardening-check.ts";

// Port: what services ask of the container side of the engine. adapters/docker.ts implements it.

/** A container of a dockercask instance, as listed by the engine. */
export interface InstanceContainer {
  id: string;
  name: string;
  labels: Record<string, string>;
  state: string;
  createdAt: Date;
}

export interface RunningContainer {
  id: string;
  exited: Promise<number>;
  /**
   * Asked once it has exited: whether the kernel's OOM killer killed a process of it. The
   * engine knows only while the container exists (so not with AutoRemove); false once gone.
   */
  oomKilled?: () => Promise<boolean>;
}

export interface RunContainerOptions {
  /**
   * Called with the engine's inspect answer for the created container, before it starts. If it
   * throws, the container is removed unstarted and the error passes on.
   */
  check?: (inspected: InspectedContainer) => void;
}

export interface ContainerClient {
  /**
   * Creates and starts a container. `exited` resolves with its exit code; the wait is
   * registered before the start, so even an app that dies at once (and is auto-removed)
   * is seen to exit.
   */
  runContainer(spec: ContainerCreateOptions, options?: RunContainerOptions): Promise<RunningContainer>;
  /** Kills and removes it; a container that is already gone is fine. */
  removeContainer(id: string): Promise<void>;
  /** Containers carrying `label`, running or not. */
  listContainers(label: string): Promise<InstanceContainer[]>;
  /** The container's output, demultiplexed; with `follow`, until it exits. */
  streamLogs(
    id: string,
    options: { follow: boolean; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
  ): Promise<void>;
}
