/** The candidate closest to `input` by edit distance, if it is close enough to be a likely typo. */
export function suggestNearest(input: string, candidates: string[]): string | undefined {
  return suggestSeveral(input, candidates, 1)[0];
}

/**
 * Up to `count` candidates close enough to `input` to be what was meant, nearest first (ties by
 * length, then in the candidates' order). A candidate `input` begins (three characters or more) counts as one edit.
 */
export function suggestSeveral(input: string, candidates: string[], count: number): string[] {
  const limit = Math.max(2, Math.floor(input.length / 3));
  const near: { candidate: string; distance: number; index: number }[] = [];
  for (const [index, candidate] of candidates.entries()) {
    const prefix = candidate.startsWith(input) && input.length >= 3;
    // The distance is at least the difference in length: most of a long list is passed over here.
    if (!prefix && Math.abs(candidate.length - input.length) > limit) continue;
    const distance = prefix ? 1 : editDistance(input, candidate);
    if (distance <= limit) near.push({ candidate, distance, index });
  }
  // Among equals, the one nearest in length: "inkscap" means inkscape before inkscape-textext.
  const gap = (candidate: string) => Math.abs(candidate.length - input.length);
  near.sort((a, b) => a.distance - b.distance || gap(a.candidate) - gap(b.candidate) || a.index - b.index);
  return near.slice(0, count).map((n) => n.candidate);
}

/** Levenshtein distance with adjacent transpositions counted as one edit ("firfeox"). */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        value = Math.min(value, d[i - 2]![j - 2]! + 1);
      d[i]![j] = value;
    }
  }
  return d[a.length]![b.length]!;
}
