/**
 * A sliding-window limit for what an app may send out (links, notifications). Pure: the caller
 * passes the time. `first-drop` marks the first refusal of a burst, so the caller logs once
 * per burst and a flood costs one log line, not one per message.
 */
export interface RateLimiter {
  take(nowMs: number): "ok" | "first-drop" | "drop";
}

export function createRateLimiter(options: { max: number; windowMs: number }): RateLimiter {
  const times: number[] = [];
  let dropping = false;
  return {
    take(nowMs) {
      while (times.length && nowMs - times[0]! >= options.windowMs) times.shift();
      if (times.length < options.max) {
        times.push(nowMs);
        dropping = false;
        return "ok";
      }
      if (dropping) return "drop";
      dropping = true;
      return "first-drop";
    },
  };
}

/** Notifications: 5 in any 10 seconds, as the issue asks. */
export const NOTIFICATION_RATE = { max: 5, windowMs: 10_000 } as const;
/** Links: a person clicks a few links a minute; a hostile app must not open a thousand tabs. */
export const LINK_RATE = { max: 5, windowMs: 10_000 } as const;
