/** Order statistics the benchmark parts share. */

export const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);

/** Nearest rank: the smallest value with at least p% of the values at or below it. */
export const percentile = (xs: number[], p: number): number => sorted(xs)[Math.max(0, Math.ceil((p / 100) * xs.length) - 1)]!;
