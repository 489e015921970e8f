import { describe, expect, test } from "bun:test";
import type { DoctorCheck, DoctorReport } from "../../../src/services/doctor.ts";
import { renderReport } from "../../../src/services/doctor-report.ts";

const ok = (name: string, detail: string): DoctorCheck => ({ name, ok: true, required: true, detail });
const docker = ok("docker daemon", "Docker Engine 27.1.0");
const xephyr = ok("Xephyr", "/usr/bin/Xephyr");
const noDisplay: DoctorCheck = {
  name: "display",
  ok: false,
  required: true,
  detail: "DISPLAY is not set",
  fix: "Run it from your desktop.",
};
const noXclip: DoctorCheck = {
  name: "xclip",
  ok: false,
  required: false,
  detail: "not found on PATH: the clipboard",
  fix: "install the xclip package",
};
const noSound: DoctorCheck = {
  name: "sound",
  ok: false,
  required: false,
  detail: "no PulseAudio server answered",
  fix: "Start PulseAudio.",
};
const install = {
  debian: "sudo apt-get install -y xclip",
  arch: "sudo pacman -S --needed xclip",
  fedora: "sudo dnf install -y xclip",
};

const report = (checks: DoctorCheck[], extra: Partial<DoctorReport> = {}): DoctorReport => ({
  ok: checks.every((c) => c.ok || !c.required),
  checks,
  missingTools: [],
  ...extra,
});

describe("renderReport", () => {
  test.each([
    [
      "all good: marks, names padded to one column, and the verdict",
      report([docker, xephyr]),
      ["✔ docker daemon  Docker Engine 27.1.0", "✔ Xephyr         /usr/bin/Xephyr", "", "Ready to run apps."],
    ],
    [
      "a required check fails: ✖ with its fix under it, and not ready",
      report([docker, noDisplay]),
      [
        "✔ docker daemon  Docker Engine 27.1.0",
        "✖ display        DISPLAY is not set",
        "                 Run it from your desktop.",
        "",
        "Not ready: fix the checks marked ✖ first.",
      ],
    ],
    [
      "an optional check fails: ! and ready, with the features off",
      report([docker, noSound]),
      [
        "✔ docker daemon  Docker Engine 27.1.0",
        "! sound          no PulseAudio server answered",
        "                 Start PulseAudio.",
        "",
        "Ready to run apps; the features marked ! are off.",
      ],
    ],
    [
      "a missing tool's fix is the install commands, said once for every distribution",
      report([docker, noXclip], { missingTools: ["xclip"], install }),
      [
        "✔ docker daemon  Docker Engine 27.1.0",
        "! xclip          not found on PATH: the clipboard",
        "",
        "Install the missing tools (xclip):",
        "  Debian/Ubuntu: sudo apt-get install -y xclip",
        "  Arch:          sudo pacman -S --needed xclip",
        "  Fedora:        sudo dnf install -y xclip",
        "",
        "Ready to run apps; the features marked ! are off.",
      ],
    ],
  ] as const)("%s", (_, input, lines) => {
    expect(renderReport(input)).toBe(`${lines.join("\n")}\n`);
  });
});
