import { join } from "node:path";

/**
 * The .SRCINFO `makepkg --printsrcinfo` would print for a PKGBUILD (srcinfo-from-pkgbuild.sh
 * sources it in bash, as makepkg does), so a generated .SRCINFO can be checked against its
 * PKGBUILD without an Arch machine.
 */
export function srcinfoFromPkgbuild(pkgbuildPath: string): string {
  const script = join(import.meta.dir, "srcinfo-from-pkgbuild.sh");
  const proc = Bun.spawnSync(["bash", "--norc", script, pkgbuildPath], { stderr: "pipe" });
  if (proc.exitCode !== 0) throw new Error(`sourcing ${pkgbuildPath} failed: ${proc.stderr.toString()}`);
  return proc.stdout.toString();
}
