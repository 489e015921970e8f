/**
 * The host's notification server, reached as a client of the desktop's session bus
 * ($DBUS_SESSION_BUS_ADDRESS). Connected on the first notification, not at start: most
 * sessions never notify, and a desktop without a bus must not slow or stop a run.
 */

import type { HostNotification } from "../core/desktop-bus/notifications.ts";
import { messageOf } from "../core/errors.ts";
import type { HostNotifier } from "../ports/desktop-bus-calls.ts";

/** A server that does not answer by then is as good as none; the app gets an error and runs on. */
const CALL_TIMEOUT_MS = 5_000;

export function createHostNotifier(env: Record<string, string | undefined>): HostNotifier {
  let connection: Promise<{ bus: import("dbus-next").MessageBus; dbus: typeof import("dbus-next") }> | undefined;
  const connect = () =>
    (connection ??= (async () => {
      const address = env.DBUS_SESSION_BUS_ADDRESS;
      if (!address) throw new Error("DBUS_SESSION_BUS_ADDRESS is not set");
      const dbus = (await import("dbus-next")).default;
      const bus = dbus.sessionBus({ busAddress: address });
      // A bus that goes away is reconnected on the next notification.
      bus.on("error", () => (connection = undefined));
      return { bus, dbus };
    })().catch((error) => {
      connection = undefined;
      throw error;
    }));
  const call = async (member: string, signature: string, body: (dbus: typeof import("dbus-next")) => unknown[]) => {
    const { bus, dbus } = await connect();
    const message = new dbus.Message({
      destination: "org.freedesktop.Notifications",
      path: "/org/freedesktop/Notifications",
      interface: "org.freedesktop.Notifications",
      member,
      signature,
      body: body(dbus),
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>(
      (_, reject) =>
        (timer = setTimeout(() => reject(new Error("the notification server did not answer")), CALL_TIMEOUT_MS)),
    );
    try {
      return await Promise.race([bus.call(message), timeout]);
    } catch (error) {
      // dbus-next rejects with a DBusError whose type names the reason (ServiceUnknown: no server).
      const type = (error as { type?: string }).type;
      throw new Error(type ?? messageOf(error));
    } finally {
      clearTimeout(timer);
    }
  };
  let markup: Promise<boolean> | undefined;
  return {
    // Asked once per session; a server that does not answer is taken to render markup, so the
    // app's body is escaped (shown with &lt; at worst), never rendered.
    rendersMarkup: () =>
      (markup ??= call("GetCapabilities", "", () => [])
        .then((reply) => Array.isArray(reply?.body?.[0]) && (reply.body[0] as unknown[]).includes("body-markup"))
        .catch(() => {
          markup = undefined;
          return true;
        })),
    async notify(note: HostNotification) {
      const reply = await call("Notify", "susssasa{sv}i", (dbus) => [
        note.appName,
        note.replacesId,
        note.appIcon,
        note.summary,
        note.body,
        note.actions,
        { urgency: new dbus.Variant("y", note.urgency) },
        note.expireTimeout,
      ]);
      return Number(reply?.body?.[0] ?? 0);
    },
    async close(id: number) {
      await call("CloseNotification", "u", () => [id]);
    },
    stop() {
      void connection?.then(({ bus }) => bus.disconnect()).catch(() => undefined);
    },
  };
}
