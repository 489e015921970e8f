import { busSocket } from "../../core/container/spec.ts";
import { BUS_LEFTOVER } from "../../core/desktop-bus/bus-config.ts";
import { defaultLinksPolicy, defaultMailTarget, type LinksPolicy } from "../../core/desktop-bus/links.ts";
import type { InstanceName } from "../../core/instance/name.ts";
import type { BusService } from "../../ports/desktop-bus-calls.ts";
import { type SessionCapability, withoutIt } from "./capability.ts";

export interface DesktopBusOptions {
  runtimeDir: string;
  instance: InstanceName;
  links: LinksPolicy;
  mail?: LinksPolicy;
  notifications: boolean;
  /** What the other capabilities serve on this bus (session/capability.ts), asked at each call. */
  services: () => BusService[];
}

/** The instance's own D-Bus endpoint for links and notifications (adapters/desktop-bus.ts, services/desktop-bus-calls.ts). */
export interface DesktopBusPort {
  /** Whether the host can run one (dbus-daemon is there); without it the instance has no bus, and nothing is said. */
  available(): boolean;
  start(options: DesktopBusOptions): Promise<{ socket: string; pid: number; stop(): void }>;
  /** The instances there are, for the default mail target. */
  instances(): string[];
}

/** The desktop bus: links and notifications, on a bus of the instance's own that carries nothing else. */
export function createDesktopBusCapability(port: DesktopBusPort): SessionCapability {
  return {
    name: "desktop bus",
    starts: "before-container",
    leftovers: BUS_LEFTOVER,
    async start({ plan, log, busServices }) {
      if (!port.available()) return undefined;
      const { name, settings, policy } = plan;
      const network = settings.network ?? policy.network;
      const options: DesktopBusOptions = {
        runtimeDir: plan.runtimeDir,
        instance: name,
        links: settings.links ?? defaultLinksPolicy(policy.links, network),
        mail: settings.mail ?? defaultMailTarget(port.instances()),
        notifications: settings.notifications ?? policy.notifications,
        services: busServices,
      };
      const bus = await port
        .start(options)
        .catch(withoutIt<Awaited<ReturnType<DesktopBusPort["start"]>>>("links and notifications", log));
      return bus && { socket: busSocket(bus.socket), state: { busPid: bus.pid }, stop: () => bus.stop() };
    },
  };
}
