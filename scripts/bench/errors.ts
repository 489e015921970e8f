/** The benchmark's own errors: a BenchError is shown as its message, without a stack. */
export class BenchError extends Error {}

export function fail(message: string): never {
  throw new BenchError(message);
}
