/**
 * `run deb:<package>` to a window (issue "Any desktop app from Debian"), cold and warm, against
 * the floor of the startup part (Xephyr and a plain `docker run` of the same image, by hand),
 * measured in the same run:
 *   - cold: no recipe and no image of the app: Debian read, the recipe written, the image built
 *     (the base and Docker's cache of other images as they are), the app started;
 *   - warm: the recipe and image made earlier, `run deb:<package>#...` as a user types it again,
 *     interleaved run by run with the floor.
 *
 *   npx bun scripts/bench.ts --deb [--package NAME (default galculator)] [--runs N] [--write]
 *
 * Needs the test bed (scripts/testbed.sh), dist/dockercask and Debian's mirror.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { parsePolicy } from "../../src/core/catalog/policy.ts";
import { containerUser } from "../../src/core/container/spec.ts";
import { parseDebTarget } from "../../src/core/deb/target.ts";
import { fail } from "./errors.ts";
import { measureFloor, type Sample, type StartupSetup } from "./floor.ts";
import { runStandalone, wholeNumber } from "./part.ts";
import { log, sh } from "./process.ts";
import { machineLines, ms, table, timingRow, writeDoc } from "./report.ts";
import { inOwnSandbox } from "./sandbox.ts";
import { measureDockercask } from "./startup.ts";
import { median } from "./stats.ts";

const ROOT = join(import.meta.dir, "../..");
const MARKERS = ["<!-- bench-deb:start -->", "<!-- bench-deb:end -->"] as const;
/** As the catalog's apps: the warm start within 1.15 x the floor. */
const TARGET_RATIO = 1.15;
const COLD_TIMEOUT_MS = 15 * 60 * 1000;
const FLAGS = {
  package: { type: "string", default: "galculator" },
  runs: { type: "string", default: "10" },
  write: { type: "boolean", default: false },
} as const;
const USAGE = "usage: bun scripts/bench.ts --deb [--package NAME (default galculator)] [--runs N (>= 3)] [--write]";

export function runDebBench(argv: string[]): Promise<number> {
  return runStandalone(argv, {
    flags: FLAGS,
    usage: USAGE,
    read(values) {
      const options = { pkg: values.package, runs: wholeNumber("runs", values.runs, 3), write: values.write };
      // The rule `deb:` names a package by: its error says what is wrong with the name.
      parseDebTarget(`deb:${options.pkg}`);
      return options;
    },
    run: main,
  });
}

async function main({ pkg, runs, write }: { pkg: string; runs: number; write: boolean }) {
  await inOwnSandbox(join(ROOT, "dist/dockercask"), async (box) => {
    // Made once to learn the app's name (and to build the base it stands on).
    const made = await sh([box.bin, "build", `deb:${pkg}`], box.env);
    if (made.code !== 0) fail(`dockercask build deb:${pkg} failed:\n${made.stderr}`);
    const listing = JSON.parse((await sh([box.bin, "list", "--json"], box.env)).stdout) as {
      apps: { name: string; madeFrom?: string }[];
    };
    const app = listing.apps.find((a) => a.madeFrom === `deb:${pkg}`)?.name ?? fail(`no app made from deb:${pkg}`);
    const image = `dockercask/${app}`;
    const labels = JSON.parse(
      (await sh(["docker", "image", "inspect", "-f", "{{json .Config.Labels}}", image])).stdout,
    );
    const policy = parsePolicy(labels ?? {});
    if (!policy.ok) fail(`the labels of ${image} are not a valid policy: ${policy.problems.join("; ")}`);
    const setup = (id: string): StartupSetup => ({
      ...box,
      app,
      appClass: app,
      pollMs: 5,
      instance: `${app}#${id}`,
      runAs: `deb:${pkg}#${id}`,
      policy,
      user: containerUser({ uid: process.getuid!(), gid: process.getgid!() }),
    });

    // Cold: the recipe and the image gone (the image's own layers with it).
    rmSync(join(box.configHome, "dockercask/apps", app), { recursive: true, force: true });
    await sh(["docker", "rmi", "-f", image]);
    log(`cold: run deb:${pkg} with no recipe and no image`);
    const cold = await measureDockercask({ ...setup(`bench-cold-${process.pid}`), timeoutMs: COLD_TIMEOUT_MS });
    log(`  cold ${ms(cold.total)} ms`);

    // The same app by its own name beside it: what the deb: step adds to any run of a user recipe.
    const results = { deb: [] as Sample[], name: [] as Sample[], floor: [] as Sample[] };
    const kinds = ["deb", "name", "floor"] as const;
    for (let i = 0; i <= runs; i++) {
      const order = [...kinds.slice(i % 3), ...kinds.slice(0, i % 3)];
      for (const kind of order) {
        const s = setup(`bench-${process.pid}`);
        const sample =
          kind === "floor"
            ? await measureFloor(s)
            : await measureDockercask(kind === "deb" ? s : { ...s, runAs: s.instance });
        if (i > 0) results[kind].push(sample);
        log(`  ${i === 0 ? "warm-up" : `run ${i}`} ${kind.padEnd(6)} ${ms(sample.total).padStart(8)} ms`);
      }
    }
    const totals = (kind: keyof typeof results) => results[kind].map((s) => s.total);
    const ratio = median(totals("deb")) / median(totals("floor"));
    const text = [
      await machineLines(box.bin),
      `- command: \`npx bun scripts/bench.ts --deb --package ${pkg} --runs ${runs} --write\``,
      "",
      `\`run deb:${pkg}\` (the app \`${app}\`) to its window mapped, ms; warm: median of ${runs} runs each after 1 warm-up, interleaved with the floor:`,
      "",
      table(
        ["", "median", "p90", "min", "max"],
        [
          [`cold: Debian read, recipe written, image built, app started`, ms(cold.total), "", "", ""],
          timingRow(`warm: dockercask run deb:${pkg}#bench-<pid>`, totals("deb")),
          timingRow(`warm: dockercask run ${app}#bench-<pid>, by its name`, totals("name")),
          timingRow("floor (Xephyr + docker run, by hand)", totals("floor")),
        ],
      ),
      "",
      `warm ratio deb/floor: ${ratio.toFixed(3)}; target <= ${TARGET_RATIO} x floor: ${ratio <= TARGET_RATIO ? "PASS" : "FAIL"}. ` +
        `By its name: ${(median(totals("name")) / median(totals("floor"))).toFixed(3)} x floor; the two medians differ by ${ms(median(totals("deb")) - median(totals("name")))} ms.`,
      "",
      `The cold start is the mirror's and the build's: reading the package (apt's lists and the one .deb, about 5 s) and \`dockercask-install ${pkg}\` with its dependencies. A warm \`deb:\` costs what any run of a user recipe costs: the recipe is found by its source label, and Debian is not asked.`,
    ].join("\n");
    process.stdout.write(`${text}\n`);
    if (write) writeDoc(`${MARKERS[0]}\n${text}\n${MARKERS[1]}`, MARKERS, DOC_SECTION);
  });
}

const DOC_SECTION = `## Apps from Debian packages: \`run deb:<package>\` to a window

Target: the warm start within 1.15 x the floor, as the catalog's apps.

\`npx bun scripts/bench.ts --deb --write\` (\`--package NAME\`, default galculator; \`--runs N\`) times, from
spawning \`dockercask run\` to the app's window mapped in its Xephyr (the startup part's watcher and
floor, above): once cold, with the app's recipe and image removed first (so Debian is read, the
recipe written and the image built, on the base and whatever Docker's cache holds of other
images), then warm, interleaved run by run: \`run deb:<package>#...\`, the same app by its own
name, and the floor.

Where the time goes, warm: the \`deb:\` step itself is a scan of the catalog for the recipe's
source label, about 1 ms (\`build deb:galculator\` and \`build galculator\`, both up to date, take
the same 70 ms, 20 runs each); the run medians differ by 15-20 ms, inside the runs' spread.
What misses 1.15 x is dockercask's own cost over the floor, about 100-120 ms, the same for any
app: the catalog's xeyes measured 1.164 x on this machine the day before (above).
`;
