/**
 * The release artifacts: which binaries, what they are called, the shared data files that
 * every package installs (man page, completions, icons), and SHA256SUMS. Pure functions;
 * scripts/build.ts writes the files.
 */
import { appIconName, GENERIC_ICON } from "../../src/core/catalog/desktop-entry.ts";
import type { CommandInfo } from "../../src/core/commands/command-tree.ts";
import { SHELLS } from "../../src/core/commands/completion.ts";
import { COMPLETION_INSTALL_PATHS, renderCompletionScript } from "../../src/core/commands/completion-scripts.ts";
import { renderManPage } from "../../src/core/commands/man-page.ts";

export interface ReleaseTarget {
  /** Bun's compile target. */
  bun: string;
  /** The artifact's suffix: dockercask-<version>-<suffix>. */
  suffix: string;
  /** What `file` says about a correct binary. */
  machine: RegExp;
  /** The package architectures built from it. */
  debian?: string;
  arch?: string;
}

/**
 * linux-x64 needs AVX2 (Haswell, 2013, and later); linux-x64-baseline runs on any x86-64.
 * The packages use baseline: Debian's amd64 and Arch's x86_64 promise to run on every x86-64
 * CPU, and a CLI that spends its time waiting on Docker and X gains nothing from AVX2.
 */
export const RELEASE_TARGETS: ReleaseTarget[] = [
  { bun: "bun-linux-x64", suffix: "linux-x64", machine: /ELF 64-bit LSB .*x86-64/ },
  {
    bun: "bun-linux-x64-baseline",
    suffix: "linux-x64-baseline",
    machine: /ELF 64-bit LSB .*x86-64/,
    debian: "amd64",
    arch: "x86_64",
  },
  { bun: "bun-linux-arm64", suffix: "linux-arm64", machine: /ELF 64-bit LSB .*ARM aarch64/, arch: "aarch64" },
];

export function binaryName(version: string, target: ReleaseTarget): string {
  return `dockercask-${version}-${target.suffix}`;
}

/** The architecture-independent files, as a tarball whose top folder is `dockercask-<version>/`. */
export function shareTarballName(version: string): string {
  return `dockercask-${version}-share.tar.gz`;
}

export function shareFolderName(version: string): string {
  return `dockercask-${version}`;
}

export function debName(version: string, debianArch = "amd64"): string {
  return `dockercask_${version}_${debianArch}.deb`;
}

export const CHECKSUMS_FILE = "SHA256SUMS";

export interface ShareInputs {
  tree: CommandInfo;
  version: string;
  /** YYYY-MM-DD, for the man page. */
  date: string;
  /** The generic icon, and each built-in app's own icon.svg by app name. */
  genericIcon: string;
  appIcons: Record<string, string>;
  license: string;
}

/**
 * The files every package installs besides the binary, by path inside the share folder:
 * man/dockercask.1, completions/<file>, icons/<name>.svg, LICENSE.
 */
export function renderShareFiles(inputs: ShareInputs): Record<string, string> {
  const files: Record<string, string> = {
    "man/dockercask.1": renderManPage(inputs.tree, { version: inputs.version, date: inputs.date }),
    LICENSE: inputs.license,
    [`icons/${GENERIC_ICON}.svg`]: inputs.genericIcon,
  };
  for (const shell of SHELLS)
    files[`completions/${COMPLETION_INSTALL_PATHS[shell].file}`] = renderCompletionScript(shell);
  for (const [app, svg] of Object.entries(inputs.appIcons)) files[`icons/${appIconName(app)}.svg`] = svg;
  return files;
}

/** `sha256sum` format (two spaces, binary-safe names only), sorted by name so it diffs well. */
export function renderChecksums(sums: Record<string, string>): string {
  return Object.keys(sums)
    .sort()
    .map((name) => `${sums[name]}  ${name}\n`)
    .join("");
}

export function parseChecksums(text: string): Record<string, string> {
  const sums: Record<string, string> = {};
  for (const [i, line] of text.split("\n").entries()) {
    if (!line.trim()) continue;
    const match = /^([0-9a-f]{64}) [ *](\S+)$/.exec(line);
    if (!match) throw new Error(`${CHECKSUMS_FILE} line ${i + 1} is not "<sha256>  <file>": ${line}`);
    sums[match[2]!] = match[1]!;
  }
  return sums;
}
