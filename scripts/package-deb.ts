/**
 * Builds dist/release/dockercask_<version>_amd64.deb from the release build (run
 * `bun scripts/build.ts --release` first): the linux-x64-baseline binary as /usr/bin/dockercask,
 * and from the share tarball the man page, the bash, zsh and fish completions and the icons.
 * Then adds the .deb to SHA256SUMS.
 *
 *   bun scripts/package-deb.ts
 *
 * Needs dpkg-deb and readelf (binutils). Check the result with `lintian <deb>`.
 */

import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import { $ } from "bun";
import pkg from "../package.json" with { type: "json" };
import { SHELLS } from "../src/core/commands/completion.ts";
import { COMPLETION_INSTALL_PATHS } from "../src/core/commands/completion-scripts.ts";
import { RELEASE_DIR, sourceDateEpoch, writeChecksums } from "./build.ts";
import { changelogDate, libcDependency, renderChangelog, renderControl, renderCopyright } from "./lib/deb.ts";
import { binaryName, debName, RELEASE_TARGETS, shareFolderName, shareTarballName } from "./lib/release.ts";

const root = join(import.meta.dir, "..");

async function packageDeb(): Promise<string> {
  const version = pkg.version;
  const target = RELEASE_TARGETS.find((t) => t.debian === "amd64")!;
  const binary = join(RELEASE_DIR, binaryName(version, target));
  const tarball = join(RELEASE_DIR, shareTarballName(version));
  for (const input of [binary, tarball]) {
    if (!existsSync(input))
      throw new Error(`${relative(root, input)} is missing: run \`bun scripts/build.ts --release\` first`);
  }
  // The binary says which commit it was built from; the changelog repeats it.
  const versionLine = (await $`${binary} --version`.quiet().text()).trim();
  const commit = /\((.+)\)$/.exec(versionLine)?.[1] ?? "unknown";
  const epoch = await sourceDateEpoch();

  const work = mkdtempSync(join(tmpdir(), "dockercask-deb-"));
  try {
    const pkgRoot = join(work, "root");
    const put = (path: string, content: string | Uint8Array, mode = 0o644) => {
      const file = join(pkgRoot, path);
      mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
      writeFileSync(file, content);
      chmodSync(file, mode);
    };

    mkdirSync(join(pkgRoot, "usr/bin"), { recursive: true });
    copyFileSync(binary, join(pkgRoot, "usr/bin/dockercask"));
    chmodSync(join(pkgRoot, "usr/bin/dockercask"), 0o755);

    await $`tar -xzf ${tarball} -C ${work}`.quiet();
    const share = (path: string) => readFileSync(join(work, shareFolderName(version), path));
    put("usr/share/man/man1/dockercask.1.gz", gzipSync(share("man/dockercask.1"), { level: 9 }));
    for (const shell of SHELLS) {
      const paths = COMPLETION_INSTALL_PATHS[shell];
      put(`usr/${paths.debian}`, share(`completions/${paths.file}`));
    }
    for (const icon of readdirSync(join(work, shareFolderName(version), "icons"))) {
      put(`usr/share/icons/hicolor/scalable/apps/${icon}`, share(`icons/${icon}`));
    }
    put("usr/share/doc/dockercask/copyright", renderCopyright(share("LICENSE").toString()));
    put(
      "usr/share/doc/dockercask/changelog.gz",
      gzipSync(renderChangelog(version, commit, changelogDate(epoch)), { level: 9 }),
    );
    put(
      "usr/share/lintian/overrides/dockercask",
      stripComments(readFileSync(join(root, "packaging/deb/lintian-overrides"), "utf8")),
    );

    const depends = libcDependency(
      await $`readelf --dynamic --wide ${binary}`.quiet().text(),
      await $`readelf --version-info --wide ${binary}`.quiet().text(),
    );

    const files = listTree(pkgRoot);
    put(
      "DEBIAN/md5sums",
      files
        .filter((f) => f.isFile)
        .map((f) => `${md5(join(pkgRoot, f.path))}  ${f.path}\n`)
        .join(""),
    );
    const installedSize = files.reduce((kib, f) => kib + (f.isFile ? Math.ceil(f.size / 1024) : 1), 0);
    put("DEBIAN/control", renderControl({ version, architecture: target.debian!, installedSize, shlibs: depends }));
    for (const f of listTree(pkgRoot)) utimesSync(join(pkgRoot, f.path), epoch, epoch);

    const out = join(RELEASE_DIR, debName(version, target.debian));
    await $`dpkg-deb --root-owner-group -Zxz --build ${pkgRoot} ${out}`
      .env({ ...process.env, SOURCE_DATE_EPOCH: String(epoch) })
      .quiet();
    writeChecksums(RELEASE_DIR);
    return out;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The overrides file explains each override in comments; the installed copy keeps only the tags. */
function stripComments(text: string): string {
  return text
    .split("\n")
    .filter((line) => line.trim() && !line.trimStart().startsWith("#"))
    .map((line) => `${line}\n`)
    .join("");
}

function listTree(dir: string): { path: string; isFile: boolean; size: number }[] {
  const out: { path: string; isFile: boolean; size: number }[] = [];
  const visit = (path: string) => {
    for (const name of readdirSync(path).sort()) {
      const full = join(path, name);
      const rel = relative(dir, full);
      if (rel === "DEBIAN") continue;
      const stat = lstatSync(full);
      out.push({ path: rel, isFile: stat.isFile(), size: stat.size });
      if (stat.isDirectory()) visit(full);
    }
  };
  visit(dir);
  return out;
}

function md5(path: string): string {
  return createHash("md5").update(readFileSync(path)).digest("hex");
}

if (import.meta.main) {
  const started = Date.now();
  const out = await packageDeb();
  console.error(`built ${relative(root, out)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
