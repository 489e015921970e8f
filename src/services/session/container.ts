import type { Catalog } from "../../core/catalog/catalog.ts";
import { describeEngine, type EngineIdentity } from "../../core/container/engine.ts";
import { adaptSpecToEngine } from "../../core/container/engine-spec.ts";
import { compareHardening, limitsBeyondEngine, settingsBeyondEngine } from "../../core/container/hardening-check.ts";
import type { HostResources } from "../../core/container/limits.ts";
import { buildContainerSpec, type ContainerSocket, type ContainerSpecInput } from "../../core/container/spec.ts";
import { EngineCannotApplyError } from "../../core/errors.ts";
import { disposableHomeBytes } from "../../core/instance/disposable.ts";
import type { ContainerClient, RunningContainer } from "../../ports/container-client.ts";
import type { EngineClient } from "../../ports/engine-client.ts";
import type { ImageClient } from "../../ports/image-client.ts";
import type { InstanceStore } from "../../ports/instance-store.ts";
import { checkImage } from "../app-policy.ts";
import type { SessionLog } from "./capability.ts";
import type { SessionPlan } from "./plan.ts";
import { recordState, type SessionResources } from "./resources.ts";

/** The container: the engine, the app's image, and the instance's home. */
export interface ContainerPort {
  /** Connects to the engine. */
  docker: () => Promise<ImageClient & ContainerClient & EngineClient>;
  /** Cleans up dead sessions' containers. */
  reapContainers: () => Promise<void>;
  /** Builds the app's image (and its base) when missing or stale; with noBuild, only warns. */
  ensureImage: (app: string, options: { noBuild?: boolean }) => Promise<void>;
  /** Gives the instance's home to the user the app runs as (differs from ours only when we are root). */
  claimHome: (home: string, owner: { uid: number; gid: number }) => void;
  /** Writes a file only the user can read (the seccomp profile Podman takes as a path). */
  writePrivateFile: (path: string, content: string) => void;
}

/** What the container part reads besides its port. */
export interface ContainerContext {
  catalog: Catalog;
  store: InstanceStore;
  host: { uid: number; gid: number; supervisor: { pid: number; start: string }; resources: HostResources };
  log: SessionLog;
}

/**
 * Before the container, beside the window: connect, refuse an engine that cannot apply the
 * limits, clean up dead sessions' containers, and make sure of the image (built if missing or
 * stale).
 */
export async function prepareContainer(
  plan: SessionPlan,
  session: SessionResources,
  options: { noBuild?: boolean; disposable: boolean },
  port: ContainerPort,
  context: ContainerContext,
): Promise<EngineIdentity> {
  const { name, user } = plan;
  const docker = await port.docker();
  session.docker = docker;
  const engine = await docker.engine();
  const beyond = limitsBeyondEngine(engine);
  if (beyond.length) throw new EngineCannotApplyError(describeEngine(engine), beyond, { cgroupV1: true });
  await port.reapContainers();
  await port.ensureImage(name.app, { noBuild: options.noBuild });
  // A disposable instance writes nothing to the data folder: its home is a tmpfs in the container.
  if (!options.disposable) {
    context.store.register(name);
    if (plan.userIsOther) port.claimHome(context.store.homePath(name), user);
  }
  await checkImage(docker, context.catalog, name.app, context.log);
  return engine;
}

/** What the container gets besides the plan: where it runs, what the capabilities serve it, and the start's extras. */
export interface ContainerStart {
  engine: EngineIdentity;
  display: number;
  sockets: ContainerSocket[];
  appArgs?: string[];
  shared?: ContainerSpecInput["shared"];
  /** A file the app waits for (services/open.ts writes it once its files are in). */
  startGate?: string;
  disposable: boolean;
}

/**
 * The container: its limits, its spec said the way this engine takes it (refused where it
 * cannot keep a promise), created, read back against the spec, and started.
 */
export async function startContainer(
  plan: SessionPlan,
  session: SessionResources,
  start: ContainerStart,
  port: ContainerPort,
  context: ContainerContext,
): Promise<RunningContainer> {
  const { name, policy, user } = plan;
  const { engine } = start;
  const { limits } = plan;
  session.limits = limits;
  const spec = buildContainerSpec({
    instance: name,
    policy,
    limits,
    display: start.display,
    clientAuthFile: plan.authFiles.client,
    home: start.disposable ? { tmpfsBytes: disposableHomeBytes(limits) } : context.store.homePath(name),
    startGate: start.startGate,
    user,
    supervisor: context.host.supervisor,
    network: plan.network.mode,
    mitShm: plan.mitShm === "fd",
    shared: start.shared,
    sockets: start.sockets,
    appArgs: start.appArgs,
  });
  const adapted = adaptSpecToEngine(spec, engine, {
    host: context.host,
    seccompFile: `${session.runtime.path}/seccomp.json`,
  });
  const beyond = settingsBeyondEngine(adapted.spec, engine);
  if (beyond.length)
    throw new EngineCannotApplyError(describeEngine(engine), beyond, {
      cgroupV1: engine.rootless && engine.cgroupVersion === "1",
    });
  for (const file of adapted.files) port.writePrivateFile(file.path, file.content);
  // prepareContainer finished before the window's chain was awaited, so the client is there.
  const container = await session.docker!.runContainer(adapted.spec, {
    check: (inspected) => {
      const problems = compareHardening(adapted.spec, inspected, engine);
      if (problems.length) throw new EngineCannotApplyError(describeEngine(engine), problems);
    },
  });
  session.containerId = container.id;
  recordState(session);
  return container;
}
