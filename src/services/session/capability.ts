import type { ContainerSocket } from "../../core/container/spec.ts";
import { messageOf } from "../../core/errors.ts";
import type { LeftoverProcess } from "../../core/instance/leftovers.ts";
import type { SessionState } from "../../core/instance/runtime.ts";
import type { BusService } from "../../ports/desktop-bus-calls.ts";
import type { SessionPlan } from "./plan.ts";

/**
 * A session capability: one thing an instance gets beside its window and its container (sound,
 * the desktop bus, the clipboard, the network, files). Each is one module in this
 * folder that says what it needs (its port, given to its factory), when it starts, what it hands
 * the container, what it records in state.json, how it stops, and what the reaper must end
 * when its supervisor died. The session runs an ordered list of them (`capabilities` in
 * run.ts's deps, filled in by cli/wiring/session.ts), and tears them down in the one order
 * resources.ts writes. Adding one is a module here and a line in that list.
 */
export interface SessionCapability {
  /** For messages and the state: "sound", "desktop bus", "clipboard". */
  readonly name: string;
  /**
   * `before-container`: what the container mounts of ours; it starts beside the window and
   * Docker, and the container waits for it. `after-container`: it needs the running app (its
   * display), starts off the path to the window, and is not waited for.
   */
  readonly starts: "before-container" | "after-container";
  /** What state.json records from the plan alone, whether or not it starts (`clip` reads the clipboard policy). */
  record?(plan: SessionPlan): Partial<SessionState>;
  /**
   * Starts it for this session, or resolves undefined when the session does not use it (its
   * policy is off) or cannot have it (no host server): said in the log, and the app runs
   * without. Only a failure that must stop the session rejects.
   */
  start(context: CapabilityContext): Promise<RunningCapability | undefined>;
  /** Host processes it starts that outlive a supervisor killed with SIGKILL, for the reaper. */
  readonly leftovers?: LeftoverProcess;
}

export interface CapabilityContext {
  plan: SessionPlan;
  /** The instance's display, for a capability that starts after the container. */
  display?: number;
  log: SessionLog;
  /** Whether the session is already ending: a late failure is then no news. */
  isTornDown(): boolean;
  /** What the running capabilities serve on the instance's bus, asked at each call (the desktop bus routes to them). */
  busServices(): BusService[];
}

/** A capability while it runs. */
export interface RunningCapability {
  /** A socket of ours the container gets, and the variable that points the app at it. */
  socket?: ContainerSocket;
  /** What it serves on the instance's bus while it runs (the file chooser). */
  busService?: BusService;
  /** What `ps`, `clip` and the reaper read in state.json. */
  state?: Partial<SessionState>;
  /** Ends it: pending calls answered, helper processes ended. Safe to call once at teardown. */
  stop(): void | Promise<void>;
}

export interface SessionLog {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

/** A capability that failed to start: the app runs without it, and the user is told once. */
export function withoutIt<T>(name: string, log: SessionLog): (error: unknown) => T | undefined {
  return (error) => {
    log.warn(`running without ${name}: ${messageOf(error)}`);
    return undefined;
  };
}
