/**
 * The host's sound server is found the way libpulse finds it (core/sound/discovery.ts): a
 * user whose server is reached through the X root window's property, client.conf or
 * PULSE_RUNTIME_PATH got a silent app before, even with --audio. Each way gets a real
 * PulseAudio server of this suite's own, reachable only that way, and a real instance whose
 * playing is recorded from that server's sink: heard, or the test fails. libpulse itself
 * (pactl, with the very same environment) is the judge of where each setup leads: every case
 * asserts that it goes where pactl goes, including the setups libpulse passes over (a root
 * property outside an SSH session, another machine's socket, a client.conf it does not read).
 * The last cases find nothing, and the warning says what was tried.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { runCollected, type Sandbox, sh } from "./helpers.ts";
import { createAppSandbox, execIn, startRun, waitFor } from "./session.ts";
import { NOISE, recordWhile, type SoundServer, startSoundServer } from "./sound-helpers.ts";

let box: Sandbox;
let server: SoundServer;
let socket: string;
let xvfb: ReturnType<typeof Bun.spawn>;
let display: string;
/** This machine's id as libpulse reads it: a `{id}` prefix naming it is local. */
let machineId: string;
/** An SSH session's variable: libpulse reads the X root window's property only with it set. */
const SSH = { SSH_CONNECTION: "192.0.2.9 50000 192.0.2.1 22" };

beforeAll(async () => {
  box = await createAppSandbox("sound-discovery");
  // The test bed's server reaches every suite through PULSE_SERVER: none of that here, so that
  // each case's server is reachable only the way the case sets up.
  delete box.env.PULSE_SERVER;
  server = await startSoundServer("pulseaudio", join(box.dir, "pa"));
  socket = server.server.replace(/^unix:/, "");
  const ids = ["/etc/machine-id", "/var/lib/dbus/machine-id"].filter(existsSync);
  machineId = ids.map((f) => readFileSync(f, "utf8").trim()).find(Boolean) ?? hostname();
  // A desktop of this suite's own, whose root window property this suite may set.
  // -noreset: a root window property outlives the client that set it, as on a desktop with clients.
  xvfb = Bun.spawn(["Xvfb", "-displayfd", "1", "-nolisten", "tcp", "-noreset", "-screen", "0", "1024x768x24"], {
    stdout: "pipe",
    stderr: "ignore",
  });
  const reader = (xvfb.stdout as ReadableStream<Uint8Array>).getReader();
  display = `:${new TextDecoder().decode((await reader.read()).value).trim()}`;
  reader.releaseLock();
}, 120_000);

afterAll(async () => {
  await box.run(["stop", "--all"]);
  await server?.stop();
  xvfb?.kill();
  box.cleanup();
}, 120_000);

/** Whatever a case set up goes with it: client.conf files, the root property, a runtime dir socket. */
afterEach(async () => {
  for (const dir of [
    join(box.env.HOME!, ".config", "pulse"),
    join(box.env.HOME!, ".pulse"),
    join(box.env.XDG_CONFIG_HOME!, "pulse"),
    join(box.env.XDG_RUNTIME_DIR!, "pulse"),
    join(box.dir, "conf"),
  ])
    rmSync(dir, { recursive: true, force: true });
  await sh(["xprop", "-root", "-display", display, "-remove", "PULSE_SERVER"]);
});

/** The environment of a case: the sandbox's, this suite's desktop, and what the case adds. */
const envOf = (extra: Record<string, string>) => ({ ...box.env, DISPLAY: display, ...extra });

/**
 * Where libpulse connects with that environment: the socket pactl reports, or undefined when
 * it reaches none. (As root, as on the test bed, libpulse never autospawns a server.)
 */
async function libpulseFinds(extra: Record<string, string>): Promise<string | undefined> {
  const info = await runCollected(["pactl", "info"], { env: { ...envOf(extra), LC_ALL: "C" } });
  const server = /^Server String: (.*)$/m.exec(info.stdout)?.[1];
  return server?.replace(/^\{[^}]*\}/, "").replace(/^unix:/, "");
}

/** Sets the X root window's PULSE_SERVER as a STRING, the type libpulse reads. */
async function setRootProperty(value: string) {
  const set = await sh([
    "xprop",
    "-root",
    "-display",
    display,
    "-f",
    "PULSE_SERVER",
    "8s",
    "-set",
    "PULSE_SERVER",
    value,
  ]);
  expect(set.code).toBe(0);
}

function writeFile(path: string, text: string) {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
}

/** Runs an instance with --audio in `extra`'s environment, plays noise inside, and records the suite's server meanwhile. */
async function heardThrough(instance: string, extra: Record<string, string>) {
  const session = await startRun(box, instance, ["--audio"], envOf(extra));
  try {
    let played = { code: -1, stderr: "" };
    const recorded = await recordWhile(1000, async () => (played = await execIn(instance, ["sh", "-c", NOISE])), {
      server: server.server,
      source: `${server.sink}.monitor`,
    });
    return {
      played: played.code,
      heard: recorded.level > 0.1,
      said: session.output().match(/running without sound.*/)?.[0],
      libpulse: await libpulseFinds(extra),
    };
  } finally {
    session.proc.kill("SIGTERM");
    await session.exited;
  }
}

describe("the sound server, found as libpulse finds it, and heard", () => {
  /** Played, heard on the suite's server, nothing said, and libpulse connects to the same path. */
  const heard = (path = socket) => ({ played: 0, heard: true, said: undefined, libpulse: path });

  test("1. PULSE_SERVER", async () => {
    expect(await heardThrough("attacker#disc-env", { PULSE_SERVER: server.server })).toEqual(heard());
  }, 120_000);

  test("2. the X root window's PULSE_SERVER property, in an SSH session, with this machine's id", async () => {
    await setRootProperty(`{${machineId}}unix:${socket} tcp:desk.invalid:4713`);
    expect(await heardThrough("attacker#disc-x11", SSH)).toEqual(heard());
  }, 120_000);

  test("3. default-server in the user's client.conf", async () => {
    writeFile(
      join(box.env.HOME!, ".config/pulse/client.conf"),
      `; written by the test\ndefault-server = unix:${socket}\n`,
    );
    expect(await heardThrough("attacker#disc-conf", {})).toEqual(heard());
  }, 120_000);

  test("4. $PULSE_RUNTIME_PATH/native", async () => {
    expect(await heardThrough("attacker#disc-rtp", { PULSE_RUNTIME_PATH: socket.replace(/\/native$/, "") })).toEqual(
      heard(),
    );
  }, 120_000);

  test("5. $XDG_RUNTIME_DIR/pulse/native", async () => {
    const dir = join(box.env.XDG_RUNTIME_DIR!, "pulse");
    mkdirSync(dir, { recursive: true });
    symlinkSync(socket, join(dir, "native"));
    expect(await heardThrough("attacker#disc-xdg", {})).toEqual(heard(join(dir, "native")));
  }, 120_000);
});

/** What `doctor` says of sound: the socket found and how, or what was tried. */
async function doctorSays(extra: Record<string, string>): Promise<{ socket?: string; via?: string; tried?: string }> {
  const r = await box.run(["doctor"], { env: envOf(extra) });
  const line = `${r.stdout}\n${r.stderr}`.split("\n").find((l) => /\bsound\b/.test(l)) ?? "";
  const found = /found through (.*) \(([^()]*)\)\s*$/.exec(line);
  if (found) return { via: found[1], socket: found[2] };
  return { tried: /finds no sound server: apps will run silent \(tried: (.*)\)\s*$/.exec(line)?.[1] ?? line };
}

describe("where libpulse goes, dockercask goes: doctor beside pactl, in the same environment", () => {
  const conf = () => join(box.dir, "conf");
  test.each<[string, () => Promise<Record<string, string>>, { via: string } | { tried: string }]>([
    [
      "PULSE_CLIENTCONFIG's file",
      async () => {
        writeFile(join(conf(), "mine.conf"), `default-server = ${socket}\n`);
        return { PULSE_CLIENTCONFIG: join(conf(), "mine.conf") };
      },
      { via: "default-server in <conf>/mine.conf" },
    ],
    [
      "a client.conf.d drop-in, after its main file",
      async () => {
        writeFile(join(conf(), "main.conf"), "default-server = /nowhere\n");
        writeFile(join(conf(), "main.conf.d/50-here.conf"), `default-server = ${socket}\n`);
        return { PULSE_CLIENTCONFIG: join(conf(), "main.conf") };
      },
      { via: "default-server in <conf>/main.conf.d/50-here.conf" },
    ],
    [
      "a client.conf that includes another",
      async () => {
        writeFile(join(conf(), "main.conf"), ".include more.conf\n");
        writeFile(join(conf(), "more.conf"), `default-server = ${socket}\n`);
        return { PULSE_CLIENTCONFIG: join(conf(), "main.conf") };
      },
      { via: "default-server in <conf>/more.conf" },
    ],
    [
      "PULSE_SERVER's first local socket, after a TCP server",
      async () => ({ PULSE_SERVER: `tcp:127.0.0.1:1 unix:${socket}` }),
      { via: "PULSE_SERVER (passed over: tcp:127.0.0.1:1 is a TCP server, which is not relayed)" },
    ],
    [
      "not the X root window's property outside an SSH session",
      async () => {
        await setRootProperty(`unix:${socket}`);
        return {};
      },
      { tried: "the X root window's PULSE_SERVER is read only in an SSH session (SSH_CONNECTION is not set)" },
    ],
    [
      "not another machine's socket, though the path is there",
      async () => ({ PULSE_SERVER: `{0123abcd}unix:${socket}` }),
      { tried: "is another machine's (its {id} is not this machine's)" },
    ],
    [
      "not a client.conf under XDG_CONFIG_HOME, where libpulse does not look",
      async () => {
        writeFile(join(box.env.XDG_CONFIG_HOME!, "pulse/client.conf"), `default-server = ${socket}\n`);
        return {};
      },
      // client.conf decided nothing: the runtime dir was tried after it.
      { tried: "$XDG_RUNTIME_DIR/pulse/native (" },
    ],
    [
      "not a default-server after a line libpulse stops at",
      async () => {
        writeFile(join(box.env.HOME!, ".config/pulse/client.conf"), `autospawn = maybe\ndefault-server = ${socket}\n`);
        return {};
      },
      { tried: 'is not read past line 1: "maybe" is not a valid value for autospawn' },
    ],
    [
      "not the runtime dir when PULSE_SERVER is set but empty",
      async () => ({ PULSE_SERVER: "", PULSE_RUNTIME_PATH: socket.replace(/\/native$/, "") }),
      { tried: 'PULSE_SERVER is set but names no server, which libpulse refuses too ("Invalid server")' },
    ],
  ])(
    "%s",
    async (_, setUp, expected) => {
      const extra = await setUp();
      const [ours, libpulse] = await Promise.all([doctorSays(extra), libpulseFinds(extra)]);
      if ("via" in expected) {
        expect(ours).toEqual({ socket, via: expected.via.replace("<conf>", conf()) });
        expect(libpulse).toBe(socket);
      } else {
        // libpulse reaches no server here, so dockercask may not reach one either.
        expect(ours).toEqual({ tried: expect.stringContaining(expected.tried) });
        expect(libpulse).toBeUndefined();
      }
    },
    60_000,
  );
});

describe("no server found", () => {
  test("--audio gets a warning that says each way tried, doctor says the same, and the app runs silent", async () => {
    const r = await box.run(["run", "attacker#disc-none", "--audio", "--", "true"], { env: envOf({}) });
    expect(r.code).toBe(0);
    const warning = r.stderr.match(/.*running without sound.*/g) ?? [];
    expect(warning).toHaveLength(1);
    expect(warning[0]).toMatch(/warn/i);
    for (const way of [
      "PULSE_SERVER is not set",
      "the X root window's PULSE_SERVER is read only in an SSH session",
      "/etc/pulse/client.conf",
      `$XDG_RUNTIME_DIR/pulse/native (${box.env.XDG_RUNTIME_DIR}/pulse/native) is not a socket`,
      "the system-wide server's socket (/var/run/pulse/native) is not a socket",
    ])
      expect(warning[0]).toContain(way);
    expect((await doctorSays({})).tried).toContain("PULSE_SERVER is not set; the X root window's PULSE_SERVER");
    expect(await libpulseFinds({})).toBeUndefined();
    await waitFor(
      "nothing of it left",
      async () => (await sh(["pgrep", "-f", "attacker#disc-none"])).stdout.trim() === "" || undefined,
    );
  }, 120_000);

  test("in an SSH session whose desktop has no property, the warning says the window was asked", async () => {
    const r = await box.run(["run", "attacker#disc-ssh", "--audio", "--", "true"], { env: envOf(SSH) });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("PULSE_SERVER is not set; the X root window has no PULSE_SERVER;");
  }, 120_000);
});
