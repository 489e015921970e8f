import { posix } from "node:path";
import { CONTAINER_PATHS } from "../container/spec.ts";

/**
 * The rules for `shared` folders: how an entry of config.toml is read, and which host places
 * no shared folder may be, lie inside, or contain. Pure: the caller resolves symbolic links
 * (adapters/shared-folders.ts) and asks again with the real paths, which this code cannot see.
 */
export interface SharedFolder {
  /** Absolute, normalized, `~` expanded, as written. Whether it exists is for the caller to check. */
  host: string;
  /** Absolute path inside the container, under /home/app. */
  target: string;
  readOnly: boolean;
}

export type SharedFolderResult = { ok: true; folder: SharedFolder } | { ok: false; problem: string };

/** A place that no shared folder may be, lie inside, or contain. */
export interface ProtectedPlace {
  path: string;
  /** Completes "<path> ...", such as "holds your SSH keys". */
  reason: string;
  /** The place as configured, when `path` is where its symbolic links really lead. */
  via?: string;
}

export interface RefusalRules {
  /** The home folder, as written and (once resolved) where it really is. */
  homes: string[];
  /** Most specific first, so a refusal names the thing that matters (the Docker socket, not /run). */
  places: ProtectedPlace[];
}

/** dockercask's own folders and the XDG homes they sit in; unset ones take their XDG defaults. */
export interface HostPlaces {
  home: string;
  /** $XDG_CONFIG_HOME/dockercask */
  config?: string;
  /** $XDG_DATA_HOME/dockercask */
  data?: string;
  /** The runtime root (core/instance/runtime.ts): every instance's cookie and sound socket. */
  runtime?: string;
}

/** Files a login or a shell runs. Shared folders are folders, so these matter through what contains them. */
const SHELL_START_UP_FILES = [
  ".profile",
  ".bashrc",
  ".bash_profile",
  ".bash_login",
  ".bash_logout",
  ".zshrc",
  ".zshenv",
  ".zprofile",
  ".zlogin",
  ".zlogout",
  ".kshrc",
  ".mkshrc",
  ".cshrc",
  ".tcshrc",
  ".xprofile",
  ".xinitrc",
  ".xsession",
  ".xsessionrc",
  ".pam_environment",
];

/** The rules for a host: its home, dockercask's own folders, and the places the host runs or keeps secrets in. */
export function refusalRules(host: HostPlaces): RefusalRules {
  const home = cleanPath(host.home);
  const inHome = (path: string) => posix.join(home, path);
  const config = cleanPath(host.config ?? inHome(".config/dockercask"));
  const data = cleanPath(host.data ?? inHome(".local/share/dockercask"));
  // The XDG homes may be moved by their variables; the usual places are protected as well.
  const configHomes = unique([posix.dirname(config), inHome(".config")]);
  const dataHomes = unique([posix.dirname(data), inHome(".local/share")]);
  const dockerSocket = "is the Docker socket: whoever can reach it is root on the host";
  const runtime = "holds the host's runtime sockets, such as Docker's and your session bus";
  const places: ProtectedPlace[] = [
    { path: "/run/docker.sock", reason: dockerSocket },
    { path: "/var/run/docker.sock", reason: dockerSocket },
    { path: inHome(".Xauthority"), reason: "holds the cookies of your real X display" },
    { path: inHome(".ssh"), reason: "holds your SSH keys" },
    { path: inHome(".gnupg"), reason: "holds your GnuPG keys" },
    { path: data, reason: "holds dockercask's instance homes: an app could read every other instance's files" },
    {
      path: config,
      reason: "holds dockercask's config and recipes: an app could widen its own policy for the next run",
    },
    ...(host.runtime
      ? [
          {
            path: cleanPath(host.runtime),
            reason: "holds dockercask's runtime files: every running instance's X cookie and sound socket",
          },
        ]
      : []),
    ...configHomes.flatMap((dir) => [
      { path: posix.join(dir, "autostart"), reason: "holds programs your desktop starts at login" },
      { path: posix.join(dir, "systemd"), reason: "holds systemd user units, which the host runs" },
      { path: posix.join(dir, "environment.d"), reason: "sets the environment of every program of your session" },
      { path: posix.join(dir, "fish"), reason: "holds fish's start-up files, which your shell runs" },
    ]),
    ...dataHomes.map((dir) => ({
      path: posix.join(dir, "applications"),
      reason: "holds menu entries, whose commands the host runs",
    })),
    { path: inHome(".local/bin"), reason: "holds programs on your PATH, which the host runs" },
    { path: inHome("bin"), reason: "holds programs on your PATH, which the host runs" },
    ...SHELL_START_UP_FILES.map((file) => ({
      path: inHome(file),
      reason: "is a shell start-up file, which the host runs",
    })),
    // The whole point of Xephyr is that the app never reaches the real display's socket.
    { path: "/tmp/.X11-unix", reason: "holds the sockets of your real X displays" },
    { path: "/etc", reason: "holds the host's configuration and password hashes" },
    { path: "/proc", reason: "exposes the host's processes and kernel" },
    { path: "/sys", reason: "exposes the host's kernel and hardware" },
    { path: "/dev", reason: "holds the host's devices; an app gets devices through its io.dockercask.devices label" },
    { path: "/run", reason: runtime },
    { path: "/var/run", reason: runtime },
  ];
  return { homes: [home], places };
}

/**
 * The same rules, each place also protected where it really is: `realPathOf` (an adapter)
 * follows its symbolic links. A ~/.bashrc that points into ~/dotfiles makes ~/dotfiles refused.
 */
export function withRealPaths(rules: RefusalRules, realPathOf: (path: string) => string | undefined): RefusalRules {
  const real = (path: string) => {
    const found = realPathOf(path);
    return found === undefined ? undefined : cleanPath(found);
  };
  const homes = unique(rules.homes.flatMap((home) => [home, real(home) ?? home]));
  const places = rules.places.flatMap((place) => {
    const where = real(place.path);
    return where === undefined || where === place.path
      ? [place]
      : [place, { ...place, path: where, via: place.via ?? place.path }];
  });
  return { homes, places };
}

/** Why a host folder must never be shared, or undefined. Give it the folder's real path and rules `withRealPaths`. */
export function explainRefusedFolder(host: string, rules: RefusalRules): string | undefined {
  const path = cleanPath(host);
  if (path === "/") return "that is the host's whole file system";
  if (rules.homes.includes(path))
    return "that is your whole home folder, with your keys and browser profiles; share a folder inside it";
  const home = rules.homes.find((h) => isInside(h, path));
  if (home) return `it contains your home folder ${home}`;
  // Being one beats containing one: /run is refused as /run, not for the Docker socket inside it.
  const within = rules.places.find((place) => path === place.path || isInside(path, place.path));
  if (within) return `${describePlace(within)} ${within.reason}`;
  const containing = rules.places.find((place) => isInside(place.path, path));
  return containing ? `it contains ${describePlace(containing)}, which ${containing.reason}` : undefined;
}

function describePlace(place: ProtectedPlace): string {
  return place.via ? `${place.path} (where ${place.via} leads)` : place.path;
}

/** One `shared` entry: `~/Music`, `/srv/photos:ro`, `~/Downloads:rw` (read-write is the default). */
export function parseSharedFolder(
  entry: string,
  home: string,
  rules: RefusalRules = refusalRules({ home }),
): SharedFolderResult {
  const fail = (problem: string): SharedFolderResult => ({ ok: false, problem });
  let spec = entry;
  let readOnly = false;
  const mode = /:(ro|rw)$/.exec(spec);
  if (mode) {
    readOnly = mode[1] === "ro";
    spec = spec.slice(0, -mode[0].length);
  }
  // A colon anywhere else would be read as a mode by anyone who writes it as a docker -v bind.
  if (spec.includes(":")) return fail(`a ":" may only start the :ro or :rw suffix`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point of this check.
  if (/[\u0000-\u001f\u007f]/.test(spec)) return fail("it contains a control character");
  if (spec === "") return fail("it is empty");
  const cleanHome = cleanPath(home);
  if (spec === "~") spec = cleanHome;
  else if (spec.startsWith("~/")) spec = cleanHome + spec.slice(1);
  else if (spec.startsWith("~")) return fail("only ~ and ~/... are expanded, not ~user");
  if (!spec.startsWith("/")) return fail("it must be an absolute path or start with ~/");
  // Checked before normalizing, which would resolve them: what is written must be what is shared.
  if (spec.split("/").includes("..")) return fail(`".." is not allowed; write the folder's own path`);
  const host = cleanPath(spec);
  // As written; the real path is checked again when the instance starts (symbolic links).
  const refused = explainRefusedFolder(host, rules);
  if (refused) return fail(`refused: ${refused}`);
  const relative = isInside(host, cleanHome) ? posix.relative(cleanHome, host) : posix.basename(host);
  return { ok: true, folder: { host, target: posix.join(CONTAINER_PATHS.home, relative), readOnly } };
}

/** Without a trailing slash or `.` and `//` segments, so that comparisons mean what they say. */
function cleanPath(path: string): string {
  const normal = posix.normalize(path);
  return normal.length > 1 ? normal.replace(/\/+$/, "") : normal;
}

function isInside(child: string, parent: string): boolean {
  return child !== parent && child.startsWith(parent === "/" ? "/" : `${parent}/`);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
