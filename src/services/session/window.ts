import { windowClassName } from "../../core/catalog/desktop-entry.ts";
import { defaultWindowSize, hostDpi, XEPHYR_LEFTOVER, type XephyrOptions } from "../../core/x11/xephyr.ts";
import type { XephyrHandle } from "../../ports/xephyr.ts";
import type { SessionLog } from "./capability.ts";
import type { SessionPlan } from "./plan.ts";
import { recordState, type SessionResources } from "./resources.ts";
import type { SessionSignals } from "./signals.ts";

/** The window: the instance's own X server on the host display, and its cookie. */
export interface WindowPort {
  /** Writes the server's and the client's cookie files (0600); `owner` gets the client's when the app runs as another user. */
  writeAuthFiles: (
    files: { server: string; client: string },
    cookie: string,
    owner?: { uid: number; gid: number },
  ) => Promise<void>;
  /** Starts Xephyr; `memoryBytes` bounds what its clients can make it allocate. */
  startXephyr: (options: Omit<XephyrOptions, "displayFd"> & { memoryBytes: number }) => Promise<XephyrHandle>;
  queryHostScreen: () => Promise<{ width: number; height: number; widthMm: number; heightMm: number } | undefined>;
}

/** What the reaper ends of a window whose supervisor died. */
export const WINDOW_LEFTOVERS = [XEPHYR_LEFTOVER];

/**
 * Opens the window: the cookie files and the host's screen size, then Xephyr. `after` is what
 * must be done first (the Docker chain, for a new instance); `onSpawned` runs once Xephyr is
 * spawned, before it is up.
 */
export async function openWindow(
  plan: SessionPlan,
  session: SessionResources,
  signals: SessionSignals,
  options: { after?: Promise<unknown>; onSpawned: () => void },
  port: WindowPort,
  log: SessionLog,
): Promise<XephyrHandle> {
  const { settings, user, name, authFiles } = plan;
  const [screen] = await Promise.all([
    settings.size && settings.dpi ? undefined : port.queryHostScreen(),
    port.writeAuthFiles(authFiles, plan.cookie, plan.userIsOther ? user : undefined),
    options.after,
  ]);
  signals.throwIfReceived();
  const mitShm = plan.mitShm === "fd";
  if (mitShm)
    log.warn(
      'mit-shm: fd shares images with the X server at host speed, but what the app hands over is host memory its X server may hold beyond the app\'s own limit; `mit-shm = "off"` is the bounded default',
    );
  const size = settings.size ?? defaultWindowSize(screen);
  const dpi = settings.dpi ?? hostDpi(screen);
  const starting = port.startXephyr({
    authFile: authFiles.server,
    title: name.full,
    windowClass: windowClassName(name),
    width: size.width,
    height: size.height,
    dpi,
    memoryBytes: plan.xMemoryBytes,
    mitShm,
  });
  options.onSpawned();
  const xephyr = await starting;
  session.xephyr = xephyr;
  session.xMemoryBytes = plan.xMemoryBytes;
  session.mitShm = plan.mitShm;
  recordState(session);
  log.debug(`Xephyr is display :${xephyr.display} (pid ${xephyr.pid})`);
  return xephyr;
}
