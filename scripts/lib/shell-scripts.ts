/**
 * Every shell script in the tree, for shellcheck: the files git tracks whose first line runs sh
 * or bash (apps' helpers have no extension), and the AUR PKGBUILD, which is bash that makepkg
 * sources and has no first line to say so. Every exception, and the PKGBUILD's shell, is written
 * inline in the script with its reason (the PKGBUILD's by its generator, scripts/lib/aur.ts), so
 * shellcheck run by hand on any of them says what this runner says.
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
      runs.push({ file, argv: ["shellcheck", join(root, file)] });
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
