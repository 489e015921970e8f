/**
 * Reads what `bun test` printed: its totals, and which tests it skipped in which file, so the
 * harness can count skips and refuse the ones nobody chose (test/allowed-skips.ts).
 */

export interface SkippedTest {
  file: string;
  test: string;
}

export interface TestReport {
  passed: number;
  failed: number;
  /** Skipped and todo tests: neither ran. */
  skipped: number;
  skippedTests: SkippedTest[];
}

export function parseBunTestOutput(text: string): TestReport {
  const count = (word: string) => Number(new RegExp(`^\\s*(\\d+) ${word}$`, "m").exec(text)?.[1] ?? 0);
  const skippedTests: SkippedTest[] = [];
  let file = "";
  let recap = false;
  for (const line of text.split("\n")) {
    // Bun names each file on a line of its own ("test/unit/core/man-page.test.ts:") before its tests.
    const header = /^(\S+\.(?:test|spec)\.[cm]?[jt]sx?):$/.exec(line);
    if (header) [file, recap] = [header[1]!, false];
    // After a run of many files Bun repeats the skipped (and failed) tests under "N tests skipped:".
    if (/^\d+ tests? (?:skipped|failed|todo):$/.test(line)) recap = true;
    const skipped = /^\((?:skip|todo)\) (.+?)(?: \[[\d.]+m?s\])?$/.exec(line);
    if (skipped && !recap) skippedTests.push({ file, test: skipped[1]! });
  }
  return { passed: count("pass"), failed: count("fail"), skipped: count("skip") + count("todo"), skippedTests };
}

/** The skipped tests that no entry of `allowed` names. */
export function unlistedSkips(skipped: SkippedTest[], allowed: readonly SkippedTest[]): SkippedTest[] {
  return skipped.filter((s) => !allowed.some((a) => a.file === s.file && a.test === s.test));
}

/** The one line CI reads (.ci/run): it must stay exactly this shape. */
export function summaryLine(totals: { passed: number; failed: number; skipped: number }): string {
  return `${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`;
}
