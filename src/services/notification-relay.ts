import { type AppNotification, toHostNotification } from "../core/desktop-bus/notifications.ts";
import { createRateLimiter, NOTIFICATION_RATE } from "../core/desktop-bus/rate-limit.ts";
import { messageOf } from "../core/errors.ts";
import type { HostNotifier } from "../ports/desktop-bus-calls.ts";

export interface NotificationRelayDeps {
  instance: string;
  enabled: boolean;
  notifier: HostNotifier;
  now: () => number;
  log: { warn(message: string): void; debug(message: string): void };
}

export type NotifyResult = { ok: true; id: number } | { ok: false; reason: string };

/**
 * Carries an app's notifications to the host's server, shaped by core/desktop-bus/notifications.ts
 * and rate-limited. Where notifications are off, or the host has no server, the app gets an
 * error and runs on.
 */
export function createNotificationRelay(deps: NotificationRelayDeps) {
  const limiter = createRateLimiter(NOTIFICATION_RATE);
  const given = new Set<number>();
  let saidNoServer = false;
  return {
    async notify(note: AppNotification): Promise<NotifyResult> {
      if (!deps.enabled) return { ok: false, reason: `notifications are off for ${deps.instance}` };
      const taken = limiter.take(deps.now());
      if (taken !== "ok") {
        const reason = `more than ${NOTIFICATION_RATE.max} notifications in ${NOTIFICATION_RATE.windowMs / 1000} s`;
        if (taken === "first-drop") deps.log.warn(`notifications: dropping those of ${deps.instance}: ${reason}`);
        return { ok: false, reason };
      }
      try {
        const rendersMarkup = await deps.notifier.rendersMarkup();
        const id = await deps.notifier.notify(toHostNotification(deps.instance, note, given, { rendersMarkup }));
        given.add(id);
        return { ok: true, id };
      } catch (error) {
        const reason = `the desktop has no notification server (${messageOf(error)})`;
        if (!saidNoServer) deps.log.warn(`notifications: ${reason}`);
        else deps.log.debug(`notifications: ${reason}`);
        saidNoServer = true;
        return { ok: false, reason: "the desktop has no notification server" };
      }
    },
    async close(id: number): Promise<void> {
      // Only what this instance showed: an app may not close another's notifications.
      if (given.delete(id)) await deps.notifier.close(id).catch(() => undefined);
    },
  };
}
