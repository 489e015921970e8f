import { dirname, join } from "node:path";
import { createClipboardSide } from "../adapters/clipboard.ts";
import { sharedFolderRules } from "../adapters/config-file.ts";
import { startBusEndpoint } from "../adapters/desktop-bus.ts";
import { createDialogSet } from "../adapters/dialog-process.ts";
import { openFilesExchange } from "../adapters/files-exchange.ts";
import { localCookieHex } from "../adapters/host-display.ts";
import { createHostNotifier } from "../adapters/host-notifier.ts";
import { findExecutable, requireTools } from "../adapters/host-tools.ts";
import { createLinkOpeners } from "../adapters/link-openers.ts";
import { log } from "../adapters/log.ts";
import { netLogWriter } from "../adapters/net-log-file.ts";
import { startNetProxy } from "../adapters/net-proxy.ts";
import { selfArgv } from "../adapters/process.ts";
import type { SoundServer } from "../adapters/sound-server.ts";
import type { Catalog } from "../core/catalog/catalog.ts";
import { clipboardSelections } from "../core/clipboard/clipboard.ts";
import { resolvePaths } from "../core/config/paths.ts";
import { MAX_OPEN_FILES } from "../core/files/file-chooser.ts";
import { parseInstanceName } from "../core/instance/name.ts";
import { createNetLog } from "../core/network/net-log.ts";
import type { InstanceStore } from "../ports/instance-store.ts";
import { startClipboardBridge } from "../services/clipboard-bridge.ts";
import { createDesktopBridge } from "../services/desktop-bus-calls.ts";
import { createFileChooser } from "../services/file-chooser.ts";
import { createLinkRouter } from "../services/link-router.ts";
import { createNotificationRelay } from "../services/notification-relay.ts";
import type { SessionCapability } from "../services/session/capability.ts";
import { type ClipboardStart, createClipboardCapability } from "../services/session/clipboard.ts";
import { createDesktopBusCapability, type DesktopBusOptions } from "../services/session/desktop-bus.ts";
import { createFilesCapability, type FilesPort } from "../services/session/files.ts";
import { createNetworkCapability, type NetworkPort } from "../services/session/network.ts";
import { createSoundCapability } from "../services/session/sound.ts";

/** What the capabilities are wired from (cli/_context.ts). */
export interface CapabilityWiring {
  env: Record<string, string | undefined>;
  catalog: () => Catalog;
  store: InstanceStore;
  sound: SoundServer;
  /** Runs argv, made from an instance's app command, in its running container (services/exec-in.ts). */
  execIn: (instance: string, argv: (command: string[]) => string[]) => Promise<boolean>;
}

/**
 * The session's capabilities, in the order they start (services/session/capability.ts). A new
 * one is a module in services/session/ and a line here; the reaper finds its leftovers from
 * this list too.
 */
export function sessionCapabilities(wiring: CapabilityWiring): SessionCapability[] {
  return [
    createNetworkCapability({ serve: serveNetwork }),
    createSoundCapability(wiring.sound),
    createDesktopBusCapability({
      available: () => findExecutable("dbus-daemon", wiring.env.PATH) !== undefined,
      start: (options) => startDesktopBus(options, wiring),
      instances: () => wiring.store.list().map((r) => r.name.full),
    }),
    createClipboardCapability({ start: (options) => startClipboard(options, wiring.env) }),
    createFilesCapability({ start: (options) => startFiles(options, wiring.env) }),
  ];
}

/** The file chooser: the host's zenity, and the instance's files folder under dockercask's data. */
const startFiles = async (
  { instance, owner, openMaxBytes, log: sessionLog }: Parameters<FilesPort["start"]>[0],
  env: Record<string, string | undefined>,
) => {
  const paths = resolvePaths(env);
  const exchange = openFilesExchange({
    dir: join(paths.data, "files", instance),
    home: env.HOME || "/",
    owner,
    rules: sharedFolderRules(paths, env),
    // $XDG_CONFIG_HOME as resolvePaths read it: the folder that holds dockercask's own.
    configHome: dirname(paths.config),
  });
  const zenity = findExecutable("zenity", env.PATH);
  // A dialog's answer is its paths: a few of at most 4 KiB each.
  const dialogs = { zenity, ...createDialogSet(env, MAX_OPEN_FILES * 4096) };
  const chooser = createFileChooser({ instance, dialogs, exchange, openMaxBytes, now: Date.now, log: sessionLog });
  return { folder: exchange.path, chooser };
};

/** The instance's proxy, and the snapshot of its log that `dockercask net` reads. */
const serveNetwork: NetworkPort["serve"] = async ({ path, logPath, instance, rules, log: sessionLog }) => {
  const netLog = createNetLog(Date.now, instance);
  const writer = netLogWriter(logPath, instance, netLog);
  const proxy = await startNetProxy({ path, rules, log: sessionLog, netLog, onChange: writer.changed }).catch(
    (error: unknown) => {
      writer.stop();
      throw error;
    },
  );
  return {
    stop: () => {
      proxy.stop();
      writer.stop();
    },
  };
};

/** The instance's bus: a dbus-daemon of its own, and behind it the links router and the notification relay. */
async function startDesktopBus(options: DesktopBusOptions, { env, execIn, catalog, store }: CapabilityWiring) {
  const from = options.instance.full;
  const notifier = createHostNotifier(env);
  const openers = createLinkOpeners({
    env,
    self: selfArgv(),
    execIn,
    knownApp: (instance) => catalog().apps.has(parseInstanceName(instance).app),
    from,
  });
  const now = () => Date.now();
  const bridge = createDesktopBridge({
    links: createLinkRouter({
      from,
      links: options.links,
      mail: options.mail,
      instances: () => store.list().map((r) => r.name.full),
      openers,
      now,
      log,
    }),
    notifications: createNotificationRelay({ instance: from, enabled: options.notifications, notifier, now, log }),
    services: options.services,
  });
  const endpoint = await startBusEndpoint({ runtimeDir: options.runtimeDir, handle: bridge.handle, log });
  return {
    ...endpoint,
    // Dialogs first: a link waiting on one is then answered, with the other pending calls, by
    // the endpoint's stop; nothing of this session stays on the desktop.
    stop: () => {
      openers.stop();
      notifier.stop();
      endpoint.stop();
    },
  };
}

/** The clipboard between the host display and the instance's, through xclip on each side. */
async function startClipboard(options: ClipboardStart, env: Record<string, string | undefined>) {
  const { xclip } = requireTools(["xclip"], env);
  const app = { DISPLAY: `:${options.display}`, XAUTHORITY: options.authFile };
  return startClipboardBridge({
    policy: options.policy,
    maxBytes: options.maxBytes,
    selections: clipboardSelections(options.primary),
    sides: {
      host: createClipboardSide(
        { display: env.DISPLAY ?? "", env, cookieHex: localCookieHex(env.DISPLAY ?? "", env) },
        xclip,
      ),
      app: createClipboardSide({ display: app.DISPLAY, env: { ...env, ...app }, cookieHex: options.cookie }, xclip),
    },
    log,
  });
}
