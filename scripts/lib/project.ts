/**
 * What the packages say about dockercask, in one place: the .deb control file, the AUR
 * PKGBUILD and the release notes all read it. Dependencies come from the same host tool
 * table `dockercask doctor` checks (src/core/host-tools.ts), so a package never asks for
 * less, or other, than doctor does.
 */
import { type Distro, HOST_TOOLS } from "../../src/core/host-tools.ts";

// The project's public home and the packages' maintainer. Releases are downloaded from
// `${HOMEPAGE}/releases/download/v<version>/`; change both here when the project moves.
export const HOMEPAGE = "https://github.com/dockercask/dockercask";
export const MAINTAINER = "dockercask maintainers <maintainers@dockercask.invalid>";
export const LICENSE = "MIT";

export const SUMMARY = "run desktop apps in hardened Docker containers, each in its own window";
export const LONG_DESCRIPTION = [
  "dockercask runs Linux desktop apps (a browser, a mail client, a password",
  "manager) in hardened Docker containers. Each instance gets its own nested",
  "Xephyr window with its own X cookie, so an app can neither see the desktop",
  "nor log its keystrokes; a container with every capability dropped, an",
  "unprivileged user and no network unless the app needs one; a persistent",
  "home; a clipboard shared only as the app's policy allows; and a PulseAudio",
  "socket of its own. One self-contained binary carries every app's Dockerfile.",
];

export function releaseUrl(version: string): string {
  return `${HOMEPAGE}/releases/download/v${version}`;
}

/**
 * The Docker engine, which every command but `completion` needs. Distributions name it
 * differently from Docker's own repository; either one will do.
 */
export const DOCKER_ENGINE: Record<Distro, string[]> = {
  debian: ["docker.io", "docker-ce"],
  arch: ["docker"],
  fedora: ["moby-engine", "docker-ce"],
};

/** Packages of the required host tools (Xephyr, xauth), for `distro`. */
export function requiredPackages(distro: Distro): string[] {
  return unique(HOST_TOOLS.filter((t) => t.required).map((t) => t.packages[distro]));
}

/**
 * Packages of the optional tools (clipboard, sound, raising a window) with what each adds.
 * The docker CLI is left out: the engine's packages bring it.
 */
export function optionalPackages(distro: Distro): { name: string; purpose: string }[] {
  const engine = new Set(DOCKER_ENGINE[distro]);
  return HOST_TOOLS.filter((t) => !t.required && t.command !== "docker" && !engine.has(t.packages[distro])).map(
    (t) => ({
      name: t.packages[distro],
      purpose: t.purpose,
    }),
  );
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
