/** A signal that came while the session was starting: the start stops there and tears down. */
export class Interrupted extends Error {
  constructor(readonly signal: string) {
    super(`interrupted by ${signal}`);
  }
}

/** SIGINT, SIGTERM and SIGHUP as the session sees them: the first one wins. */
export interface SessionSignals {
  /** Throws Interrupted if a signal has come: checked between start steps. */
  throwIfReceived(): void;
  /** Resolves with the first signal (at once if it came already). */
  received: Promise<string>;
  stop(): void;
}

/** Calls back on SIGINT, SIGTERM and SIGHUP; returns a function that unsubscribes (adapters/signals.ts). */
export type OnTerminate = (handler: (signal: string) => void) => () => void;

export function watchSignals(onTerminate: OnTerminate): SessionSignals {
  let first: string | undefined;
  let wake: (signal: string) => void = () => {};
  const received = new Promise<string>((resolve) => {
    wake = resolve;
  });
  const stop = onTerminate((signal) => {
    first ??= signal;
    wake(first);
  });
  return {
    throwIfReceived: () => {
      if (first) throw new Interrupted(first);
    },
    received,
    stop,
  };
}
