/**
 * The security model (docs/security.md; docs/architecture.md maps each promise to its test), attack by attack. Each test runs the attack from inside a
 * running instance's container, as the app's own user, like a compromised app would, and
 * most carry a positive control so that a test which cannot fail would show up as failing.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { dockerInspect, type Sandbox, sh } from "./helpers.ts";
import {
  containerId,
  cookieOf,
  createAppSandbox,
  execIn,
  HOST_DISPLAY,
  type RunningSession,
  startRun,
  waitFor,
  windowGeometry,
  xephyrWindow,
} from "./session.ts";

let box: Sandbox;
let a: RunningSession;
let b: RunningSession;

beforeAll(async () => {
  box = await createAppSandbox("security");
  // The user's own Xauthority, with a cookie we can look for from inside.
  box.env.XAUTHORITY = join(box.env.HOME!, ".Xauthority");
  await sh(["xauth", "-f", box.env.XAUTHORITY, "add", HOST_DISPLAY, ".", HOST_COOKIE]);
  [a, b] = await Promise.all([startRun(box, "attacker#a"), startRun(box, "attacker#b")]);
});

afterAll(async () => {
  await box.run(["stop", "--all"]);
  await Promise.all([a?.exited, b?.exited]);
  box.cleanup();
});

const HOST_COOKIE = "0123456789abcdeffedcba9876543210";
const attack = (command: string) => execIn("attacker#a", ["sh", "-c", command]);

describe("X11 isolation", () => {
  test("the app reaches its own display (the control for the attacks below)", async () => {
    const r = await attack(`xdpyinfo -display :${a.display} >/dev/null && echo reached`);
    expect(r.stdout).toContain("reached");
  });

  test("it cannot connect to the host display through its socket path", async () => {
    const hostDisplay = HOST_DISPLAY.replace(/^:/, "");
    const r = await attack(
      `ls -la /tmp/.X11-unix/; xdpyinfo -display unix/:${hostDisplay} >/dev/null 2>&1 && echo CONNECTED || echo refused`,
    );
    expect(r.stdout).toContain("refused");
    expect(r.stdout).not.toContain(`X${hostDisplay}\n`);
  });

  test("it cannot connect to the host display through the abstract socket", async () => {
    const hostDisplay = HOST_DISPLAY.replace(/^:/, "");
    // Control: the abstract socket of its own display is no more reachable either (its own network namespace).
    const r = await attack(
      `socat -u OPEN:/dev/null ABSTRACT-CONNECT:/tmp/.X11-unix/X${hostDisplay} 2>&1 && echo CONNECTED || echo refused`,
    );
    expect(r.stdout).toContain("refused");
    // And on the host, that abstract socket does exist and accept: the attack targets something real.
    const onHost = await sh(["socat", "-u", "OPEN:/dev/null", `ABSTRACT-CONNECT:/tmp/.X11-unix/X${hostDisplay}`]);
    expect(onHost.code).toBe(0);
  });

  test("it cannot connect to another instance's display", async () => {
    const r = await attack(`xdpyinfo -display :${b.display} >/dev/null 2>&1 && echo CONNECTED || echo refused`);
    expect(r.stdout).toContain("refused");
    const abstract = await attack(
      `socat -u OPEN:/dev/null ABSTRACT-CONNECT:/tmp/.X11-unix/X${b.display} 2>&1 && echo CONNECTED || echo refused`,
    );
    expect(abstract.stdout).toContain("refused");
  });

  test("it cannot read any host Xauthority, only its own cookie for its own display", async () => {
    // Control: the user's Xauthority on the host holds the cookie we look for.
    expect((await sh(["xauth", "-f", box.env.XAUTHORITY!, "nlist"])).stdout).toContain(HOST_COOKIE);
    // / and the tmpfs filesystems an engine may put under it (Podman mounts one on /run and /tmp).
    const named = await attack(
      "find / /run /tmp /var/tmp /home/app -xdev \\( -name '.Xauthority' -o -name 'Xauthority' -o -name 'xauth.server' -o -name 'xauth.client' \\) 2>/dev/null | sort -u",
    );
    expect(named.stdout.trim().split("\n")).toEqual(["/run/dockercask/Xauthority"]);
    const found = await attack(
      `grep -rl --exclude-dir=proc --exclude-dir=sys ${HOST_COOKIE} / 2>/dev/null; xauth -i -f /run/dockercask/Xauthority nlist`,
    );
    expect(found.stdout).not.toContain(HOST_COOKIE);
    expect(found.stdout).toMatch(/^ffff 0000 {2}0000 {2}0012 /m);
  });

  test("a keylogger inside sees keys typed into its window, and none typed on the host desktop", async () => {
    // xinput's raw XI2 events on the root window: what a real keylogger would listen to.
    await attack("(xinput test-xi2 --root > /tmp/keylog 2>&1 &)");
    await waitFor("the keylogger to start", async () => (await attack("pgrep -x xinput")).code === 0);
    const window = await xephyrWindow("attacker#a");
    const host = { DISPLAY: HOST_DISPLAY };
    const geometry = await windowGeometry(host, window);
    const keyPresses = async () =>
      ((await attack("cat /tmp/keylog")).stdout.match(/^EVENT type \d+ \(RawKeyPress\)/gm) ?? []).length;
    const pointAt = async (x: number, y: number) => sh(["xdotool", "mousemove", String(x), String(y)], host);
    const inside = async () => {
      // Raised first: another window on the desktop must not cover the spot we point at.
      await sh(["xdotool", "windowraise", window], host);
      await pointAt(geometry.x + geometry.width / 2, geometry.y + geometry.height / 2);
      expect((await sh(["xdotool", "getmouselocation", "--shell"], host)).stdout).toContain(`WINDOW=${window}`);
    };

    // A running xinput has not always selected its events yet: it listens once a key typed
    // into the window shows up in its log. Counted from there.
    await inside();
    const listening = await waitFor(
      "the keylogger to listen",
      async () => {
        await sh(["xdotool", "key", "z"], host);
        const count = await keyPresses();
        return count > 0 ? count : undefined;
      },
      20_000,
    );
    await Bun.sleep(300);
    const before = Math.max(listening, await keyPresses());

    // Real (XTEST) key presses on the host desktop, with the pointer outside the window.
    await pointAt(geometry.x + geometry.width + 20, geometry.y + geometry.height + 20);
    await sh(["xdotool", "key", "h", "o", "s", "t"], host);
    // Control: the same keys with the pointer over the window reach it, and the keylogger logs them.
    // Typed after the first ones, so once these arrive the first would have too.
    await inside();
    await sh(["xdotool", "key", "a", "p", "p"], host);
    await waitFor(
      "the keylogger to log the 3 keys typed into its window",
      async () => (await keyPresses()) >= before + 3,
      20_000,
    );
    // Exactly those three, and none of the four typed outside (which were typed first).
    await Bun.sleep(300);
    expect((await keyPresses()) - before).toBe(3);
  });
});

describe("privileges", () => {
  test("no effective capabilities", async () => {
    const r = await attack("grep -E '^Cap(Eff|Prm|Bnd):' /proc/self/status");
    for (const line of r.stdout.trim().split("\n")) expect(line).toMatch(/:\s+0000000000000000$/);
  });

  test("a setuid-root binary does not make it root", async () => {
    const r = await attack("ls -l /usr/local/bin/rootbash; /usr/local/bin/rootbash -p -c 'id -u; id -g'");
    expect(r.stdout).toMatch(/^-rwsr-xr-x .* root root/m);
    const [uid] = r.stdout.trim().split("\n").slice(-2);
    expect(uid).not.toBe("0");
  });

  test("it runs as an unprivileged user", async () => {
    const r = await attack("id -u");
    expect(r.stdout.trim()).not.toBe("0");
  });

  test("it cannot reach the Docker socket", async () => {
    const r = await attack(
      "ls -la /var/run/docker.sock /run/docker.sock 2>&1; find / -xdev -type s -name 'docker*' 2>/dev/null",
    );
    expect(r.stdout).not.toMatch(/^s/m);
    expect(r.stdout).toMatch(/No such file/);
  });

  test("it writes only to its home and /tmp", async () => {
    const r = await attack(
      "for p in /etc/x /usr/x /x /var/x /run/dockercask/x /home/x; do touch $p 2>/dev/null && echo WROTE $p; done; touch $HOME/ok /tmp/ok /var/tmp/ok && echo home-ok",
    );
    expect(r.stdout).not.toContain("WROTE");
    expect(r.stdout).toContain("home-ok");
  });
});

describe("the cookie", () => {
  test("its files are 0600 in a 0700 runtime dir", async () => {
    const stat = await sh([
      "stat",
      "-c",
      "%a %n",
      a.runtimeDir,
      join(a.runtimeDir, "xauth.server"),
      join(a.runtimeDir, "xauth.client"),
    ]);
    expect(
      stat.stdout
        .trim()
        .split("\n")
        .map((l) => l.split(" ")[0]),
    ).toEqual(["700", "600", "600"]);
  });

  test("it appears nowhere in docker inspect, the container's env, or any host process's argv", async () => {
    const cookie = await cookieOf(a);
    expect(cookie).toMatch(/^[0-9a-f]{32}$/);
    const id = await containerId("attacker#a");
    const inspect = JSON.stringify(await dockerInspect("container", id));
    expect(inspect).toContain("attacker#a"); // control: we are looking at the right container
    expect(inspect.toLowerCase()).not.toContain(cookie);
    const env = await attack("cat /proc/1/environ /proc/self/environ | tr '\\0' '\\n'");
    expect(env.stdout.toLowerCase()).not.toContain(cookie);
    const argv = await sh(["sh", "-c", "cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' '"]);
    expect(argv.stdout).toContain("Xephyr"); // control
    expect(argv.stdout.toLowerCase()).not.toContain(cookie);
    const logs = readFileSync(join(a.runtimeDir, "state.json"), "utf8") + a.output();
    expect(logs.toLowerCase()).not.toContain(cookie);
  });

  test("each instance has its own cookie, and a wrong one is refused", async () => {
    expect(await cookieOf(a)).not.toBe(await cookieOf(b));
    const refused = await sh(["xdpyinfo", "-display", `:${a.display}`], {
      XAUTHORITY: join(b.runtimeDir, "xauth.client"),
    });
    expect(refused.code).not.toBe(0);
    const accepted = await sh(["xdpyinfo", "-display", `:${a.display}`], {
      XAUTHORITY: join(a.runtimeDir, "xauth.client"),
    });
    expect(accepted.code).toBe(0);
  });
});
