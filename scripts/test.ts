/**
 * The whole test suite, as README.md and .ci/run call it (`npm test`):
 *   0. `biome ci .`: lint and format check of the whole tree (biome.jsonc), counted as one test;
 *      `tsc --noEmit`, the type check Bun does not do, one test too;
 *      then shellcheck over every shell script (scripts/lib/shell-scripts.ts), one test too;
 *   1. set up the test bed (scripts/testbed.sh: Docker engine and the other engines, base image,
 *      Xvfb, pulse, and the tools some unit tests call: zsh, fish, groff), first, so no unit
 *      test skips for want of them;
 *   2. unit tests (pure logic, no Docker, no X);
 *   3. compile dist/dockercask, which the e2e tests drive;
 *   4. e2e tests against the real engines and X servers: every file on rootful Docker, then
 *      ENGINE_SUBSET again on each other engine the test bed runs (DOCKER_HOST set to it),
 *      and on every engine the files of each desktop in DESKTOPS;
 *   5. a matrix of engine x desktop: passed/failed.
 * Ends with one line `N passed, N failed, N skipped`. In CI (CI=true) a skipped test fails
 * the run unless test/allowed-skips.ts lists it with its reason.
 *
 *   bun scripts/test.ts            everything
 *   bun scripts/test.ts --unit     the lint and format check, the type check, shellcheck, and the unit tests
 *   bun scripts/test.ts --e2e [filter...]   only e2e (filters go to bun test)
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import pkg from "../package.json" with { type: "json" };
import { ALLOWED_SKIPS } from "../test/allowed-skips.ts";
import { compile } from "./build.ts";
import { parseBunTestOutput, summaryLine, type TestReport, unlistedSkips } from "./lib/test-report.ts";
import { lintShell } from "./lint-shell.ts";

const root = join(import.meta.dir, "..");
const args = process.argv.slice(2);
const onlyUnit = args.includes("--unit");
const onlyE2e = args.includes("--e2e");
const filters = args.filter((a) => !a.startsWith("--"));
// Per-test limit; [test] timeout in bunfig.toml is ignored by Bun, so it is passed here.
const E2E_TIMEOUT_MS = 10 * 60 * 1000;

/**
 * What every other engine runs: the session (window, teardown), clipboard, sound, the security
 * suite and the engine's own checks. The full suite runs on rootful Docker only, which keeps a
 * cold CI run in budget: each engine has its own image store, so each builds its images once.
 */
const ENGINE_SUBSET = [
  "test/e2e/run.test.ts",
  "test/e2e/network.test.ts",
  "test/e2e/teardown.test.ts",
  "test/e2e/clipboard.test.ts",
  "test/e2e/sound.test.ts",
  "test/e2e/security.test.ts",
  "test/e2e/engines.test.ts",
];
/**
 * The desktops of the matrix, each with the files that run on it. The rest of the suite runs on
 * the first, a bare Xvfb; the others start a desktop of their own (test/e2e/desktops.ts) and run
 * on every engine, since they are short: a window manager's title, raise, close and resize, and
 * a Wayland session's window, clipboard both ways and teardown.
 */
const DESKTOPS: { name: string; files: string[] }[] = [
  { name: "x11-xvfb", files: [] },
  { name: "x11-openbox", files: ["test/e2e/window-manager.test.ts"] },
  { name: "wayland-sway", files: ["test/e2e/wayland.test.ts"] },
];
const DESKTOP_FILES = DESKTOPS.flatMap((d) => d.files);

type Totals = TestReport;

async function bunTest(paths: string[], env: Record<string, string>, extra: string[] = []): Promise<Totals> {
  const proc = Bun.spawn([process.execPath, "test", ...extra, ...paths], {
    cwd: root,
    env: { ...process.env, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  // Bun prints its summary on stderr; tee both streams and keep the text to count.
  const tee = async (stream: ReadableStream<Uint8Array>, out: NodeJS.WriteStream) => {
    let text = "";
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      out.write(chunk);
      text += decoder.decode(chunk, { stream: true });
    }
    return text;
  };
  const [code, out, err] = await Promise.all([
    proc.exited,
    tee(proc.stdout, process.stdout),
    tee(proc.stderr, process.stderr),
  ]);
  const totals = parseBunTestOutput(out + err);
  // A crash before the summary (or a failing file with no tests) must not read as success.
  if (code !== 0 && totals.failed === 0) {
    totals.failed = 1;
    totals.failedTests.push({ file: paths.join(" "), test: `bun test exited with ${code} before its summary` });
  }
  return totals;
}

/**
 * One command as one counted test: quiet when it passes, its report shown when it fails.
 * `failed` says what to run to see or fix it.
 */
async function commandAsTest(name: string, argv: string[], clean: string, failed: string): Promise<Totals> {
  const result = (passed: boolean): Totals => ({
    passed: passed ? 1 : 0,
    failed: passed ? 0 : 1,
    skipped: 0,
    skippedTests: [],
    failedTests: passed ? [] : [{ file: "-", test: name }],
  });
  try {
    const proc = Bun.spawn(argv, { cwd: root, stdout: "pipe", stderr: "pipe" });
    const [code, out, err] = await Promise.all([
      proc.exited,
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
    ]);
    if (code === 0) {
      console.error(`${name}: ${clean}`);
      return result(true);
    }
    process.stderr.write(out + err);
    console.error(`${name} failed (exit code ${code}): ${failed}`);
  } catch (error) {
    console.error(
      `${name} could not run (${error instanceof Error ? error.message : String(error)}): run \`npm ci\` first`,
    );
  }
  return result(false);
}

/** Lint and format check: `biome ci` writes nothing and fails on any finding. */
const lintAndFormat = () =>
  commandAsTest(
    "biome ci",
    [join(root, "node_modules/.bin/biome"), "ci", ...(process.stderr.isTTY ? [] : ["--colors=off"]), "."],
    "lint and format clean",
    "`npm run lint` lists the findings, `npm run format` rewrites the format",
  );

/**
 * Type check: Bun runs and bundles TypeScript without checking its types, so without this no
 * run would notice a type error (an error code errors.ts does not list, say).
 */
const typecheck = () =>
  commandAsTest(
    "tsc --noEmit",
    [join(root, "node_modules/.bin/tsc"), "--noEmit", ...(process.stderr.isTTY ? [] : ["--pretty", "false"])],
    "types check",
    "`npm run typecheck` lists the same errors",
  );

async function setUpTestBed(): Promise<Record<string, string>> {
  const proc = Bun.spawn(["bash", join(root, "scripts/testbed.sh")], { stdout: "pipe", stderr: "inherit" });
  const [code, out] = await Promise.all([proc.exited, new Response(proc.stdout).text()]);
  if (code !== 0) throw new Error(`scripts/testbed.sh failed with exit code ${code}`);
  const env: Record<string, string> = {};
  for (const line of out.split("\n")) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line);
    if (match) env[match[1]!] = match[2]!;
  }
  return env;
}

const totals: Totals = { passed: 0, failed: 0, skipped: 0, skippedTests: [], failedTests: [] };
const add = (t: Totals) => {
  totals.passed += t.passed;
  totals.failed += t.failed;
  totals.skipped += t.skipped;
  totals.skippedTests.push(...t.skippedTests);
  totals.failedTests.push(...t.failedTests);
};

const fail = (error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`test harness: ${message}`);
  totals.failed += 1;
  totals.failedTests.push({ file: "-", test: `test harness: ${message}` });
};

try {
  // First, and not for a focused e2e run: a format slip should not hide behind e2e minutes.
  if (!onlyE2e) add(await lintAndFormat());
  if (!onlyE2e) add(await typecheck());
  // The test bed first when e2e runs too: it installs what some unit tests call (zsh, fish,
  // groff). The unit tests run even when it fails; the e2e tests cannot.
  const env = onlyUnit ? undefined : await setUpTestBed().catch(fail);
  if (!onlyE2e) add(await lintShell(root));
  if (!onlyE2e) add(await bunTest(["test/unit"], {}));
  if (env) {
    const started = Date.now();
    await compile({ outfile: join(root, "dist/dockercask"), version: pkg.version, commit: "test" });
    console.error(`compiled dist/dockercask in ${Date.now() - started} ms`);
    const e2e = (paths: string[], extra: Record<string, string>) =>
      bunTest(paths, { ...env, DOCKERCASK_E2E: "1", ...extra }, ["--timeout", String(E2E_TIMEOUT_MS)]);
    const engines = (env.DOCKERCASK_TEST_ENGINES ?? "")
      .split(",")
      .filter(Boolean)
      .map((e) => e.split("=") as [string, string]);
    const matrix: { engine: string; desktop: string; result: Totals; seconds: number }[] = [];
    const allFiles = readdirSync(join(root, "test/e2e"))
      .filter((f) => f.endsWith(".test.ts"))
      .map((f) => `test/e2e/${f}`)
      .sort();
    const named = (file: string) => !filters.length || filters.some((f) => file.endsWith(f) || f.endsWith(file));
    for (const [engine, host] of engines.length ? engines : [["docker", ""] as [string, string]]) {
      const full = engine === "docker";
      // rootful Docker is the engine's default socket: no DOCKER_HOST, as a user would have it.
      const engineEnv = { DOCKERCASK_TEST_ENGINE: engine, ...(full ? {} : { DOCKER_HOST: host }) };
      for (const desktop of DESKTOPS) {
        // With filters, every engine runs the files named (those of the subset, on the others).
        const files = desktop.files.length
          ? desktop.files
          : full
            ? allFiles.filter((f) => !DESKTOP_FILES.includes(f))
            : ENGINE_SUBSET;
        const paths = files.filter(named);
        if (!paths.length) continue;
        const started = Date.now();
        console.error(
          `\n=== e2e on ${engine}, ${desktop.name} (${full || desktop.files.length ? "all its files" : "subset"}) ===`,
        );
        const result = await e2e(paths, engineEnv);
        add(result);
        matrix.push({ engine, desktop: desktop.name, result, seconds: Math.round((Date.now() - started) / 1000) });
      }
    }
    printMatrix(matrix, env);
  }
} catch (error) {
  fail(error);
}

/** engine x desktop, before the summary line (which stays last: .ci/run greps it). */
function printMatrix(
  rows: { engine: string; desktop: string; result: Totals; seconds: number }[],
  env: Record<string, string>,
): void {
  const desktops = [...new Set(rows.map((r) => r.desktop))];
  const cell = (engine: string, desktop: string) => {
    const row = rows.find((r) => r.engine === engine && r.desktop === desktop);
    if (!row) return "-";
    return `${row.result.failed ? "FAILED" : "passed"} (${row.result.passed}/${row.result.passed + row.result.failed}, ${row.seconds}s)`;
  };
  const engines = [...new Set(rows.map((r) => r.engine))];
  const width = Math.max(16, ...engines.map((e) => e.length));
  const columns = desktops.map((d) => Math.max(d.length, ...engines.map((e) => cell(e, d).length)));
  const line = (first: string, cells: string[]) =>
    `  ${first.padEnd(width)}  ${cells.map((c, i) => c.padEnd(columns[i]!)).join("  ")}`.trimEnd();
  const lines = ["", "engine x desktop", line("", desktops)];
  for (const engine of engines)
    lines.push(
      line(
        engine,
        desktops.map((d) => cell(engine, d)),
      ),
    );
  // Rootless engines run only where they can enforce limits; elsewhere dockercask refuses them,
  // which engines.test.ts checks from the rootful Docker pass.
  const rootless = (env.DOCKERCASK_TEST_ROOTLESS_ENGINES ?? "")
    .split(",")
    .filter(Boolean)
    .map((e) => e.split("=")[0]);
  if (rootless.length)
    lines.push(
      `  not in the matrix: ${rootless.join(", ")} (${env.DOCKERCASK_TEST_CGROUP === "1" ? "cgroup v1: refused, as tested in engines.test.ts" : "rootless runs in engines.test.ts"})`,
    );
  // An engine the test bed could not bring up (Debian 13's packages out of reach, say).
  for (const missing of (env.DOCKERCASK_TEST_MISSING_ENGINES ?? "").split(",").filter(Boolean))
    lines.push(`  not in the matrix: ${missing}`);
  console.log(lines.join("\n"));
}

// In CI a skip is a test that could have failed and did not run: only a listed one may.
const unlisted = process.env.CI === "true" ? unlistedSkips(totals.skippedTests, ALLOWED_SKIPS) : [];
for (const s of unlisted)
  console.error(`test harness: skipped in CI, and not in test/allowed-skips.ts: ${s.file}: ${s.test}`);
if (unlisted.length) {
  totals.failed += 1;
  totals.failedTests.push({ file: "-", test: "skips not in test/allowed-skips.ts" });
}

// CI shows the tail of a run: name what failed right above the summary.
if (totals.failedTests.length)
  console.log(["failed:", ...totals.failedTests.map((t) => `  ${t.file}: ${t.test}`)].join("\n"));
console.log(summaryLine(totals));
process.exitCode = totals.failed > 0 ? 1 : 0;
