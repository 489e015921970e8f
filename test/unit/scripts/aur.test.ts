import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../../../package.json" with { type: "json" };
import { describeAurPackage, parseSrcinfo, renderPkgbuild, renderSrcinfo } from "../../../scripts/lib/aur.ts";
import { srcinfoFromPkgbuild } from "../../../scripts/lib/aur-check.ts";

const ROOT = join(import.meta.dir, "../../..");
const dir = mkdtempSync(join(tmpdir(), "dockercask-aur-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hex = (c: string) => c.repeat(64);
const sums = {
  "dockercask-9.8.7-linux-x64": hex("a"),
  "dockercask-9.8.7-linux-x64-baseline": hex("b"),
  "dockercask-9.8.7-linux-arm64": hex("c"),
  "dockercask-9.8.7-share.tar.gz": hex("d"),
};

describe("describeAurPackage", () => {
  const aur = describeAurPackage("9.8.7", sums);

  test.each([
    [
      "x86_64 gets the baseline binary (Arch promises every x86-64 CPU)",
      "x86_64",
      "dockercask-9.8.7-linux-x64-baseline",
      hex("b"),
    ],
    ["aarch64 gets the arm64 binary", "aarch64", "dockercask-9.8.7-linux-arm64", hex("c")],
  ])("%s", (_, arch, file, sum) => {
    expect(aur.archSources[arch]).toEqual([
      { name: file, url: `https://github.com/dockercask/dockercask/releases/download/v9.8.7/${file}`, sha256: sum },
    ]);
  });

  test("the share tarball is common to both", () => {
    expect(aur.source.map((s) => [s.name, s.sha256])).toEqual([["dockercask-9.8.7-share.tar.gz", hex("d")]]);
  });

  test("depends on what doctor requires, and suggests what it recommends", () => {
    expect(aur.depends).toEqual(["glibc", "xorg-server-xephyr", "xorg-xauth", "docker"]);
    expect(aur.optdepends.map((o) => o.split(":")[0])).toEqual(["xclip", "libpulse", "xdotool"]);
  });

  test("a release without one of the files is refused", () => {
    const { "dockercask-9.8.7-linux-arm64": _, ...partial } = sums;
    expect(() => describeAurPackage("9.8.7", partial)).toThrow(/no entry for dockercask-9.8.7-linux-arm64/);
  });
});

describe("PKGBUILD and .SRCINFO", () => {
  const aur = describeAurPackage("9.8.7", sums, 2);
  const pkgbuild = join(dir, "PKGBUILD");
  writeFileSync(pkgbuild, renderPkgbuild(aur));

  test("makepkg would read from the PKGBUILD exactly what the .SRCINFO says", () => {
    expect(srcinfoFromPkgbuild(pkgbuild)).toBe(renderSrcinfo(aur));
  });

  test.each([
    ["pkgver", ["9.8.7"]],
    ["pkgrel", ["2"]],
    ["arch", ["x86_64", "aarch64"]],
    ["sha256sums", [hex("d")]],
    ["sha256sums_x86_64", [hex("b")]],
    ["sha256sums_aarch64", [hex("c")]],
    ["options", ["!strip", "!debug"]],
  ])(".SRCINFO %s", (key, expected) => {
    expect(parseSrcinfo(renderSrcinfo(aur))[key]).toEqual(expected);
  });

  test("package() installs the binary and the shared files at Arch's paths", () => {
    const text = renderPkgbuild(aur);
    for (const path of [
      "/usr/bin/dockercask",
      "/usr/share/man/man1/dockercask.1",
      "/usr/share/bash-completion/completions/dockercask",
      "/usr/share/zsh/site-functions/_dockercask",
      "/usr/share/fish/vendor_completions.d/dockercask.fish",
      "/usr/share/icons/hicolor/scalable/apps",
      "/usr/share/licenses/$pkgname/LICENSE",
    ]) {
      expect(text).toContain(`"$pkgdir${path}"`);
    }
  });
});

describe("packaging/aur as committed", () => {
  const committed = join(ROOT, "packaging/aur");
  const srcinfo = readFileSync(join(committed, ".SRCINFO"), "utf8");

  test("the PKGBUILD and the .SRCINFO agree", () => {
    expect(srcinfoFromPkgbuild(join(committed, "PKGBUILD"))).toBe(srcinfo);
  });

  test("they are for this version, with a checksum for every source", () => {
    const fields = parseSrcinfo(srcinfo);
    expect(fields.pkgver).toEqual([pkg.version]);
    for (const arch of ["", "_x86_64", "_aarch64"]) {
      expect(fields[`sha256sums${arch}`]?.length).toBe(fields[`source${arch}`]?.length);
      for (const sum of fields[`sha256sums${arch}`] ?? []) expect(sum).toMatch(/^[0-9a-f]{64}$/);
    }
  });
});
