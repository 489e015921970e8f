/**
 * Every shell script in the tree, for shellcheck: the files git tracks whose first line runs sh
 * or bash (apps' helpers have no extension), and the AUR PKGBUILD, which is bash that makepkg
 * sources. Exceptions are written inline in each script, with their reason; the only ones made
 * here are the PKGBUILD's, which is generated (scripts/lib/aur.ts) and read by makepkg:
 * SC2034, makepkg reads the variables it sets; SC2154, makepkg sets srcdir and pkgdir; SC2164,
 * makepkg runs package() under `set -e`, so a cd that fails stops it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface ShellCheckRun {
  file: string;
  argv: string[];
}

const SHEBANG = /^#!\s*(\/usr\/bin\/env\s+)?(\/bin\/|\/usr\/bin\/)?(ba)?sh\b/;

/** Whether a file's text is a shell script by its first line. */
export function isShellScript(text: string): boolean {
  return SHEBANG.test(text.split("\n", 1)[0] ?? "");
}

/** The shellcheck runs for `files` (paths relative to `root`, as git lists them). */
export function shellCheckRuns(
  root: string,
  files: string[],
  read = (path: string) => readFileSync(path, "utf8"),
): ShellCheckRun[] {
  const runs: ShellCheckRun[] = [];
  for (const file of files) {
    if (file.endsWith("/PKGBUILD") || file === "PKGBUILD") {
      runs.push({ file, argv: ["shellcheck", "--shell=bash", "--exclude=SC2034,SC2154,SC2164", join(root, file)] });
      continue;
    }
    let text: string;
    try {
      text = read(join(root, file));
    } catch {
      continue;
    }
    if (isShellScript(text)) runs.push({ file, argv: ["shellcheck", join(root, file)] });
  }
  return runs;
}
