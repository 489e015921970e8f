import { posix } from "node:path";
import { FILE_CHOOSER_INTERFACE, PORTAL_PATH, REQUEST_INTERFACE } from "../core/desktop-bus/bus-config.ts";
import { requestPath } from "../core/desktop-bus/portal-request.ts";
import { createRateLimiter } from "../core/desktop-bus/rate-limit.ts";
import { messageOf } from "../core/errors.ts";
import {
  type ChooserRequest,
  DIALOG_RATE,
  FILE_CHOOSER_VERSION,
  insidePath,
  MAX_FOLLOWED_SAVES,
  MAX_SAVE_BYTES,
  NAMED_SETTLE_MS,
  parseChooserRequest,
  parseDialogAnswer,
  RESPONSE,
  responseResults,
  SAVE_SETTLE_MS,
  safeFileName,
  zenityArgv,
} from "../core/files/file-chooser.ts";
import { formatBytes } from "../core/text/size.ts";
import type { BridgeCall, BridgeReply, BridgeSignal, BusService } from "../ports/desktop-bus-calls.ts";
import type { FileDialogs, FileMark, FilesExchange } from "../ports/files-exchange.ts";
import { versionProperty } from "./desktop-bus-calls.ts";

export interface FileChooserDeps {
  instance: string;
  dialogs: FileDialogs;
  exchange: FilesExchange;
  /** The most bytes one Open copies in (the `open-max` setting). */
  openMaxBytes: number;
  now: () => number;
  log: { info(message: string): void; warn(message: string): void; debug(message: string): void };
}

export interface FileChooser extends BusService {
  /** Closes the dialog, copies out what was saved and not yet copied, and removes the folder. */
  stop(): Promise<void>;
}

const ACCESS_DENIED = "org.freedesktop.DBus.Error.AccessDenied";
const INVALID_ARGS = "org.freedesktop.DBus.Error.InvalidArgs";
const NOT_SUPPORTED = "org.freedesktop.DBus.Error.NotSupported";

interface FollowedSave {
  destination: string;
  /** The mark last copied out, and the one last seen, with when it was first seen and whether it came with a new file. */
  copied?: string;
  seen?: { mark: string; ino: number; since: number; renamed: boolean };
  /** The copies of this save, one after the other, and whether one is waiting in it. */
  chain: Promise<void>;
  queued?: boolean;
  failed?: string;
}

/**
 * The file chooser portal on an instance's bus (core/files/file-chooser.ts). One host dialog at
 * a time, and a few a minute; what the user picks to open is copied in, and what the app saves
 * through it is copied out to where the user chose, once the file has settled, each time it
 * changes, and a last time when the session ends.
 */
export function createFileChooser(deps: FileChooserDeps): FileChooser {
  const { instance, dialogs, exchange, log } = deps;
  const limiter = createRateLimiter(DIALOG_RATE);
  const saves = new Map<string, FollowedSave>();
  let open: { sender: string; handle: string; closedByApp: boolean } | undefined;
  let serial = 0;
  let stopping = false;
  // Our own texts, a handful: the app's words never go in.
  const said = new Set<string>();
  let ticker: ReturnType<typeof setTimeout> | undefined;
  let lastChange = 0;

  /**
   * Looks at each followed save: a file that is new under its name (made, or renamed into place
   * as Firefox's .part and LibreOffice's temp files are: finished) is copied once it has stayed
   * so for a moment; one written in place, once it has been still for a while. Often while saves
   * change, seldom once they have not for a while: the host learns nothing of the app's close.
   */
  function tick(): void {
    ticker = undefined;
    if (stopping) return;
    const now = deps.now();
    for (const [name, save] of saves) {
      const mark = exchange.mark(name);
      if (!mark) continue;
      const text = markOf(mark);
      if (text !== save.seen?.mark) {
        save.seen = { mark: text, ino: mark.ino, since: now, renamed: mark.ino !== save.seen?.ino };
        lastChange = now;
        continue;
      }
      const settle = save.seen.renamed ? NAMED_SETTLE_MS : SAVE_SETTLE_MS;
      if (text !== save.copied && now - save.seen.since >= settle) void copy(name, save);
    }
    schedule();
  }
  const schedule = () => {
    if (ticker || stopping || saves.size === 0) return;
    ticker = setTimeout(tick, deps.now() - lastChange < BUSY_FOR_MS ? BUSY_POLL_MS : IDLE_POLL_MS);
  };

  /** A refusal, said in the log once for each reason: a flood of requests is not a flood of lines. */
  const refuse = (error: string, message: string): BridgeReply => {
    if (!said.has(message)) log.warn(`files: refused a dialog of ${instance}: ${message}`);
    said.add(message);
    return { ok: false, error, message: `dockercask: ${message}` };
  };

  /** Copies the save out, one copy at a time; a version refused (a link, past the cap) is not tried again until it changes. */
  function copy(name: string, save: FollowedSave): Promise<void> {
    if (save.queued) return save.chain;
    save.queued = true;
    save.chain = save.chain.then(async () => {
      save.queued = false;
      const mark = exchange.mark(name);
      if (!mark || markOf(mark) === save.copied) return;
      save.copied = markOf(mark);
      try {
        const bytes = await exchange.copyOut(name, save.destination, MAX_SAVE_BYTES);
        save.failed = undefined;
        log.info(`files: ${instance} saved ${save.destination} (${formatBytes(bytes)})`);
      } catch (error) {
        const reason = messageOf(error);
        if (save.failed !== reason) log.warn(`files: ${instance} could not save ${save.destination}: ${reason}`);
        save.failed = reason;
      }
    });
    return save.chain;
  }

  async function answer(request: ChooserRequest, zenity: string, handle: string, sender: string) {
    const response = (code: number, results: Record<string, unknown> = {}): BridgeSignal => ({
      path: handle,
      interface: REQUEST_INTERFACE,
      member: "Response",
      signature: "ua{sv}",
      body: [code, results],
      // To all as xdg-desktop-portal sends it: the bus is the instance's own, and a client
      // that made its call from another connection (gdbus, a helper process) still hears it.
    });
    const dialog = { sender, handle, closedByApp: false };
    open = dialog;
    let picked: string[];
    try {
      picked = parseDialogAnswer(
        await dialogs.show(zenityArgv(zenity, instance, request, exchange.startFolder())),
        request,
      );
    } finally {
      open = undefined;
    }
    // Closed by the app (Request.Close): the portal then sends nothing.
    if (dialog.closedByApp) return undefined;
    if (picked.length === 0 || stopping) return response(RESPONSE.cancelled);
    return request.kind === "open" ? openPicked(picked, response) : savePicked(picked[0]!, response);
  }

  async function openPicked(
    picked: string[],
    response: (code: number, results?: Record<string, unknown>) => BridgeSignal,
  ) {
    const inside: string[] = [];
    let budget = deps.openMaxBytes;
    for (const path of picked) {
      try {
        const copied = await exchange.copyIn(path, budget);
        budget -= copied.bytes;
        inside.push(insidePath(copied.name));
      } catch (error) {
        log.warn(`files: ${path} was not given to ${instance}: ${messageOf(error)}`);
      }
    }
    if (inside.length === 0) return response(RESPONSE.other);
    exchange.rememberFolder(posix.dirname(picked[0]!));
    log.info(`files: ${instance} was given ${inside.length === 1 ? picked[0] : `${inside.length} files`}`);
    return response(RESPONSE.done, responseResults(inside));
  }

  async function savePicked(
    destination: string,
    response: (code: number, results?: Record<string, unknown>) => BridgeSignal,
  ) {
    const refused = exchange.refusedDestination(destination);
    if (refused) {
      log.warn(`files: ${instance} may not save to ${destination}: ${refused}`);
      return response(RESPONSE.other);
    }
    if (saves.size >= MAX_FOLLOWED_SAVES) {
      log.warn(`files: ${instance} has saved ${MAX_FOLLOWED_SAVES} files this session; stop it to save more`);
      return response(RESPONSE.other);
    }
    exchange.rememberFolder(posix.dirname(destination));
    const name = await exchange.freeName(safeFileName(posix.basename(destination)));
    saves.set(name, { destination, chain: Promise.resolve() });
    lastChange = deps.now();
    schedule();
    log.debug(`files: ${instance} saves ${destination} as ${insidePath(name)}`);
    return response(RESPONSE.done, responseResults([insidePath(name)]));
  }

  async function choose(kind: "open" | "save", call: BridgeCall): Promise<BridgeReply> {
    const parsed = parseChooserRequest(kind, call.body[2]);
    if (!parsed.ok) return refuse(NOT_SUPPORTED, parsed.problem);
    if (stopping) return refuse(ACCESS_DENIED, `${instance} is stopping`);
    if (open) return refuse(ACCESS_DENIED, `a file dialog of ${instance} is already open`);
    if (limiter.take(deps.now()) !== "ok")
      return refuse(ACCESS_DENIED, `more than ${DIALOG_RATE.max} file dialogs in ${DIALOG_RATE.windowMs / 1000} s`);
    const zenity = dialogs.zenity;
    if (!zenity) return refuse(NOT_SUPPORTED, "the desktop has no zenity to show the file dialog (install zenity)");
    const handle = requestPath(call.sender, call.body[2], ++serial);
    const signal = answer(parsed.request, zenity, handle, call.sender).catch((error) => {
      log.warn(`files: the dialog of ${instance} failed: ${messageOf(error)}`);
      return undefined;
    });
    return { ok: true, signature: "o", body: [handle], signal };
  }

  return {
    handle(call) {
      const isPortal = call.path === PORTAL_PATH;
      const member = `${call.interface}.${call.member}(${call.signature})`;
      if (isPortal && member === `${FILE_CHOOSER_INTERFACE}.OpenFile(ssa{sv})`) return choose("open", call);
      if (isPortal && member === `${FILE_CHOOSER_INTERFACE}.SaveFile(ssa{sv})`) return choose("save", call);
      const property = versionProperty(call, FILE_CHOOSER_INTERFACE, FILE_CHOOSER_VERSION);
      if (property) return property;
      if (isPortal && call.interface === FILE_CHOOSER_INTERFACE)
        return Promise.resolve({
          ok: false,
          error: INVALID_ARGS,
          message: `dockercask serves OpenFile and SaveFile, each with the signature ssa{sv}`,
        });
      if (member === `${REQUEST_INTERFACE}.Close()`) {
        // Only the dialog this very client asked for.
        if (open && open.handle === call.path && open.sender === call.sender) {
          open.closedByApp = true;
          dialogs.closeAll();
        }
        return Promise.resolve({ ok: true, signature: "", body: [] });
      }
      return undefined;
    },
    async stop() {
      stopping = true;
      dialogs.closeAll();
      clearTimeout(ticker);
      // The app is gone (the container is removed first): what it saved is final now.
      await Promise.all([...saves].map(([name, save]) => copy(name, save)));
      exchange.remove();
    },
  };
}

/** How often saves are looked at: while one changed in the last BUSY_FOR_MS, and after. */
const BUSY_POLL_MS = 40;
const IDLE_POLL_MS = 1000;
const BUSY_FOR_MS = 30_000;

const markOf = (mark: FileMark) => `${mark.regular}:${mark.ino}:${mark.size}:${mark.mtimeMs}`;
