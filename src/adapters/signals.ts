import { SIGNAL_CODES } from "../core/instance/signals.ts";

/** Calls back on SIGINT, SIGTERM and SIGHUP (the signals SIGNAL_CODES knows); returns a function that unsubscribes. */
export function onTerminate(handler: (signal: string) => void): () => void {
  const listeners = Object.keys(SIGNAL_CODES).map((signal) => [signal, () => handler(signal)] as const);
  for (const [signal, listener] of listeners) process.on(signal, listener);
  return () => {
    for (const [signal, listener] of listeners) process.off(signal, listener);
  };
}

/** Waits `ms`, or less when `signal` aborts first. */
export function sleepUnless(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
