import { describe, expect, test } from "bun:test";
import { HOST_TOOLS } from "../../../src/core/host-tools.ts";
import type { DoctorProbe } from "../../../src/ports/doctor-probe.ts";
import { runDoctor } from "../../../src/services/doctor.ts";

/** A host where everything is fine; each test breaks one thing. */
function createFakeProbe(
  overrides: Partial<DoctorProbe> & { missing?: string[] } = {},
): DoctorProbe & { connected: string[] } {
  const connected: string[] = [];
  const { missing = [], ...rest } = overrides;
  return {
    connected,
    findExecutable: (name) => (missing.includes(name) ? undefined : `/usr/bin/${name}`),
    dockerStatus: async () => ({
      ok: true,
      engine: { kind: "docker", version: "27.1.0", rootless: false, cgroupVersion: "2" },
      socket: "/var/run/docker.sock",
      root: false,
    }),
    display: () => ({ DISPLAY: ":0" }),
    canConnectDisplay: async (display) => {
      connected.push(display);
      return true;
    },
    pulseStatus: async () => ({
      ok: true,
      server: "/run/user/1000/pulse/native",
      discovery: {
        found: true,
        socket: "/run/user/1000/pulse/native",
        via: "$XDG_RUNTIME_DIR/pulse/native",
        tried: [],
      },
    }),
    shmGuardRefusal: async () => undefined,
    ...rest,
  };
}

const check = (report: Awaited<ReturnType<typeof runDoctor>>, name: string) => {
  const found = report.checks.find((c) => c.name === name);
  if (!found) throw new Error(`no check named ${name}: ${report.checks.map((c) => c.name).join(", ")}`);
  return found;
};

describe("runDoctor", () => {
  test("all good: every check passes and nothing needs installing", async () => {
    const probe = createFakeProbe();
    const report = await runDoctor(probe);
    expect(report.ok).toBe(true);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.missingTools).toEqual([]);
    expect(report.install).toBeUndefined();
    expect(check(report, "engine").detail).toContain("27.1.0");
    expect(check(report, "sound").detail).toContain("/run/user/1000/pulse/native");
    expect(probe.connected).toEqual([":0"]);
    // One check per tool in the table, plus engine, display, sound and MIT-SHM.
    expect(report.checks).toHaveLength(HOST_TOOLS.length + 4);
    expect(check(report, "mit-shm")).toMatchObject({ ok: true, required: false });
    expect(check(report, "mit-shm").note).toContain("off by default");
  });

  test.each([
    ["unreachable", "cannot reach the Docker daemon at /var/run/docker.sock", "systemctl start docker"],
    ["permission", "permission denied on the Docker socket /var/run/docker.sock", "usermod -aG docker"],
  ] as const)("docker %s: not ok, with the matching fix", async (problem, detail, fix) => {
    const report = await runDoctor(
      createFakeProbe({
        dockerStatus: async () => ({
          ok: false,
          problem,
          socket: "/var/run/docker.sock",
          message: "connect ECONNREFUSED",
        }),
      }),
    );
    expect(report.ok).toBe(false);
    const docker = check(report, "engine");
    expect(docker).toMatchObject({ ok: false, required: true });
    expect(docker.detail).toContain(detail);
    expect(docker.detail).toContain("ECONNREFUSED");
    expect(docker.fix).toContain(fix);
  });

  test("Xephyr missing: not ok, and the install commands name its packages", async () => {
    const report = await runDoctor(createFakeProbe({ missing: ["Xephyr"] }));
    expect(report.ok).toBe(false);
    expect(check(report, "Xephyr")).toMatchObject({ ok: false, required: true });
    expect(report.missingTools).toEqual(["Xephyr"]);
    expect(report.install).toEqual({
      debian: "sudo apt-get install -y xserver-xephyr",
      arch: "sudo pacman -S --needed xorg-server-xephyr",
      fedora: "sudo dnf install -y xorg-x11-server-Xephyr",
    });
  });

  test("xclip missing: still ok, since clipboard sharing is optional, but it is offered for install", async () => {
    const report = await runDoctor(createFakeProbe({ missing: ["xclip"] }));
    expect(report.ok).toBe(true);
    expect(check(report, "xclip")).toMatchObject({ ok: false, required: false });
    expect(report.install?.debian).toBe("sudo apt-get install -y xclip");
  });

  test("several tools missing: one install line per distribution, in table order", async () => {
    const report = await runDoctor(createFakeProbe({ missing: ["xdotool", "pactl", "xauth"] }));
    expect(report.ok).toBe(false);
    expect(report.missingTools).toEqual(["xauth", "pactl", "xdotool"]);
    expect(report.install?.arch).toBe("sudo pacman -S --needed xorg-xauth libpulse xdotool");
  });

  test("DISPLAY unset: not ok, and no connection is attempted", async () => {
    const probe = createFakeProbe({ display: () => ({}) });
    const report = await runDoctor(probe);
    expect(report.ok).toBe(false);
    expect(check(report, "display")).toMatchObject({ ok: false, required: true });
    expect(check(report, "display").detail).toContain("DISPLAY is not set");
    expect(probe.connected).toEqual([]);
  });

  test("DISPLAY unset in a Wayland session: the fix is about XWayland", async () => {
    const report = await runDoctor(createFakeProbe({ display: () => ({ WAYLAND_DISPLAY: "wayland-0" }) }));
    expect(check(report, "display").fix).toContain("XWayland");
  });

  test("DISPLAY set but the server refuses: not ok", async () => {
    const report = await runDoctor(createFakeProbe({ canConnectDisplay: async () => false }));
    expect(report.ok).toBe(false);
    expect(check(report, "display").detail).toContain("DISPLAY=:0");
  });

  test.each<[string, { DISPLAY?: string; WAYLAND_DISPLAY?: string }, boolean, string, string | undefined]>([
    ["an X11 desktop", { DISPLAY: ":0" }, true, "connected to DISPLAY=:0: an X11 desktop", undefined],
    [
      "XWayland in a Wayland session",
      { DISPLAY: ":1", WAYLAND_DISPLAY: "wayland-0" },
      true,
      "connected to DISPLAY=:1: XWayland, in a Wayland session (WAYLAND_DISPLAY=wayland-0)",
      undefined,
    ],
    [
      "XWayland refusing us: the fix says who it lets in",
      { DISPLAY: ":1", WAYLAND_DISPLAY: "wayland-0" },
      false,
      "cannot connect to the X server at DISPLAY=:1: XWayland, in a Wayland session (WAYLAND_DISPLAY=wayland-0)",
      "not through sudo",
    ],
    [
      "an X11 desktop refusing us: the fix is about the cookie",
      { DISPLAY: ":0" },
      false,
      "cannot connect to the X server at DISPLAY=:0: an X11 desktop",
      "XAUTHORITY",
    ],
  ])("the kind of desktop: %s", async (_, env, connects, detail, fix) => {
    const report = await runDoctor(createFakeProbe({ display: () => env, canConnectDisplay: async () => connects }));
    expect(check(report, "display").detail).toBe(detail);
    if (fix) expect(check(report, "display").fix).toContain(fix);
  });

  test("no sound server: still ok, apps run silent", async () => {
    const report = await runDoctor(
      createFakeProbe({
        pulseStatus: async () => ({
          ok: false,
          message: "Connection refused",
          discovery: {
            found: true,
            socket: "/run/user/1000/pulse/native",
            via: "$XDG_RUNTIME_DIR/pulse/native",
            tried: [],
          },
        }),
      }),
    );
    expect(report.ok).toBe(true);
    expect(check(report, "sound")).toMatchObject({ ok: false, required: false });
    expect(check(report, "sound").detail).toContain("Connection refused");
    expect(check(report, "sound").detail).toContain("silent");
  });

  test.each([
    [
      "found: says how, as a run would find it",
      { found: true as const, socket: "/tmp/pa/native", via: "$PULSE_RUNTIME_PATH/native", tried: [] },
      true,
      "found through $PULSE_RUNTIME_PATH/native (/tmp/pa/native)",
    ],
    [
      "not found, though pactl answers: says what was tried",
      { found: false as const, tried: ["PULSE_SERVER is not set", "no client.conf"] },
      false,
      "tried: PULSE_SERVER is not set; no client.conf",
    ],
  ])("the sound server %s", async (_, discovery, ok, detail) => {
    const report = await runDoctor(
      createFakeProbe({ pulseStatus: async () => ({ ok: true, server: "x", discovery }) }),
    );
    expect(check(report, "sound").ok).toBe(ok);
    expect(check(report, "sound").detail).toContain(detail);
  });
});

describe("runDoctor: the engine", () => {
  const status =
    (kind: "docker" | "podman", rootless: boolean, cgroupVersion: string, root = false) =>
    async () => ({
      ok: true as const,
      engine: { kind, version: "9.9", rootless, cgroupVersion },
      socket: "/s.sock",
      root,
    });
  test.each([
    [
      "rootful Docker as a user: the docker group is root on the host",
      status("docker", false, "2"),
      true,
      "rootful Docker 9.9 at /s.sock",
      "root on the host",
    ],
    ["rootful Docker as root", status("docker", false, "2", true), true, "rootful Docker 9.9", "runs as root"],
    ["rootful Podman", status("podman", false, "1"), true, "rootful Podman 9.9", "runs as root"],
    ["rootless Podman on cgroup v2", status("podman", true, "2"), true, "rootless Podman 9.9", "run as you"],
    ["rootless Docker on cgroup v2", status("docker", true, "2"), true, "rootless Docker 9.9", "run as you"],
  ] as const)("%s", async (_, dockerStatus, ok, detail, note) => {
    const engine = check(await runDoctor(createFakeProbe({ dockerStatus })), "engine");
    expect(engine.ok).toBe(ok);
    expect(engine.detail).toContain(detail);
    expect(engine.note).toContain(note);
  });

  test("a rootless engine on cgroup v1: not ok, since dockercask refuses to run there", async () => {
    const report = await runDoctor(createFakeProbe({ dockerStatus: status("podman", true, "1") }));
    expect(report.ok).toBe(false);
    const engine = check(report, "engine");
    expect(engine.detail).toContain("cgroup v1");
    expect(engine.fix).toContain("cgroup v2");
  });

  test("a host where Xephyr's guard cannot be installed: MIT-SHM is said to be off, and apps still run", async () => {
    const report = await runDoctor(createFakeProbe({ shmGuardRefusal: async () => "no filter for riscv64" }));
    expect(report.ok).toBe(true);
    expect(check(report, "mit-shm")).toMatchObject({ ok: false, required: false });
    expect(check(report, "mit-shm").detail).toContain("no filter for riscv64");
    expect(check(report, "mit-shm").fix).toContain("seccomp");
  });
});
