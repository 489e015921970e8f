/**
 * Reads what `bun test` printed: its totals, and which tests it skipped in which file, so the
 * harness can count skips and refuse the ones nobody chose (test/allowed-skips.ts).
 */

export interface NamedTest {
  file: string;
  test: string;
}

export interface TestReport {
  passed: number;
  failed: number;
  /** Skipped and todo tests: neither ran. */
  skipped: number;
  skippedTests: NamedTest[];
  /** The failed tests, named as the skipped ones are: CI shows only the tail of a run, so the harness repeats them last. */
  failedTests: NamedTest[];
}

export function parseBunTestOutput(text: string): TestReport {
  const count = (word: string) => Number(new RegExp(`^\\s*(\\d+) ${word}$`, "m").exec(text)?.[1] ?? 0);
  const skippedTests: NamedTest[] = [];
  const failedTests: NamedTest[] = [];
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
    const failed = /^\(fail\) (.+?)(?: \[[\d.]+m?s\])?$/.exec(line);
    if (failed && !recap) failedTests.push({ file, test: failed[1]! });
  }
  return {
    passed: count("pass"),
    failed: count("fail"),
    skipped: count("skip") + count("todo"),
    skippedTests,
    failedTests,
  };
}

/** The skipped tests that no entry of `allowed` names. */
export function unlistedSkips(skipped: NamedTest[], allowed: readonly NamedTest[]): NamedTest[] {
  return skipped.filter((s) => !allowed.some((a) => a.file === s.file && a.test === s.test));
}

/** The one line CI reads (.ci/run): it must stay exactly this shape. */
export function summaryLine(totals: { passed: number; failed: number; skipped: number }): string {
  return `${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`;
}
