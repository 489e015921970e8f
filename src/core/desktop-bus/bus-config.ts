import type { LeftoverProcess } from "../instance/leftovers.ts";
/**
 * The configuration of an instance's own D-Bus daemon. The app gets a real session bus (Hello,
 * names, matches: what libdbus, GDBus and Electron expect) whose only other peer is the
 * supervisor, and which carries only the calls the bridge serves. dbus-daemon enforces it:
 * a malformed, oversized or unlisted message is refused by the daemon before the supervisor
 * sees it.
 */

export const PORTAL_NAME = "org.freedesktop.portal.Desktop";
export const PORTAL_PATH = "/org/freedesktop/portal/desktop";
export const OPEN_URI_INTERFACE = "org.freedesktop.portal.OpenURI";
export const FILE_CHOOSER_INTERFACE = "org.freedesktop.portal.FileChooser";
/** The object a portal call answers with, whose Response signal carries the result. */
export const REQUEST_INTERFACE = "org.freedesktop.portal.Request";
export const NOTIFICATIONS_NAME = "org.freedesktop.Notifications";
export const NOTIFICATIONS_PATH = "/org/freedesktop/Notifications";

/** The largest message the bus passes: a 64 KiB URL and its framing fit, a flood of bytes does not. */
const MAX_MESSAGE_BYTES = 128 * 1024;

/** Methods the app may call, by destination and interface (a missing member list: every method of it). */
const ALLOWED: { destination: string; interface: string; members?: string[] }[] = [
  // The bus itself: Hello, names and matches. Not its Monitoring or Debug interfaces.
  { destination: "org.freedesktop.DBus", interface: "org.freedesktop.DBus" },
  { destination: "org.freedesktop.DBus", interface: "org.freedesktop.DBus.Peer" },
  { destination: PORTAL_NAME, interface: OPEN_URI_INTERFACE, members: ["OpenURI", "SchemeSupported"] },
  // The file chooser (core/files/file-chooser.ts), served only under `files = "ask"`, and Close of
  // its dialog; only the request's own client may close it (services/file-chooser.ts).
  { destination: PORTAL_NAME, interface: FILE_CHOOSER_INTERFACE, members: ["OpenFile", "SaveFile"] },
  { destination: PORTAL_NAME, interface: REQUEST_INTERFACE, members: ["Close"] },
  {
    destination: NOTIFICATIONS_NAME,
    interface: NOTIFICATIONS_NAME,
    members: ["Notify", "GetCapabilities", "GetServerInformation", "CloseNotification"],
  },
  // Clients read the portal's version property and introspect before calling.
  { destination: PORTAL_NAME, interface: "org.freedesktop.DBus.Properties", members: ["Get", "GetAll"] },
  { destination: PORTAL_NAME, interface: "org.freedesktop.DBus.Introspectable" },
  { destination: NOTIFICATIONS_NAME, interface: "org.freedesktop.DBus.Introspectable" },
];

export function buildBusConfig(socketPath: string): string {
  const allows = ALLOWED.flatMap((rule) =>
    (rule.members ?? [undefined]).map(
      (member) =>
        `    <allow send_destination="${rule.destination}" send_interface="${rule.interface}"${member ? ` send_member="${member}"` : ""} send_type="method_call"/>`,
    ),
  );
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${escapeXml(escapeAddressValue(socketPath))}</listen>
  <!-- EXTERNAL for an app that runs as our uid; ANONYMOUS when it runs as another (we are root).
       Only the container, and we, can reach the socket: it lives in the 0700 runtime dir. -->
  <auth>EXTERNAL</auth>
  <auth>ANONYMOUS</auth>
  <allow_anonymous/>
  <!-- No service directories at all: nothing on the host is ever activated on the app's behalf. -->
  <policy context="default">
    <allow user="*"/>
    <!-- Nothing by default: no method calls, no signals, no eavesdropping. -->
    <deny send_type="method_call"/>
    <deny send_type="signal"/>
    <deny eavesdrop="true"/>
    <!-- Answers to calls that were made, and whatever reaches a connection: as the system bus has it. -->
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
${allows.join("\n")}
    <!-- The portal's answer to OpenURI and the file chooser, which GTK and Qt clients wait for. -->
    <allow send_type="signal" send_interface="${REQUEST_INTERFACE}" send_member="Response"/>
    <allow own="*"/>
  </policy>
  <limit name="max_message_size">${MAX_MESSAGE_BYTES}</limit>
  <limit name="max_incoming_bytes">${MAX_MESSAGE_BYTES * 4}</limit>
  <limit name="max_outgoing_bytes">${MAX_MESSAGE_BYTES * 4}</limit>
  <limit name="max_message_unix_fds">0</limit>
  <limit name="max_completed_connections">16</limit>
  <limit name="max_incomplete_connections">4</limit>
  <limit name="max_connections_per_user">16</limit>
  <!-- 1, not 0: GDBus (libnotify's notify-send) asks StartServiceByName even of a name that is
       owned, and 0 refuses that before the daemon sees the owner. Nothing can be activated:
       there are no service directories. -->
  <limit name="max_pending_service_starts">1</limit>
  <limit name="max_names_per_connection">8</limit>
  <limit name="max_match_rules_per_connection">64</limit>
  <limit name="max_replies_per_connection">16</limit>
  <limit name="auth_timeout">10000</limit>
</busconfig>
`;
}

/** D-Bus address values escape every byte outside [-0-9A-Za-z_/.\\*] as %XX (an instance's `#` among them). */
export function escapeAddressValue(value: string): string {
  return Array.from(new TextEncoder().encode(value), (byte) => {
    const char = String.fromCharCode(byte);
    return /[-0-9A-Za-z_/.\\*]/.test(char) ? char : `%${byte.toString(16).padStart(2, "0")}`;
  }).join("");
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/**
 * An instance's dbus-daemon, as the reaper finds it after its supervisor died: a dbus-daemon
 * whose config file lies under our runtime root (adapters/desktop-bus.ts writes it there).
 */
export const BUS_LEFTOVER: LeftoverProcess = {
  what: "the desktop bus",
  recorded: (state) => (state.busPid ? { pid: state.busPid, start: state.busStart } : undefined),
  isOurs: (argv, runtimeRoot) =>
    /(^|\/)dbus-daemon$/.test(argv[0] ?? "") && argv.some((a) => a.startsWith(`--config-file=${runtimeRoot}/`)),
};
