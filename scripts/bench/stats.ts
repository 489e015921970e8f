/** Order statistics the benchmark parts share. */

export const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);

/** Nearest rank: the smallest value with at least p% of the values at or below it. */
export const percentile = (xs: number[], p: number): number =>
  sorted(xs)[Math.max(0, Math.ceil((p / 100) * xs.length) - 1)]!;

/** The middle value; of an even count, the mean of the two middle ones. */
export function median(xs: number[]): number {
  const s = sorted(xs);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
