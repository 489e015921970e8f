/**
 * The text of the .deb's metadata: control file, changelog and copyright. Pure: the
 * package-deb script stages the files and runs dpkg-deb.
 */
import {
  DOCKER_ENGINE,
  HOMEPAGE,
  LICENSE,
  LONG_DESCRIPTION,
  MAINTAINER,
  optionalPackages,
  requiredPackages,
  SUMMARY,
} from "./project.ts";

export interface ControlOptions {
  version: string;
  architecture: string;
  /** Kibibytes the installed files take, as dpkg counts them. */
  installedSize: number;
  /** What the binary needs from the C library, e.g. "libc6 (>= 2.17)" (see libcDependency). */
  shlibs: string;
}

/**
 * Depends: the C library, the required host tools (Xephyr, xauth) and a Docker engine
 * (Debian's docker.io or Docker's docker-ce). Recommends: the optional tools doctor lists
 * (clipboard, sound, raising a window), which switch features on and are not needed to run.
 */
export function renderControl(options: ControlOptions): string {
  const depends = [options.shlibs, ...requiredPackages("debian"), DOCKER_ENGINE.debian.join(" | ")].filter(Boolean);
  const recommends = optionalPackages("debian").map((p) => p.name);
  return [
    "Package: dockercask",
    `Version: ${options.version}`,
    `Architecture: ${options.architecture}`,
    `Maintainer: ${MAINTAINER}`,
    `Installed-Size: ${options.installedSize}`,
    `Depends: ${depends.join(", ")}`,
    `Recommends: ${recommends.join(", ")}`,
    "Section: x11",
    "Priority: optional",
    `Homepage: ${HOMEPAGE}`,
    `Description: ${SUMMARY}`,
    ...LONG_DESCRIPTION.map((line) => ` ${line}`),
    "",
  ].join("\n");
}

/**
 * The changelog of a native package (no Debian revision: upstream builds the .deb itself).
 * `date` is RFC 5322, from the release commit, so rebuilds are byte-identical.
 */
export function renderChangelog(version: string, commit: string, date: string): string {
  return [
    `dockercask (${version}) unstable; urgency=medium`,
    "",
    `  * Release ${version}, built from commit ${commit}.`,
    "",
    ` -- ${MAINTAINER}  ${date}`,
    "",
  ].join("\n");
}

/** An RFC 5322 date as Debian changelogs write it: "Sat, 28 Nov 2026 18:09:44 +0000". */
export function changelogDate(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${days[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/** debian/copyright in the machine-readable format, with the license text in full. */
export function renderCopyright(licenseText: string): string {
  const notice =
    /^Copyright .*$/m.exec(licenseText)?.[0].replace(/^Copyright (\(c\) )?/i, "") ?? "dockercask contributors";
  const body = licenseText
    .replace(/^MIT License\s*\n/, "")
    .replace(/^Copyright .*\n/m, "")
    .trim()
    .split("\n")
    .map((line) => (line.trim() ? ` ${line}` : " ."))
    .join("\n");
  return [
    "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/",
    "Upstream-Name: dockercask",
    `Source: ${HOMEPAGE}`,
    "",
    "Files: *",
    `Copyright: ${notice}`,
    `License: ${LICENSE}`,
    "",
    `License: ${LICENSE}`,
    body,
    "",
  ].join("\n");
}

/** The shared libraries glibc itself provides: a binary that needs only these needs only libc6. */
const GLIBC_LIBRARIES = /^(libc|libm|libdl|libpthread|librt|ld-linux(-[\w-]+)?)\.so\.\d+$/;

/**
 * The libc6 dependency of an ELF binary, from `readelf --dynamic` and `readelf --version-info`:
 * the newest GLIBC_x.y symbol version it references. Not dpkg-shlibdeps: that maps the
 * libpthread and libdl Bun links (and takes no symbol from) to libc6 (>= 2.34), the release
 * that merged them into libc, which would shut out Debian 11 and Ubuntu 20.04 for nothing.
 * Any other library is refused: it would need a dependency of its own.
 */
export function libcDependency(dynamic: string, versionInfo: string): string {
  const needed = [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]!);
  const foreign = needed.filter((lib) => !GLIBC_LIBRARIES.test(lib));
  if (foreign.length)
    throw new Error(`the binary needs ${foreign.join(", ")}, which libc6 does not provide: add a dependency for it`);
  const versions = [...versionInfo.matchAll(/Name: GLIBC_(\d+(?:\.\d+)*)\b/g)].map((m) => m[1]!);
  if (versions.length === 0) throw new Error("no GLIBC symbol versions found in the binary");
  const newest = versions.reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b));
  return `libc6 (>= ${newest})`;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
