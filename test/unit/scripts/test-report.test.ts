import { describe, expect, test } from "bun:test";
import { parseBunTestOutput, summaryLine, unlistedSkips } from "../../../scripts/lib/test-report.ts";

const OUTPUT = `bun test v1.4.5 (a7733435c)

test/unit/core/man-page.test.ts:
(pass) renderManPage > has the header [1.45ms]
(skip) renderManPage > groff renders it without a warning

test/unit/core/completion-scripts.test.ts:
(pass) bash > completes [2.00ms]
(skip) zsh > completes commands
(todo) fish > later

2 tests skipped:
(skip) renderManPage > groff renders it without a warning
(skip) zsh > completes commands

 2 pass
 2 skip
 1 todo
 0 fail
 3 expect() calls
Ran 5 tests across 2 files. [14.00ms]
`;

describe("parseBunTestOutput", () => {
  test("counts passes, failures and skips (todo included: it did not run either)", () => {
    const report = parseBunTestOutput(OUTPUT);
    expect([report.passed, report.failed, report.skipped]).toEqual([2, 0, 3]);
  });

  test("names each skipped test with its file, once (not again from the recap at the end)", () => {
    expect(parseBunTestOutput(OUTPUT).skippedTests).toEqual([
      { file: "test/unit/core/man-page.test.ts", test: "renderManPage > groff renders it without a warning" },
      { file: "test/unit/core/completion-scripts.test.ts", test: "zsh > completes commands" },
      { file: "test/unit/core/completion-scripts.test.ts", test: "fish > later" },
    ]);
  });

  test("names each failed test with its file, once (Bun repeats them in a recap too)", () => {
    const text = [
      "test/e2e/a.test.ts:",
      "(pass) x > works [1.00ms]",
      "(fail) x > breaks [2.00ms]",
      "test/e2e/b.test.ts:",
      "(fail) y > times out",
      "",
      "2 tests failed:",
      "(fail) x > breaks [2.00ms]",
      "(fail) y > times out",
      " 1 pass",
      " 2 fail",
    ].join("\n");
    expect(parseBunTestOutput(text).failedTests).toEqual([
      { file: "test/e2e/a.test.ts", test: "x > breaks" },
      { file: "test/e2e/b.test.ts", test: "y > times out" },
    ]);
  });

  test.each([
    ["no summary at all (a crash)", "Segmentation fault", [0, 0, 0]],
    ["failures", " 3 pass\n 2 fail\n", [3, 2, 0]],
    ["a test named like a summary is not one", "(pass) prints 5 pass [1ms]\n 1 pass\n 0 fail\n", [1, 0, 0]],
  ] as const)("%s", (_, text, expected) => {
    const report = parseBunTestOutput(text);
    expect([report.passed, report.failed, report.skipped]).toEqual([...expected]);
  });
});

describe("unlistedSkips", () => {
  const skipped = [
    { file: "a.test.ts", test: "zsh > x" },
    { file: "b.test.ts", test: "needs root" },
  ];
  test.each([
    ["none allowed: every skip is reported", [], skipped],
    ["one allowed", [{ file: "b.test.ts", test: "needs root", reason: "CI is not root" }], [skipped[0]!]],
    ["the same name in another file is not allowed", [{ file: "c.test.ts", test: "needs root", reason: "" }], skipped],
    ["all allowed", skipped, []],
  ] as const)("%s", (_, allowed, expected) => {
    expect(unlistedSkips(skipped, allowed)).toEqual([...expected]);
  });
});

test("the summary line has the shape .ci/run looks for", () => {
  const line = summaryLine({ passed: 12, failed: 0, skipped: 1 });
  expect(line).toBe("12 passed, 0 failed, 1 skipped");
  expect(line).toMatch(/^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$/);
});

test(".ci/run finds the summary line", async () => {
  const ci = await Bun.file(`${import.meta.dir}/../../../.ci/run`).text();
  const pattern = /grep -E '([^']+)' "\$log"/.exec(ci)?.[1];
  expect(pattern).toBeDefined();
  expect(summaryLine({ passed: 3, failed: 1, skipped: 0 })).toMatch(new RegExp(pattern!));
  expect("3 passed, 1 failed").not.toMatch(new RegExp(pattern!));
});
