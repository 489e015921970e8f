import {
  NOTIFICATIONS_NAME,
  NOTIFICATIONS_PATH,
  OPEN_URI_INTERFACE,
  PORTAL_PATH,
  REQUEST_INTERFACE,
} from "../core/desktop-bus/bus-config.ts";
import { type AppNotification, CAPABILITIES, SERVER_INFORMATION } from "../core/desktop-bus/notifications.ts";
import { requestPath } from "../core/desktop-bus/portal-request.ts";
import { CARRIED_SCHEMES } from "../core/url.ts";
import type { BridgeCall, BridgeReply, BridgeSignal, BusService } from "../ports/desktop-bus-calls.ts";
import type { createLinkRouter } from "./link-router.ts";
import type { createNotificationRelay } from "./notification-relay.ts";

export interface DesktopBridgeDeps {
  links: ReturnType<typeof createLinkRouter>;
  notifications: ReturnType<typeof createNotificationRelay>;
  /** The services the session's capabilities serve on this bus while they run (the file chooser), asked first. */
  services?: () => BusService[];
}

const ACCESS_DENIED = "org.freedesktop.DBus.Error.AccessDenied";
const UNKNOWN = "org.freedesktop.DBus.Error.UnknownMethod";
const INVALID_ARGS = "org.freedesktop.DBus.Error.InvalidArgs";
const FAILED = "org.freedesktop.DBus.Error.Failed";

const PORTAL_INTROSPECTION = `<node><interface name="${OPEN_URI_INTERFACE}"><method name="OpenURI"><arg type="s" name="parent_window" direction="in"/><arg type="s" name="uri" direction="in"/><arg type="a{sv}" name="options" direction="in"/><arg type="o" name="handle" direction="out"/></method><method name="SchemeSupported"><arg type="s" name="scheme" direction="in"/><arg type="a{sv}" name="options" direction="in"/><arg type="b" name="supported" direction="out"/></method><property name="version" type="u" access="read"/></interface></node>`;
const NOTIFICATIONS_INTROSPECTION = `<node><interface name="${NOTIFICATIONS_NAME}"><method name="Notify"><arg type="s" direction="in"/><arg type="u" direction="in"/><arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="as" direction="in"/><arg type="a{sv}" direction="in"/><arg type="i" direction="in"/><arg type="u" direction="out"/></method><method name="CloseNotification"><arg type="u" direction="in"/></method><method name="GetCapabilities"><arg type="as" direction="out"/></method><method name="GetServerInformation"><arg type="s" direction="out"/><arg type="s" direction="out"/><arg type="s" direction="out"/><arg type="s" direction="out"/></method></interface></node>`;
/** The OpenURI version we answer: version 1 has OpenURI alone, which is all we serve. */
const PORTAL_VERSION = 1;

/**
 * What the instance's bus serves: OpenURI (and SchemeSupported) on the portal and the four methods of
 * org.freedesktop.Notifications. Every other call is refused here too, whatever the bus let
 * through (the bus policy in core/desktop-bus/bus-config.ts is the first wall, this the second).
 */
export function createDesktopBridge(deps: DesktopBridgeDeps): { handle(call: BridgeCall): Promise<BridgeReply> } {
  let requests = 0;
  return {
    async handle(call) {
      for (const service of deps.services?.() ?? []) {
        const answer = service.handle(call);
        if (answer) return answer;
      }
      const property = versionProperty(call, OPEN_URI_INTERFACE, PORTAL_VERSION);
      if (property) return property;
      const key = `${call.path} ${call.interface}.${call.member}(${call.signature})`;
      switch (key) {
        case `${PORTAL_PATH} ${OPEN_URI_INTERFACE}.OpenURI(ssa{sv})`: {
          const url = call.body[1] as string;
          const result = await deps.links.open(url);
          if (!result.ok)
            return { ok: false, error: ACCESS_DENIED, message: `dockercask refused the link: ${result.reason}` };
          // A portal answers with a Request object and reports on it; clients wait for its Response.
          const handle = requestPath(call.sender, call.body[2], ++requests);
          const response: BridgeSignal = {
            path: handle,
            interface: REQUEST_INTERFACE,
            member: "Response",
            signature: "ua{sv}",
            body: [0, {}],
            destination: call.sender,
          };
          return { ok: true, signature: "o", body: [handle], signal: response };
        }
        case `${PORTAL_PATH} ${OPEN_URI_INTERFACE}.SchemeSupported(sa{sv})`:
          // Firefox asks before it hands a mailto over; only what OpenURI would carry is "supported".
          return {
            ok: true,
            signature: "b",
            body: [(CARRIED_SCHEMES as readonly string[]).includes(String(call.body[0]).toLowerCase())],
          };
        // The portal's properties of an interface it does not serve.
        case `${PORTAL_PATH} org.freedesktop.DBus.Properties.Get(ss)`:
          return { ok: false, error: INVALID_ARGS, message: "no such property" };
        case `${PORTAL_PATH} org.freedesktop.DBus.Properties.GetAll(s)`:
          return { ok: true, signature: "a{sv}", body: [{}] };
        case `${PORTAL_PATH} org.freedesktop.DBus.Introspectable.Introspect()`:
          return { ok: true, signature: "s", body: [PORTAL_INTROSPECTION] };
        case `${NOTIFICATIONS_PATH} org.freedesktop.DBus.Introspectable.Introspect()`:
          return { ok: true, signature: "s", body: [NOTIFICATIONS_INTROSPECTION] };
        case `${NOTIFICATIONS_PATH} ${NOTIFICATIONS_NAME}.Notify(susssasa{sv}i)`: {
          const [appName, replacesId, appIcon, summary, body, actions, hints, expireTimeout] = call.body as [
            string,
            number,
            string,
            string,
            string,
            string[],
            Record<string, unknown>,
            number,
          ];
          const note: AppNotification = { appName, replacesId, appIcon, summary, body, actions, hints, expireTimeout };
          const result = await deps.notifications.notify(note);
          return result.ok
            ? { ok: true, signature: "u", body: [result.id] }
            : { ok: false, error: FAILED, message: `dockercask: ${result.reason}` };
        }
        case `${NOTIFICATIONS_PATH} ${NOTIFICATIONS_NAME}.CloseNotification(u)`:
          await deps.notifications.close(call.body[0] as number);
          return { ok: true, signature: "", body: [] };
        case `${NOTIFICATIONS_PATH} ${NOTIFICATIONS_NAME}.GetCapabilities()`:
          return { ok: true, signature: "as", body: [[...CAPABILITIES]] };
        case `${NOTIFICATIONS_PATH} ${NOTIFICATIONS_NAME}.GetServerInformation()`:
          return { ok: true, signature: "ssss", body: [...SERVER_INFORMATION] };
        default:
          return { ok: false, error: UNKNOWN, message: "dockercask serves only OpenURI and Notifications here" };
      }
    },
  };
}

/**
 * The one property a portal interface has, its `version`, as clients read it before they call
 * (GTK asks the file chooser's, Firefox OpenURI's); undefined when the call is not for `iface`'s.
 */
export function versionProperty(call: BridgeCall, iface: string, version: number): Promise<BridgeReply> | undefined {
  if (call.path !== PORTAL_PATH || call.body[0] !== iface) return undefined;
  const value = { signature: "u", value: version };
  const member = `${call.interface}.${call.member}(${call.signature})`;
  if (member === "org.freedesktop.DBus.Properties.Get(ss)")
    return Promise.resolve(
      call.body[1] === "version"
        ? { ok: true, signature: "v", body: [value] }
        : { ok: false, error: INVALID_ARGS, message: "no such property" },
    );
  if (member === "org.freedesktop.DBus.Properties.GetAll(s)")
    return Promise.resolve({ ok: true, signature: "a{sv}", body: [{ version: value }] });
  return undefined;
}
