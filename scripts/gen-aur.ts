/**
 * Writes packaging/aur/PKGBUILD and packaging/aur/.SRCINFO for dockercask-bin from the release
 * build in dist/release (its version and SHA256SUMS), so the AUR package always names the
 * checksums of the files that were actually built. Run it after `bun scripts/build.ts --release`
 * for the release being published.
 *
 *   bun scripts/gen-aur.ts [--out DIR] [--pkgrel N]
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import pkg from "../package.json" with { type: "json" };
import { RELEASE_DIR } from "./build.ts";
import { describeAurPackage, renderPkgbuild, renderSrcinfo } from "./lib/aur.ts";
import { srcinfoFromPkgbuild } from "./lib/aur-check.ts";
import { CHECKSUMS_FILE, parseChecksums } from "./lib/release.ts";

const root = join(import.meta.dir, "..");
const AUR_DIR = join(root, "packaging/aur");

function generateAur(options: { out?: string; release?: string; pkgrel?: number } = {}): string[] {
  const out = options.out ?? AUR_DIR;
  const sums = parseChecksums(readFileSync(join(options.release ?? RELEASE_DIR, CHECKSUMS_FILE), "utf8"));
  const aur = describeAurPackage(pkg.version, sums, options.pkgrel ?? 1);
  mkdirSync(out, { recursive: true });
  const files = [join(out, "PKGBUILD"), join(out, ".SRCINFO")];
  writeFileSync(files[0]!, renderPkgbuild(aur));
  writeFileSync(files[1]!, renderSrcinfo(aur));
  // What makepkg would read from the PKGBUILD must be what the .SRCINFO says.
  if (srcinfoFromPkgbuild(files[0]!) !== readFileSync(files[1]!, "utf8"))
    throw new Error(`${files[0]} and ${files[1]} disagree`);
  return files;
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { out: { type: "string" }, pkgrel: { type: "string" } } });
  const files = generateAur({ out: values.out, pkgrel: values.pkgrel ? Number(values.pkgrel) : undefined });
  for (const file of files) console.error(`wrote ${relative(process.cwd(), file)}`);
}
