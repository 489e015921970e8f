/**
 * `npm run lint:sh`, and one counted test of `npm test` (scripts/test.ts): shellcheck over every
 * shell script that scripts/lib/shell-scripts.ts finds.
 */
import { join } from "node:path";
import { shellCheckRuns } from "./lib/shell-scripts.ts";
import type { TestReport } from "./lib/test-report.ts";

/**
 * shellcheck over every shell script, as one test: its findings shown, each file named. It runs
 * once the test bed is up (which installs shellcheck); `--unit` without it says how to get it.
 */
export async function lintShell(root: string): Promise<TestReport> {
  const result = (passed: boolean): TestReport => ({
    passed: passed ? 1 : 0,
    failed: passed ? 0 : 1,
    skipped: 0,
    skippedTests: [],
    failedTests: passed ? [] : [{ file: "-", test: "shellcheck" }],
  });
  const listed = Bun.spawnSync(["git", "ls-files"], { cwd: root });
  const runs = shellCheckRuns(root, new TextDecoder().decode(listed.stdout).split("\n").filter(Boolean));
  let clean = true;
  for (const run of runs) {
    try {
      const proc = Bun.spawn(run.argv, { cwd: root, stdout: "pipe", stderr: "pipe" });
      const [code, out, err] = await Promise.all([
        proc.exited,
        new Response(proc.stdout).text(),
        new Response(proc.stderr).text(),
      ]);
      if (code !== 0) {
        clean = false;
        process.stderr.write(out + err);
      }
    } catch {
      console.error("shellcheck is not installed: `apt-get install shellcheck` (scripts/testbed.sh installs it)");
      return result(false);
    }
  }
  console.error(
    clean
      ? `shellcheck: ${runs.length} shell scripts clean (${runs.map((r) => r.file).join(", ")})`
      : "shellcheck found problems (above)",
  );
  return result(clean && runs.length > 0);
}

if (import.meta.main) process.exitCode = (await lintShell(join(import.meta.dir, ".."))).failed ? 1 : 0;
