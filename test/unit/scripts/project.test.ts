import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "../../../package.json" with { type: "json" };
import { optionalPackages, requiredPackages } from "../../../scripts/lib/project.ts";
import { type Distro, describeInstallCommands, HOST_TOOLS, installCommands } from "../../../src/core/host-tools.ts";

const readme = readFileSync(join(import.meta.dir, "../../../README.md"), "utf8");
const install = readme.slice(
  readme.indexOf("\n## Install\n"),
  readme.indexOf("\n## ", readme.indexOf("\n## Install\n") + 1),
);

describe("the packages' dependencies follow doctor's tool table", () => {
  test.each([
    ["debian", ["xserver-xephyr", "xauth"], ["xclip", "pulseaudio-utils", "xdotool"]],
    ["arch", ["xorg-server-xephyr", "xorg-xauth"], ["xclip", "libpulse", "xdotool"]],
    ["fedora", ["xorg-x11-server-Xephyr", "xorg-x11-xauth"], ["xclip", "pulseaudio-utils", "xdotool"]],
  ] as [Distro, string[], string[]][])("%s", (distro, required, optional) => {
    expect(requiredPackages(distro)).toEqual(required);
    expect(optionalPackages(distro).map((p) => p.name)).toEqual(optional);
  });
});

describe("README's Install section", () => {
  test("exists", () => expect(install.length).toBeGreaterThan(1000));

  test("shows the install commands exactly as doctor prints them", () => {
    for (const line of describeInstallCommands(installCommands(HOST_TOOLS))) expect(install).toContain(line);
  });

  test.each(
    HOST_TOOLS.flatMap((t) =>
      (["debian", "arch", "fedora"] as Distro[]).map((d) => [t.command, d, t.packages[d]] as const),
    ),
  )("names %s's %s package (%s)", (_, __, name) => {
    expect(install).toContain(`\`${name}\``);
  });

  test("downloads the current version", () => {
    const versions = [...install.matchAll(/^version=(\S+)$/gm)].map((m) => m[1]);
    expect(versions.length).toBeGreaterThan(0);
    for (const version of versions) expect(version).toBe(pkg.version);
  });
});
