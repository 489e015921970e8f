import { describe, expect, test } from "bun:test";
import { MissingToolError } from "../../../src/core/errors.ts";
import { findHostTool, HOST_TOOLS, type HostTool, installCommands } from "../../../src/core/host-tools.ts";

const tools = (...names: string[]): HostTool[] =>
  names.map((n) => {
    const tool = findHostTool(n);
    if (!tool) throw new Error(`no tool ${n}`);
    return tool;
  });

describe("installCommands", () => {
  test.each([
    [
      "the required tools",
      ["Xephyr", "xauth"],
      {
        debian: "sudo apt-get install -y xserver-xephyr xauth",
        arch: "sudo pacman -S --needed xorg-server-xephyr xorg-xauth",
        fedora: "sudo dnf install -y xorg-x11-server-Xephyr xorg-x11-xauth",
      },
    ],
    [
      "sound and the docker CLI",
      ["pactl", "docker"],
      {
        debian: "sudo apt-get install -y pulseaudio-utils docker.io",
        arch: "sudo pacman -S --needed libpulse docker",
        fedora: "sudo dnf install -y pulseaudio-utils moby-engine",
      },
    ],
    [
      "one optional tool",
      ["xclip"],
      {
        debian: "sudo apt-get install -y xclip",
        arch: "sudo pacman -S --needed xclip",
        fedora: "sudo dnf install -y xclip",
      },
    ],
    [
      "a tool named twice appears once",
      ["xdotool", "Xephyr", "xdotool"],
      {
        debian: "sudo apt-get install -y xdotool xserver-xephyr",
        arch: "sudo pacman -S --needed xdotool xorg-server-xephyr",
        fedora: "sudo dnf install -y xdotool xorg-x11-server-Xephyr",
      },
    ],
    ["nothing missing", [], { debian: "", arch: "", fedora: "" }],
  ])("%s", (_label, names, expected) => {
    expect(installCommands(tools(...names))).toEqual(expected);
  });

  test("tools sharing a package install it once", () => {
    const a: HostTool = {
      command: "pacat",
      purpose: "",
      required: false,
      packages: { debian: "pulseaudio-utils", arch: "libpulse", fedora: "pulseaudio-utils" },
    };
    const b: HostTool = {
      command: "pactl",
      purpose: "",
      required: false,
      packages: { debian: "pulseaudio-utils", arch: "libpulse", fedora: "pulseaudio-utils" },
    };
    expect(installCommands([a, b]).debian).toBe("sudo apt-get install -y pulseaudio-utils");
    expect(installCommands([a, b]).arch).toBe("sudo pacman -S --needed libpulse");
  });
});

describe("the host tool table", () => {
  test("Xephyr and xauth are the only required tools", () => {
    expect(HOST_TOOLS.filter((t) => t.required).map((t) => t.command)).toEqual(["Xephyr", "xauth"]);
  });

  test("every tool names a package for every distribution and says what it is for", () => {
    for (const tool of HOST_TOOLS) {
      expect(tool.purpose.length).toBeGreaterThan(0);
      for (const pkg of Object.values(tool.packages)) expect(pkg).toMatch(/^[A-Za-z0-9][A-Za-z0-9.+-]*$/);
    }
  });

  test("an unknown name is not a tool", () => {
    expect(findHostTool("xephyr")).toBeUndefined();
  });
});

describe("MissingToolError", () => {
  test("names the tool, its purpose and the three install commands, one per line", () => {
    const error = new MissingToolError(tools("Xephyr")[0]!);
    expect(error.code).toBe("E_MISSING_TOOL");
    expect(error.message).toBe('"Xephyr" was not found on PATH (the nested X server that is each instance\'s window)');
    const lines = error.hint?.split("\n") ?? [];
    expect(lines.filter((l) => l.includes("sudo apt-get install -y xserver-xephyr"))).toHaveLength(1);
    expect(lines.filter((l) => l.includes("sudo pacman -S --needed xorg-server-xephyr"))).toHaveLength(1);
    expect(lines.filter((l) => l.includes("sudo dnf install -y xorg-x11-server-Xephyr"))).toHaveLength(1);
  });
});
