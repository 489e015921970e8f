/**
 * `promise`, unless `ms` pass first: then the error `onTimeout` makes. The timer is cleared
 * either way, so it never keeps the process alive. (Timers only: no I/O, so core may hold it.)
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
