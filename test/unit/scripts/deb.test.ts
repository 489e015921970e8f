import { describe, expect, test } from "bun:test";
import {
  changelogDate,
  libcDependency,
  renderChangelog,
  renderControl,
  renderCopyright,
} from "../../../scripts/lib/deb.ts";
import { HOST_TOOLS } from "../../../src/core/host-tools.ts";

const control = renderControl({
  version: "1.2.3",
  architecture: "amd64",
  installedSize: 115000,
  shlibs: "libc6 (>= 2.17)",
});
const field = (name: string) => new RegExp(`^${name}: (.*)$`, "m").exec(control)?.[1];

describe("renderControl", () => {
  test.each([
    ["Package", "dockercask"],
    ["Version", "1.2.3"],
    ["Architecture", "amd64"],
    ["Installed-Size", "115000"],
    ["Depends", "libc6 (>= 2.17), xserver-xephyr, xauth, docker.io | docker-ce"],
    ["Recommends", "xclip, pulseaudio-utils, xdotool"],
  ])("%s", (name, expected) => {
    expect(field(name)).toBe(expected);
  });

  test.each(HOST_TOOLS.map((t) => [t.command, t] as const))("%s is asked for as doctor asks for it", (_, tool) => {
    const deps = tool.required ? field("Depends") : `${field("Depends")}, ${field("Recommends")}`;
    expect(deps?.split(/, | \| /)).toContain(tool.packages.debian);
  });

  test("the description is a synopsis and an extended text of short lines", () => {
    const lines = control.slice(control.indexOf("Description: ")).trimEnd().split("\n");
    // Policy 3.4.1: the synopsis (after "Description: ") stays under 80 characters.
    expect(lines[0]!.slice("Description: ".length).length).toBeLessThan(80);
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines.slice(1)) expect(line).toMatch(/^ \S.{0,78}$/);
  });
});

describe("changelog", () => {
  test.each([
    [0, "Thu, 01 Jan 1970 00:00:00 +0000"],
    [1795889384, "Sat, 28 Nov 2026 18:09:44 +0000"],
  ])("changelogDate(%d)", (epoch, expected) => {
    expect(changelogDate(epoch)).toBe(expected);
  });

  test("names the version and the commit", () => {
    const text = renderChangelog("1.2.3", "abc123", "Thu, 01 Jan 1970 00:00:00 +0000");
    expect(text).toStartWith("dockercask (1.2.3) unstable; urgency=medium\n");
    expect(text).toContain("commit abc123");
    expect(text).toMatch(/\n -- .+ <.+> {2}Thu, 01 Jan 1970 00:00:00 \+0000\n$/);
  });
});

describe("renderCopyright", () => {
  const text = renderCopyright("MIT License\n\nCopyright (c) 2026 Someone\n\nPermission is granted.\n\nNo warranty.\n");
  test("is machine-readable, with the notice and the license text", () => {
    expect(text).toStartWith("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n");
    expect(text).toContain("Files: *\nCopyright: 2026 Someone\nLicense: MIT\n");
    expect(text).toContain("\nLicense: MIT\n Permission is granted.\n .\n No warranty.\n");
  });
});

describe("libcDependency", () => {
  const dynamic = (...libs: string[]) =>
    libs.map((l) => ` 0x0000000000000001 (NEEDED)             Shared library: [${l}]`).join("\n");
  const versions = (...names: string[]) =>
    names.map((n, i) => `  0x00${i}0:   Name: ${n}  Flags: none  Version: ${i + 2}`).join("\n");
  const bunLibs = ["libc.so.6", "ld-linux-x86-64.so.2", "libpthread.so.0", "libdl.so.2", "libm.so.6"];

  test.each([
    [
      "the newest GLIBC version wins, compared as numbers",
      versions("GLIBC_2.2.5", "GLIBC_2.17", "GLIBC_2.9"),
      "libc6 (>= 2.17)",
    ],
    ["three-part versions", versions("GLIBC_2.2.5", "GLIBC_2.3.4"), "libc6 (>= 2.3.4)"],
    ["other version names are not glibc's", versions("GLIBC_2.14", "BUN_1.2", "GLIBC_PRIVATE"), "libc6 (>= 2.14)"],
  ])("%s", (_, versionInfo, expected) => {
    expect(libcDependency(dynamic(...bunLibs), versionInfo)).toBe(expected);
  });

  test("a library outside glibc is refused", () => {
    expect(() => libcDependency(dynamic("libc.so.6", "libstdc++.so.6"), versions("GLIBC_2.17"))).toThrow(
      /libstdc\+\+\.so\.6/,
    );
  });

  test("aarch64's loader is glibc's too", () => {
    expect(libcDependency(dynamic("libc.so.6", "ld-linux-aarch64.so.1"), versions("GLIBC_2.17"))).toBe(
      "libc6 (>= 2.17)",
    );
  });
});
