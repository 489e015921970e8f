import { describe, expect, test } from "bun:test";
import {
  dependencyNames,
  MAX_ENTRIES,
  MAX_ICON_BYTES,
  PROBE_LABEL,
  PROBE_SCRIPT,
  parseControl,
  parseProbeOutput,
  probeContainerSpec,
} from "../../../../src/core/deb/probe.ts";

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
const record = (kind: string, ...fields: string[]) => [kind, ...fields.map(b64)].join(" ");

// galculator's control stanza as apt-cache prints it (Debian 12), shortened.
const CONTROL = `Package: galculator
Version: 2.1.4-1.2
Installed-Size: 1069
Depends: libc6 (>= 2.34), libglib2.0-0 (>= 2.37.3), libgtk-3-0 (>= 3.21.5) | libgtk-4-1, libquadmath0 (>= 4.6):any
Pre-Depends: dpkg (>= 1.15)
Section: math
Description: scientific calculator
 Galculator is a GTK 3 based scientific calculator with "ordinary" and
 reverse polish notation.
`;

describe("parseProbeOutput: the probe's records, read strictly", () => {
  test("a package: its control fields, files, entries and icons", () => {
    const output = [
      record("control", CONTROL),
      record("listing", "./\n./usr/\n./usr/bin/\n./usr/bin/galculator\n./usr/share/applications/galculator.desktop\n"),
      record("entry", "/usr/share/applications/galculator.desktop", "[Desktop Entry]\nExec=galculator\n"),
      record("icon", "/usr/share/pixmaps/galculator.svg", "<svg/>"),
      "end",
      "",
    ].join("\n");
    expect(parseProbeOutput(output, "galculator")).toEqual({
      kind: "found",
      package: {
        package: "galculator",
        version: "2.1.4-1.2",
        section: "math",
        summary: "scientific calculator",
        depends: ["libc6", "libglib2.0-0", "libgtk-3-0", "libgtk-4-1", "libquadmath0", "dpkg"],
        files: ["/usr", "/usr/bin", "/usr/bin/galculator", "/usr/share/applications/galculator.desktop"],
        entries: [{ path: "/usr/share/applications/galculator.desktop", text: "[Desktop Entry]\nExec=galculator\n" }],
        icons: [{ path: "/usr/share/pixmaps/galculator.svg", text: "<svg/>" }],
      },
    });
  });

  test("a package Debian does not have: the names to suggest from", () => {
    const output = [record("missing", "inkscap"), record("names", "inkscape\ngimp\n"), "end"].join("\n");
    expect(parseProbeOutput(output, "inkscap")).toEqual({ kind: "missing", names: ["inkscape", "gimp"] });
  });

  test("the mirror out of reach: its last words", () => {
    expect(parseProbeOutput(record("error", "E: Failed to fetch http://deb.debian.org\n"), "galculator")).toEqual({
      kind: "error",
      message: "E: Failed to fetch http://deb.debian.org",
    });
  });

  test.each([
    ["nothing at all", "", "cut short"],
    ["an answer with no end", record("control", CONTROL), "cut short"],
    ["an answer cut inside a record", `${record("control", CONTROL).slice(0, -3)}\nend`, "not base64"],
    ["a record that is not base64", "control !!!\nend", "not base64"],
    ["a record it does not know", `${record("control", CONTROL)}\n${record("exec", "rm -rf /")}\nend`, "should not"],
    [
      "a record after the end",
      `${record("control", CONTROL)}\nend\n${record("listing", "./usr/bin/x\n")}`,
      "past its end",
    ],
    ["a control with no Package", `${record("control", "Version: 1\n")}\nend`, "said nothing"],
    ["another package than asked", `${record("control", CONTROL.replace("galculator", "evil"))}\nend`, '"evil"'],
  ])("%s is an error", (_, output, message) => {
    const result = parseProbeOutput(output, "galculator");
    expect(result.kind).toBe("error");
    if (result.kind === "error") expect(result.message).toContain(message);
  });

  test("a name or text with a newline stays in its record: nothing it ships forges another", () => {
    const forged = "[Desktop Entry]\nExec=x\n\ncontrol UGFja2FnZTogZXZpbAo=\n";
    const result = parseProbeOutput(
      [record("control", CONTROL), record("entry", "/usr/share/applications/a.desktop", forged), "end"].join("\n"),
      "galculator",
    );
    expect(result.kind).toBe("found");
    if (result.kind === "found") {
      expect(result.package.package).toBe("galculator");
      expect(result.package.entries[0]!.text).toBe(forged);
    }
  });

  test("entries past the ceiling and icons over the size are left out", () => {
    const lines = [record("control", CONTROL)];
    for (let i = 0; i < MAX_ENTRIES + 5; i++) lines.push(record("entry", `/usr/share/applications/${i}.desktop`, "x"));
    lines.push(record("icon", "/usr/share/pixmaps/big.svg", "x".repeat(MAX_ICON_BYTES + 1)));
    // Counted in bytes: a character of three bytes each, a third as many characters.
    lines.push(record("icon", "/usr/share/pixmaps/wide.svg", "€".repeat(MAX_ICON_BYTES / 3 + 1)));
    lines.push("end");
    const result = parseProbeOutput(lines.join("\n"), "galculator");
    if (result.kind !== "found") throw new Error(result.kind);
    expect(result.package.entries.length).toBe(MAX_ENTRIES);
    expect(result.package.icons).toEqual([]);
  });
});

describe("control fields and dependencies", () => {
  test("continuation lines join their field; the first stanza only", () => {
    expect(parseControl("A: 1\nB: two\n words\n\nA: 3\n")).toEqual({ A: "1", B: "two\nwords" });
  });

  test.each([
    ["libc6 (>= 2.34), libgtk-3-0", ["libc6", "libgtk-3-0"]],
    ["default-jre | java7-runtime", ["default-jre", "java7-runtime"]],
    ["python3:any, libfoo [amd64]", ["python3", "libfoo"]],
    ["", []],
  ])("%s", (field, names) => {
    expect(dependencyNames(field)).toEqual(names);
  });
});

describe("the probe's container", () => {
  test("unprivileged, read-only, bounded, labelled, the package one argument", () => {
    const spec = probeContainerSpec("g++", "dockercask/base");
    expect(spec.User).toBe("65534:65534");
    expect(spec.Cmd).toEqual(["-c", PROBE_SCRIPT, "dockercask-deb-probe", "g++"]);
    expect(spec.Labels).toEqual({ [PROBE_LABEL]: "g++" });
    expect(spec.HostConfig).toMatchObject({
      CapDrop: ["ALL"],
      SecurityOpt: ["no-new-privileges"],
      ReadonlyRootfs: true,
      PidsLimit: 64,
    });
    expect(spec.HostConfig.Memory).toBeLessThanOrEqual(512 * 1024 * 1024);
  });

  test("the script prints every field as base64, and reads the package from its argument alone", () => {
    expect(PROBE_SCRIPT).toContain("pkg=$1");
    // Every $pkg is inside double quotes: an odd number of quotes comes before it on its line.
    for (const line of PROBE_SCRIPT.split("\n"))
      for (let at = line.indexOf("$pkg"); at !== -1; at = line.indexOf("$pkg", at + 1))
        expect([line, (line.slice(0, at).match(/"/g) ?? []).length % 2]).toEqual([line, 1]);
  });
});
