/**
 * Compiles dockercask into one self-contained binary, with every file of apps/ embedded.
 *
 *   bun scripts/build.ts                      dist/dockercask for this machine
 *   bun scripts/build.ts --release [--force]  dist/release/: a binary per target, the share
 *                                             tarball (man page, completions, icons) and SHA256SUMS
 *
 * A release build is skipped when dist/release already holds one made from the same inputs
 * (sources, commit, Bun version); --force builds anyway. The .deb and the AUR files are made
 * from its output by scripts/package-deb.ts and scripts/gen-aur.ts.
 */

import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { $ } from "bun";
import pkg from "../package.json" with { type: "json" };
import { listFiles } from "../src/adapters/user-catalog.ts";
import { DOCKERODE_DEFERRALS, deferModules } from "./lib/defer-modules.ts";
import {
  binaryName,
  CHECKSUMS_FILE,
  RELEASE_TARGETS,
  renderChecksums,
  renderShareFiles,
  shareFolderName,
  shareTarballName,
} from "./lib/release.ts";
import { x11HandshakePatch } from "./lib/x11-handshake.ts";

const root = join(import.meta.dir, "..");
export const RELEASE_DIR = join(root, "dist/release");
const STAMP_FILE = ".build-inputs";

async function gitCommit(): Promise<string> {
  const result = await $`git -C ${root} rev-parse --short=12 HEAD`.quiet().nothrow();
  if (result.exitCode !== 0) return "unknown";
  const dirty = (await $`git -C ${root} status --porcelain --untracked-files=no`.quiet().nothrow()).stdout.length > 0;
  return `${result.stdout.toString().trim()}${dirty ? "-dirty" : ""}`;
}

/** Seconds since the epoch for dates inside artifacts: SOURCE_DATE_EPOCH, else the commit's, so rebuilds match. */
export async function sourceDateEpoch(): Promise<number> {
  if (process.env.SOURCE_DATE_EPOCH && /^\d+$/.test(process.env.SOURCE_DATE_EPOCH))
    return Number(process.env.SOURCE_DATE_EPOCH);
  const result = await $`git -C ${root} log -1 --format=%ct`.quiet().nothrow();
  return result.exitCode === 0 ? Number(result.stdout.toString().trim()) : 0;
}

export async function compile(options: { target?: string; outfile: string; version: string; commit: string }) {
  const result = await Bun.build({
    // The MIT-SHM guard's thread (adapters/shm-guard.ts) is a worker: an entry point of its own.
    entrypoints: [join(root, "src/main.ts"), join(root, "src/adapters/shm-guard-worker.ts")],
    compile: {
      ...(options.target ? { target: options.target as never } : {}),
      outfile: options.outfile,
      // The shipped binary must not change behaviour because of a bunfig.toml or .env in the user's cwd.
      autoloadBunfig: false,
      autoloadDotenv: false,
    },
    minify: true,
    bytecode: true,
    plugins: [deferModules(DOCKERODE_DEFERRALS), x11HandshakePatch()],
    format: "esm",
    sourcemap: "none",
    define: {
      DOCKERCASK_VERSION: JSON.stringify(options.version),
      DOCKERCASK_COMMIT: JSON.stringify(options.commit),
    },
  });
  if (!result.success) {
    for (const message of result.logs) console.error(message);
    throw new Error(`compiling ${options.outfile} failed`);
  }
  return options.outfile;
}

interface ReleaseResult {
  dir: string;
  version: string;
  commit: string;
  files: string[];
  reused: boolean;
}

/** Builds dist/release unless it is up to date with its inputs. */
async function buildRelease(options: { force?: boolean } = {}): Promise<ReleaseResult> {
  const version = pkg.version;
  const commit = await gitCommit();
  const stamp = inputsHash(commit);
  const stampPath = join(RELEASE_DIR, STAMP_FILE);
  const expected = [...RELEASE_TARGETS.map((t) => binaryName(version, t)), shareTarballName(version), CHECKSUMS_FILE];
  const upToDate =
    existsSync(stampPath) &&
    readFileSync(stampPath, "utf8") === stamp &&
    expected.every((f) => existsSync(join(RELEASE_DIR, f)));
  if (upToDate && !options.force) return { dir: RELEASE_DIR, version, commit, files: expected, reused: true };

  rmSync(RELEASE_DIR, { recursive: true, force: true });
  mkdirSync(RELEASE_DIR, { recursive: true });
  for (const target of RELEASE_TARGETS) {
    const started = Date.now();
    await compile({ target: target.bun, outfile: join(RELEASE_DIR, binaryName(version, target)), version, commit });
    console.error(`built ${binaryName(version, target)} in ${Date.now() - started} ms`);
  }
  await writeShareTarball(version);
  writeChecksums(RELEASE_DIR);
  writeFileSync(stampPath, stamp);
  return { dir: RELEASE_DIR, version, commit, files: expected, reused: false };
}

async function writeShareTarball(version: string): Promise<void> {
  const { main } = await import("../src/cli/index.ts");
  const { describeCommandTree } = await import("../src/cli/_command-tree.ts");
  const { builtinApps } = await import("../src/assets/apps.generated.ts");
  const epoch = await sourceDateEpoch();
  const appIcons: Record<string, string> = {};
  for (const [app, files] of Object.entries(builtinApps))
    if (files["icon.svg"] !== undefined) appIcons[app] = files["icon.svg"];
  const files = renderShareFiles({
    tree: await describeCommandTree(main),
    version,
    date: new Date(epoch * 1000).toISOString().slice(0, 10),
    genericIcon: readFileSync(join(root, "packaging/icons/dockercask.svg"), "utf8"),
    appIcons,
    license: readFileSync(join(root, "packaging/LICENSE"), "utf8"),
  });
  const staging = mkdtempSync(join(tmpdir(), "dockercask-share-"));
  try {
    const top = join(staging, shareFolderName(version));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(top, path)), { recursive: true });
      writeFileSync(join(top, path), text);
    }
    // Fixed order, owner, modes and times, and no name or time in the gzip header: the same
    // sources give the same bytes, and so the same checksum.
    const tarball = join(RELEASE_DIR, shareTarballName(version));
    await $`tar --sort=name --owner=0 --group=0 --numeric-owner --mode=u=rwX,go=rX --mtime=@${epoch} --format=gnu -C ${staging} -cf - ${shareFolderName(version)} | gzip -9n > ${tarball}`.quiet();
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** (Re)writes SHA256SUMS over every artifact in `dir`. */
export function writeChecksums(dir: string): Record<string, string> {
  const sums: Record<string, string> = {};
  for (const name of readdirSync(dir)) {
    if (name === CHECKSUMS_FILE || name.startsWith(".") || !statSync(join(dir, name)).isFile()) continue;
    sums[name] = createHash("sha256")
      .update(readFileSync(join(dir, name)))
      .digest("hex");
  }
  writeFileSync(join(dir, CHECKSUMS_FILE), renderChecksums(sums));
  return sums;
}

/** What a release is made from: a change to any of these makes dist/release stale. */
function inputsHash(commit: string): string {
  const hash = createHash("sha256");
  hash.update(`bun ${Bun.version}\ncommit ${commit}\n`);
  const inputs = ["src", "apps", "packaging", "scripts/build.ts", "scripts/lib", "package.json", "package-lock.json"];
  const filesOf = (path: string) => (!existsSync(path) ? [] : statSync(path).isDirectory() ? listFiles(path) : [path]);
  for (const file of inputs.flatMap((p) => filesOf(join(root, p))).sort()) {
    const path = relative(root, file);
    // The AUR files are made from the release, not the other way round.
    if (path.startsWith("packaging/aur/")) continue;
    hash.update(`${path}\0`).update(readFileSync(file)).update("\0");
  }
  return `${hash.digest("hex")}\n`;
}

if (import.meta.main) {
  if (process.argv.includes("--release")) {
    const started = Date.now();
    const result = await buildRelease({ force: process.argv.includes("--force") });
    const what = result.reused ? "up to date" : `built in ${((Date.now() - started) / 1000).toFixed(1)} s`;
    console.error(`release ${result.version} (${result.commit}) in ${relative(root, result.dir)}: ${what}`);
    for (const file of result.files) console.error(`  ${file}`);
  } else {
    const commit = await gitCommit();
    const outfile = await compile({ outfile: join(root, "dist/dockercask"), version: pkg.version, commit });
    console.error(`built ${outfile} (${pkg.version}, ${commit})`);
  }
}
