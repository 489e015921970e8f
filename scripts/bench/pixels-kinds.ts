/** The pixels benchmark's three clients, and how it takes turns between them. */
import { log } from "./process.ts";

/** Where a client runs: the host, or inside an instance with `mit-shm` "fd" or "off". */
export type Kind = "host" | "fd" | "off";

const KINDS: readonly Kind[] = ["host", "fd", "off"];

/**
 * Measures each kind `rounds` times, the order turning by one each round so no kind always
 * goes first (a warm cache, a quiet moment); logs each result with `describe`.
 */
export async function interleave<T>(
  what: string,
  rounds: number,
  measure: (kind: Kind) => Promise<T>,
  describe: (result: T) => string,
): Promise<Record<Kind, T[]>> {
  const results: Record<Kind, T[]> = { host: [], fd: [], off: [] };
  for (let round = 0; round < rounds; round++) {
    for (const kind of [...KINDS.slice(round % 3), ...KINDS.slice(0, round % 3)]) {
      const result = await measure(kind);
      results[kind].push(result);
      log(`  ${what} ${round + 1} ${kind.padEnd(4)} ${describe(result)}`);
    }
  }
  return results;
}
