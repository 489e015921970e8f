/**
 * The host programs dockercask starts, and where a user gets them. Pure data plus the
 * install commands built from it; finding them on PATH is adapters/host-tools.ts's job.
 */

export type Distro = "debian" | "arch" | "fedora";

export interface HostTool {
  /** The program name looked up on PATH. */
  command: string;
  /** What dockercask uses it for, in words a user recognises. */
  purpose: string;
  /** Required to run apps at all; an optional tool only switches a feature off. */
  required: boolean;
  /** The package that provides it, as named by each distribution's own repositories. */
  packages: Record<Distro, string>;
  /** Other packages that provide it too (a vendor repository), for the user who already has one. */
  alternatives?: Partial<Record<Distro, string>>;
}

export const HOST_TOOLS = [
  {
    command: "Xephyr",
    purpose: "the nested X server that is each instance's window",
    required: true,
    packages: { debian: "xserver-xephyr", arch: "xorg-server-xephyr", fedora: "xorg-x11-server-Xephyr" },
  },
  {
    command: "xauth",
    purpose: "writes the per-instance X cookie files",
    required: true,
    packages: { debian: "xauth", arch: "xorg-xauth", fedora: "xorg-x11-xauth" },
  },
  {
    command: "xclip",
    purpose: "clipboard sharing between the desktop and app windows",
    required: false,
    packages: { debian: "xclip", arch: "xclip", fedora: "xclip" },
  },
  {
    command: "pactl",
    purpose: "sound: gives each instance its own PulseAudio socket",
    required: false,
    // Arch ships pactl in the client library package, not in pulseaudio itself.
    packages: { debian: "pulseaudio-utils", arch: "libpulse", fedora: "pulseaudio-utils" },
  },
  {
    command: "docker",
    purpose: "the Docker CLI; only `dockercask shell` uses it, everything else talks to the Engine API",
    required: false,
    // The distributions' own builds; Docker's repository names them differently and the two conflict.
    packages: { debian: "docker.io", arch: "docker", fedora: "moby-engine" },
    alternatives: { debian: "docker-ce-cli", fedora: "docker-ce-cli" },
  },
  {
    command: "xdotool",
    purpose: "raises the window of an instance that is already running",
    required: false,
    packages: { debian: "xdotool", arch: "xdotool", fedora: "xdotool" },
  },
] as const satisfies readonly HostTool[];

export type HostToolName = (typeof HOST_TOOLS)[number]["command"];

export function findHostTool(command: string): HostTool | undefined {
  return HOST_TOOLS.find((t) => t.command === command);
}

export interface InstallCommands {
  debian: string;
  arch: string;
  fedora: string;
}

/**
 * One line per distribution that installs every given tool. Packages appear once, in the
 * order of `tools`. An empty list gives empty strings: there is nothing to install.
 */
export function installCommands(tools: readonly HostTool[]): InstallCommands {
  const packages = (distro: Distro) => [...new Set(tools.map((t) => t.packages[distro]))].join(" ");
  const line = (prefix: string, distro: Distro) => (tools.length ? `${prefix} ${packages(distro)}` : "");
  return {
    debian: line("sudo apt-get install -y", "debian"),
    // --needed: do not reinstall what is already there.
    arch: line("sudo pacman -S --needed", "arch"),
    fedora: line("sudo dnf install -y", "fedora"),
  };
}

/** The labelled lines a user reads, shared by the error hint and `dockercask doctor`. */
export function describeInstallCommands(commands: InstallCommands): string[] {
  return [`Debian/Ubuntu: ${commands.debian}`, `Arch:          ${commands.arch}`, `Fedora:        ${commands.fedora}`];
}
