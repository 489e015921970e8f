/**
 * What Debian says of a package, asked before anything is built: a throwaway container of the
 * base image, unprivileged and read-only but for /tmp, reads the mirror's package lists (as
 * its own user, into /tmp), downloads the package's .deb alone (not its dependencies) and
 * prints its control fields, its file list, its desktop entries and its SVG icons. The
 * output is one record a line, `<kind> <base64>...`, so nothing a package ships can forge
 * another record; parseProbeOutput reads it strictly.
 */

/** The output's ceiling: the package-name list of a missing package is about 1.3 MB. */
export const MAX_PROBE_OUTPUT = 8 * 1024 * 1024;
export const MAX_ENTRIES = 64;
export const MAX_ICON_BYTES = 256 * 1024;
export const PROBE_TIMEOUT_MS = 5 * 60 * 1000;
/** What labels the probe's container, so a run killed while it probes leaves a container the reaper can name. */
export const PROBE_LABEL = "io.dockercask.deb-probe";

/**
 * Run as `sh -c PROBE_SCRIPT dockercask-deb-probe <package>`. apt's options move its lists and
 * cache into /tmp and leave the locks alone, which lets it run as an unprivileged user.
 */
export const PROBE_SCRIPT = String.raw`set -eu
pkg=$1
cd /tmp
mkdir -p lists/partial cache/archives/partial root
set -- -o Dir::State::Lists=/tmp/lists -o Dir::Cache=/tmp/cache -o Debug::NoLocking=1 -o APT::Sandbox::User=nobody
b64() { base64 -w0; }
say() { printf '%s %s\n' "$1" "$(printf '%s' "$2" | b64)"; }
missing() {
  say missing "$pkg"
  printf 'names %s\n' "$(apt-cache "$@" pkgnames | b64)"
  echo end
  exit 0
}
if ! apt-get "$@" -qq update >update.log 2>&1; then say error "$(tail -n 5 update.log)"; exit 0; fi
# apt reads a name it does not know as a pattern (fire.ox): only the package of that exact name counts.
apt-cache "$@" show --no-all-versions "$pkg" >control 2>/dev/null || missing "$@"
[ "$(sed -n '1s/^Package: //p' control)" = "$pkg" ] || missing "$@"
say control "$(sed '/^$/q' control)"
if ! apt-get "$@" -qq download "$pkg=$(sed -n 's/^Version: //p' control | head -n 1)" >download.log 2>&1; then
  say error "$(tail -n 5 download.log)"; exit 0
fi
set -- "$pkg"_*.deb
[ "$#" -eq 1 ] && [ -f "$1" ] && [ "$(dpkg-deb -f "$1" Package)" = "$pkg" ] || { say error "the download is not the package $pkg"; exit 0; }
deb=$1
dpkg-deb --fsys-tarfile "$deb" >deb.tar || { say error "the package's archive cannot be read"; exit 0; }
rm -f "$deb"
tar -x -f deb.tar -C root --wildcards --no-wildcards-match-slash \
  './usr/share/applications/*.desktop' './usr/share/icons/hicolor/scalable/apps/*.svg' './usr/share/pixmaps/*.svg' 2>/dev/null || true
for kind in entry icon; do
  case $kind in
    entry) set -- root/usr/share/applications/*.desktop ;;
    icon) set -- root/usr/share/icons/hicolor/scalable/apps/*.svg root/usr/share/pixmaps/*.svg ;;
  esac
  n=0
  for file in "$@"; do
    [ -f "$file" ] && ! [ -L "$file" ] || continue
    n=$((n + 1)); [ "$n" -le ${MAX_ENTRIES} ] || break
    printf '%s %s %s\n' "$kind" "$(printf '%s' "$file" | sed 's|^root||' | b64)" "$(head -c ${MAX_ICON_BYTES + 1} "$file" | b64)"
  done
done
# Only where programs are: what the entry's command is looked up among.
printf 'listing %s\n' "$(tar -t -f deb.tar | grep -E '^\./(usr/)?(local/)?(s?bin|games)/[^/]+$' | head -n 4096 | b64)"
echo end
`;

export interface ProbedPackage {
  package: string;
  version: string;
  section: string;
  summary: string;
  /** Every package named in Depends and Pre-Depends, alternatives included, without versions. */
  depends: string[];
  /** The programs the .deb holds (in the bin and games folders), without the leading `.`: `/usr/bin/inkscape`. */
  files: string[];
  entries: { path: string; text: string }[];
  icons: { path: string; text: string }[];
}

export type ProbeResult =
  | { kind: "found"; package: ProbedPackage }
  | { kind: "missing"; names: string[] }
  | { kind: "error"; message: string };

/**
 * Reads the probe's stdout for the package `expected`. Anything it does not expect makes it an
 * error, never a guess: a record that is not base64, one it does not know, an answer cut short
 * (no `end`), a package of another name.
 */
export function parseProbeOutput(output: string, expected: string): ProbeResult {
  let control: Record<string, string> | undefined;
  let files: string[] = [];
  let missing = false;
  let ended = false;
  let names: string[] = [];
  const entries: { path: string; text: string }[] = [];
  const icons: { path: string; text: string }[] = [];
  for (const line of output.split("\n")) {
    if (line === "") continue;
    const [kind, ...fields] = line.split(" ");
    if (ended) return { kind: "error", message: "the probe printed past its end" };
    const bytes = fields.map(decodeBase64);
    if (bytes.some((f) => f === undefined))
      return { kind: "error", message: `the probe's ${kind} record is not base64` };
    const [first = "", second = ""] = (bytes as Uint8Array[]).map((b) => UTF8.decode(b));
    const secondBytes = bytes[1]?.length ?? 0;
    switch (kind) {
      case "end":
        ended = true;
        break;
      case "error":
        return { kind: "error", message: first.trim() || "the package mirror could not be read" };
      case "missing":
        missing = true;
        break;
      case "names":
        names = first.split("\n").filter(Boolean);
        break;
      case "control":
        control = parseControl(first);
        break;
      case "listing":
        files = first
          .split("\n")
          .filter(Boolean)
          .map((p) => p.replace(/^\.\//, "/").replace(/\/$/, ""))
          .filter(Boolean);
        break;
      case "entry":
        if (entries.length < MAX_ENTRIES && secondBytes <= MAX_ICON_BYTES) entries.push({ path: first, text: second });
        break;
      case "icon":
        if (secondBytes <= MAX_ICON_BYTES) icons.push({ path: first, text: second });
        break;
      default:
        return { kind: "error", message: `the probe printed a record it should not: ${JSON.stringify(kind)}` };
    }
  }
  if (!ended) return { kind: "error", message: "the probe's answer was cut short" };
  if (missing) return { kind: "missing", names };
  if (!control?.Package) return { kind: "error", message: "the probe said nothing of the package" };
  if (control.Package !== expected)
    return { kind: "error", message: `the mirror answered with the package ${JSON.stringify(control.Package)}` };
  return {
    kind: "found",
    package: {
      package: control.Package,
      version: control.Version ?? "",
      section: control.Section ?? "",
      summary: (control.Description ?? "").split("\n")[0]!.trim(),
      depends: [control.Depends, control["Pre-Depends"]].flatMap((field) => dependencyNames(field ?? "")),
      files,
      entries,
      icons,
    },
  };
}

/** A control stanza's fields (RFC 822 style; a continuation line joins its field with a newline). */
export function parseControl(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  let last: string | undefined;
  for (const line of text.split("\n")) {
    if (line === "") {
      if (Object.keys(fields).length) break;
      continue;
    }
    if (/^\s/.test(line) && last) {
      fields[last] += `\n${line.trim()}`;
      continue;
    }
    const match = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
    if (!match) continue;
    last = match[1]!;
    fields[last] ??= match[2]!;
  }
  return fields;
}

/** `libc6 (>= 2.34), libgtk-3-0 | libgtk-4-1, python3:any` into the names alone. */
export function dependencyNames(field: string): string[] {
  return field
    .split(/[,|]/)
    .map((part) => part.trim().split(/[\s(:[]/)[0]!)
    .filter(Boolean);
}

const UTF8 = new TextDecoder();

function decodeBase64(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/**
 * The probe's container: the base image's shell, as nobody, with no capabilities, a read-only
 * root and a small /tmp, on the engine's default network (as a build's steps are), since it
 * reads the mirror. Its own memory and process bounds; kept after it exits only until its
 * output is read.
 */
export function probeContainerSpec(pkg: string, image: string) {
  return {
    Image: image,
    Entrypoint: ["/bin/sh"],
    Cmd: ["-c", PROBE_SCRIPT, "dockercask-deb-probe", pkg],
    User: "65534:65534",
    WorkingDir: "/tmp",
    Env: ["LC_ALL=C.UTF-8", "HOME=/tmp"],
    Labels: { [PROBE_LABEL]: pkg },
    HostConfig: {
      // Its answer is read from its log: a log driver that keeps nothing would leave none.
      LogConfig: { Type: "json-file", Config: {} },
      CapDrop: ["ALL"],
      SecurityOpt: ["no-new-privileges"],
      ReadonlyRootfs: true,
      Tmpfs: { "/tmp": "rw,nosuid,nodev,size=512m" },
      Memory: 512 * 1024 * 1024,
      MemorySwap: 512 * 1024 * 1024,
      PidsLimit: 64,
    },
  };
}
