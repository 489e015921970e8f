/**
 * The app catalog, app by app: every image Debian's packages can build is built and run in
 * its own window, and the demos docs/apps.md makes claims about are tried for real: the
 * keylogger sees only its own window's keys, Firefox keeps its profile per instance, and the
 * browsers keep their own sandboxes inside a container with no capabilities.
 *
 * The vendor apps (chrome, spotify, slack) need their vendors' servers at build time; their
 * Dockerfiles are checked statically in test/unit/apps/vendor.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { captureSettled, hostRect, MAIN_WINDOWS, VENDOR_APPS, waitForMainWindow } from "../../scripts/screenshots.ts";
import { ARTIFACTS, dockerInspect, type Sandbox, sh } from "./helpers.ts";
import {
  containerId,
  createAppSandbox,
  execIn,
  HOST_DISPLAY,
  type RunningSession,
  startRun,
  visibleWindows,
  waitFor,
  waitUntilClean,
  xephyrWindow,
} from "./session.ts";

const WINDOWS = MAIN_WINDOWS;
const APPS = Object.keys(WINDOWS);
const SIZE = { width: 1024, height: 700 };

const hostUid = process.getuid!();
const appUid = hostUid === 0 ? 1000 : hostUid;

let box: Sandbox;
beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const started = Date.now();
  box = await createAppSandbox("catalog", APPS);
  // How long the catalog takes to build (seconds when cached, minutes cold): CI has a budget.
  console.error(`catalog: ${APPS.length} apps built or up to date in ${((Date.now() - started) / 1000).toFixed(1)} s`);
});
afterAll(async () => {
  await box.run(["stop", "--all"]);
  box.cleanup();
});

const homeOf = (instance: string) => join(box.env.XDG_DATA_HOME!, "dockercask/homes", instance);
const logsOf = async (instance: string) => {
  const r = await box.run(["logs", instance]);
  return r.stdout + r.stderr;
};

/** Stops a session as the user would (Ctrl+C's sibling, SIGTERM) and checks nothing is left. */
async function stop(session: RunningSession): Promise<void> {
  session.proc.kill("SIGTERM");
  expect(await session.exited).toBe(143);
  const left = await waitUntilClean(box, session.instance);
  if (left.length) {
    const listing = (await sh(["ls", "-la", join(box.env.XDG_RUNTIME_DIR!, "dockercask", session.instance)])).stdout;
    console.error(`dockercask run ${session.instance} said:\n${session.output()}\nits runtime dir holds:\n${listing}`);
  }
  expect(left).toEqual([]);
}

test("the catalog is every Debian app here plus the vendor apps: none is left untested", async () => {
  const list = JSON.parse((await box.run(["list", "--json"])).stdout) as { apps: { name: string; source: string }[] };
  const builtin = list.apps
    .filter((a) => a.source === "builtin")
    .map((a) => a.name)
    .sort();
  expect(builtin).toEqual([...APPS, ...VENDOR_APPS].sort());
});

describe.each(APPS)("%s", (app) => {
  test("its window is mapped inside its Xephyr and shows on the desktop", async () => {
    const instance = `${app}#e2e`;
    const session = await startRun(box, instance, ["--size", `${SIZE.width}x${SIZE.height}`]);
    try {
      await waitForMainWindow(session, app);
      // What the user sees: the window on the desktop, once it has settled, and not blank.
      const stats = await captureSettled(await hostRect(instance), join(ARTIFACTS, `catalog-${app}.png`));
      expect(stats.stddev).toBeGreaterThan(0.01);
    } finally {
      await stop(session);
    }
  });

  test("its image has no setuid or setgid file", async () => {
    const r = await sh([
      "docker",
      "run",
      "--rm",
      "--network",
      "none",
      "--entrypoint",
      "find",
      `dockercask/${app}`,
      "/",
      "-xdev",
      "-perm",
      "/6000",
      "-type",
      "f",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe("");
  });
});

describe("the keylogger demo", () => {
  test("logs keys typed into its window, and none typed anywhere else on the desktop", async () => {
    const instance = "keylogger#keys";
    const session = await startRun(box, instance, ["--size", "640x480"]);
    // The control: the same raw-event listener, given the host display, as a keylogger on a
    // shared X server would be. It must see the keys typed outside, or the test proves nothing.
    const hostSocket = `/tmp/.X11-unix/X${HOST_DISPLAY.replace(/^:/, "")}`;
    const control = Bun.spawn(
      [
        "docker",
        "run",
        "--rm",
        "--name",
        "dockercask-e2e-keylogger-control",
        "--network",
        "none",
        "-v",
        `${hostSocket}:${hostSocket}`,
        "-e",
        `DISPLAY=${HOST_DISPLAY}`,
        "--entrypoint",
        "stdbuf",
        "dockercask/keylogger",
        "-oL",
        "xinput",
        "test-xi2",
        "--root",
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    let controlText = "";
    void (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of control.stdout as ReadableStream<Uint8Array>) controlText += decoder.decode(chunk);
    })();
    const host = { DISPLAY: HOST_DISPLAY };
    const xdotool = (...args: string[]) => sh(["xdotool", ...args], host);
    try {
      await waitForMainWindow(session, "keylogger");
      const rect = await hostRect(instance);
      const xephyr = await xephyrWindow(instance);
      // Raised, never focused: the desktop's focus follows the pointer, which is the point.
      const pointInside = async () => {
        await xdotool("windowraise", xephyr);
        await xdotool("mousemove", String(rect.x + rect.width / 2), String(rect.y + rect.height / 2));
      };
      // The control is listening once it reports the pointer moving on the host display.
      await waitFor(
        "the control listener on the host display",
        async () => {
          await xdotool("mousemove", String(rect.x + rect.width + 20 + (Date.now() % 50)), "20");
          return controlText.includes("EVENT type") || undefined;
        },
        30_000,
      );
      // The "Keylog" button spans the top of the window.
      await xdotool("windowraise", xephyr);
      await xdotool("mousemove", String(rect.x + rect.width / 2), String(rect.y + 30), "click", "1");
      await waitFor(
        "the keylogger to start logging",
        async () => (await logsOf(instance)).includes("keylogger: logging raw key presses") || undefined,
        30_000,
      );

      // Typed with the pointer over its window: it gets the keys.
      await pointInside();
      await xdotool("type", "--delay", "40", "inside");
      const expectedInside = ["i", "n", "s", "i", "d", "e"].map((k) => `key: ${k}`);
      await waitFor(
        "the keys typed inside to be logged",
        async () => (keysIn(await logsOf(instance)).join(",") === expectedInside.join(",") ? true : undefined),
        30_000,
      );

      // Typed over the desktop outside its window: nothing. The control hears them.
      const controlBefore = rawPresses(controlText);
      await xdotool(
        "mousemove",
        String(Math.min(rect.x + rect.width + 100, 1270)),
        String(Math.min(rect.y + rect.height + 100, 790)),
      );
      await xdotool("type", "--delay", "40", "qwzxv");
      await waitFor(
        "the control listener to hear the keys typed outside",
        () => (rawPresses(controlText) >= controlBefore + 5 ? true : undefined),
        30_000,
      );
      // A marker typed inside afterwards: once it is logged, anything typed before it would be too.
      await waitFor(
        "the marker key",
        async () => {
          await pointInside();
          await xdotool("key", "m");
          return waitFor(
            "the marker in the log",
            async () => (keysIn(await logsOf(instance)).includes("key: m") ? true : undefined),
            5_000,
          ).catch(() => undefined);
        },
        60_000,
      );
      const logged = keysIn(await logsOf(instance));
      expect(logged.filter((k) => k !== "key: m")).toEqual(expectedInside);
      expect(logged.at(-1)).toBe("key: m");
      await sh(["import", "-window", "root", "-display", HOST_DISPLAY, join(ARTIFACTS, "catalog-keylogger-keys.png")]);
    } finally {
      await sh(["docker", "rm", "-f", "dockercask-e2e-keylogger-control"]);
      await control.exited;
      await stop(session);
    }
  });
});

function keysIn(logs: string): string[] {
  return logs.split("\n").filter((l) => l.startsWith("key: "));
}

function rawPresses(xinputOutput: string): number {
  return xinputOutput.split("\n").filter((l) => l.includes("(RawKeyPress)")).length;
}

/** The title of the app's main window, once `matches` accepts it. */
async function waitForTitle(
  session: RunningSession,
  app: string,
  matches: (title: string) => boolean,
  what: string,
  timeoutMs = 90_000,
): Promise<string> {
  return waitFor(
    what,
    async () => {
      const [id] = await visibleWindows(session.xenv, WINDOWS[app]!);
      if (!id) return undefined;
      const title = (await sh(["xdotool", "getwindowname", id], session.xenv)).stdout.trim();
      return matches(title) ? title : undefined;
    },
    timeoutMs,
  );
}

/** Writes files into an instance's home, owned by the user the app runs as, like everything else there. */
async function writeIntoHome(instance: string, files: Record<string, string>): Promise<void> {
  expect((await box.run(["add", instance])).code).toBe(0);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(homeOf(instance), path)), { recursive: true });
    writeFileSync(join(homeOf(instance), path), text);
  }
  expect((await sh(["chown", "-R", `${appUid}:${appUid}`, homeOf(instance)])).code).toBe(0);
}

describe("Firefox's profile", () => {
  const MARKER_TITLE = "dockercask-kept-pref";
  const PROFILE = ".config/mozilla/firefox/dockercask";
  const prefsOf = (instance: string) => {
    try {
      return readFileSync(join(homeOf(instance), PROFILE, "prefs.js"), "utf8");
    } catch {
      return undefined;
    }
  };
  const showsMarker = (title: string) => title.includes(MARKER_TITLE);

  test("a preference Firefox wrote in one run is used in the next run of the instance, and not by another", async () => {
    // Run 1 gets the preference through user.js, the way a user sets one by hand; Firefox then
    // writes it into prefs.js itself.
    await writeIntoHome("firefox#keep", {
      "marker.html": `<title>${MARKER_TITLE}</title><h1>kept</h1>\n`,
      [`${PROFILE}/user.js`]: 'user_pref("browser.startup.homepage", "file:///home/app/marker.html");\n',
    });
    const first = await startRun(box, "firefox#keep", ["--size", `${SIZE.width}x${SIZE.height}`]);
    try {
      await waitForTitle(first, "firefox", showsMarker, "run 1 to open the home page set in user.js");
      await waitFor(
        "Firefox to write the preference into prefs.js",
        () => prefsOf("firefox#keep")?.includes("file:///home/app/marker.html") || undefined,
        60_000,
      );
    } finally {
      await stop(first);
    }

    // Run 2 has no user.js: only what Firefox kept in the profile can set the home page.
    rmSync(join(homeOf("firefox#keep"), PROFILE, "user.js"));
    const second = await startRun(box, "firefox#keep", ["--size", `${SIZE.width}x${SIZE.height}`]);
    try {
      await waitForTitle(second, "firefox", showsMarker, "run 2 to open the home page kept in the profile");
    } finally {
      await stop(second);
    }

    // Another instance has a profile of its own, without it. It also opens the URL given after
    // `--`: the command label's arguments and the app arguments are joined.
    await writeIntoHome("firefox#other", { "other.html": "<title>dockercask-url-argument</title>\n" });
    const other = await startRun(box, "firefox#other", [
      "--size",
      `${SIZE.width}x${SIZE.height}`,
      "--",
      "file:///home/app/other.html",
    ]);
    try {
      const title = await waitForTitle(
        other,
        "firefox",
        (t) => t.includes("dockercask-url-argument"),
        "the other instance to open the URL it was given",
      );
      expect(title).not.toContain(MARKER_TITLE);
      const prefs = await waitFor("the other instance's prefs.js", () => prefsOf("firefox#other"), 60_000);
      expect(prefs).not.toContain("marker.html");
    } finally {
      await stop(other);
    }
  });
});

describe("browser sandboxes", () => {
  /** Each process's command, user namespace and number of seccomp filters, seen from inside. */
  interface Process {
    pid: string;
    userns: string;
    filters: number;
    cmd: string;
  }
  async function processes(instance: string): Promise<Process[]> {
    const script =
      'for p in /proc/[0-9]*; do c=$(tr "\\0" " " < $p/cmdline 2>/dev/null); [ -n "$c" ] || continue; ' +
      "echo \"$(basename $p)|$(readlink $p/ns/user)|$(awk '/^Seccomp_filters:/{print $2}' $p/status)|$c\"; done";
    const r = await execIn(instance, ["sh", "-c", script]);
    return r.stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const [pid, userns, filters, ...cmd] = line.split("|");
        return { pid: pid!, userns: userns!, filters: Number(filters), cmd: cmd.join("|") };
      });
  }

  /**
   * The browser's own report page as text: typed into the address bar of the instance's window,
   * then selected and copied there, and read from that display's clipboard. The instances run
   * with `--clipboard off`, so nothing of it reaches the desktop's clipboard.
   */
  async function reportText(
    session: RunningSession,
    app: string,
    url: string,
    title: RegExp,
    heading: string,
  ): Promise<string> {
    const inside = (...args: string[]) => sh(["xdotool", ...args], session.xenv);
    // Typed again until the page shows: keys sent while the window is still starting are lost.
    await waitFor(
      `${app} to show ${url}`,
      async () => {
        await inside("key", "ctrl+l");
        await inside("type", "--delay", "20", url);
        await inside("key", "Return");
        return waitForTitle(session, app, (t) => title.test(t), `${app} to show ${url}`, 10_000).catch(() => undefined);
      },
      90_000,
    );
    return waitFor(
      `the text of ${url}`,
      async () => {
        await inside("key", "ctrl+a", "ctrl+c");
        const text = (await sh(["xclip", "-o", "-selection", "clipboard"], session.xenv)).stdout;
        return text.includes(heading) ? text : undefined;
      },
      30_000,
    );
  }

  /**
   * The same image with only its seccomp label set back to the engine's default: the control.
   * A child recipe inherits no policy from its parent, so the parent's other labels are restated.
   */
  async function withDockerSeccomp(app: string, command: string): Promise<string> {
    const name = `${app}-docker-seccomp`;
    const dir = join(box.env.XDG_CONFIG_HOME!, "dockercask/apps", name);
    mkdirSync(dir, { recursive: true });
    const parent: Record<string, string> = (await dockerInspect("image", `dockercask/${app}`))?.Config?.Labels ?? {};
    const restated = Object.entries(parent)
      .filter(
        ([k]) =>
          k.startsWith("io.dockercask.") &&
          !k.startsWith("io.dockercask.build.") &&
          !["io.dockercask.command", "io.dockercask.seccomp", "io.dockercask.description"].includes(k),
      )
      .map(([k, v]) => ` ${k}=${JSON.stringify(v)}`)
      .join("");
    writeFileSync(
      join(dir, "Dockerfile"),
      `FROM dockercask/${app}\nLABEL io.dockercask.command="${command}" io.dockercask.seccomp="default"${restated}\n`,
    );
    expect((await box.run(["build", name])).code).toBe(0);
    return name;
  }

  test("Chromium runs with its own sandbox: chrome://sandbox says so, and its renderers have namespaces and a filter of their own", async () => {
    const instance = "chromium#sandbox";
    const session = await startRun(box, instance, ["--size", `${SIZE.width}x${SIZE.height}`, "--clipboard", "off"]);
    try {
      await waitForMainWindow(session, "chromium");
      // Chromium's own report.
      const report = await reportText(session, "chromium", "chrome://sandbox", /^Sandbox Status/, "Sandbox Status");
      for (const line of [
        "Layer 1 Sandbox\tNamespace",
        "PID namespaces\tYes",
        "Network namespaces\tYes",
        "Seccomp-BPF sandbox\tYes",
        "You are adequately sandboxed.",
      ]) {
        expect(report).toContain(line);
      }
      await sh([
        "import",
        "-window",
        "root",
        "-display",
        HOST_DISPLAY,
        join(ARTIFACTS, "catalog-chromium-sandbox.png"),
      ]);

      // And what the kernel says about its processes. A renderer that is just starting has not
      // installed its filter yet, so the list is read again until every renderer has.
      const isBrowser = (p: Process) => p.cmd.startsWith("/usr/lib/chromium/chromium") && !p.cmd.includes("--type=");
      const procs = await waitFor(
        "every renderer to be sandboxed",
        async () => {
          const list = await processes(instance);
          const browser = list.find(isBrowser);
          const renderers = list.filter((p) => p.cmd.includes("--type=renderer"));
          return browser && renderers.length > 0 && renderers.every((r) => r.filters > browser.filters)
            ? list
            : undefined;
        },
        30_000,
      );
      const browser = procs.find(isBrowser)!;
      expect(browser.cmd).not.toContain("--no-sandbox");
      const container = await containerId(instance);
      expect(JSON.stringify((await dockerInspect("container", container)).Config.Cmd)).not.toContain("no-sandbox");
      for (const renderer of procs.filter((p) => p.cmd.includes("--type=renderer"))) {
        expect(renderer.userns).not.toBe(browser.userns);
        // Docker's filter, plus the one Chromium installs in its renderers.
        expect(renderer.filters).toBeGreaterThan(browser.filters);
      }
      expect(await logsOf(instance)).not.toContain("No usable sandbox");

      // The profile opens user namespaces, and nothing more: no mount or cgroup namespace, no mount.
      expect((await execIn(instance, ["unshare", "--user", "true"])).code).toBe(0);
      expect((await execIn(instance, ["unshare", "--user", "--mount", "true"])).code).not.toBe(0);
      expect((await execIn(instance, ["unshare", "--user", "--cgroup", "true"])).code).not.toBe(0);
      expect(
        (await execIn(instance, ["unshare", "--user", "--map-root-user", "sh", "-c", "mount -t tmpfs none /tmp"])).code,
      ).not.toBe(0);
    } finally {
      await stop(session);
    }
  });

  test("under Docker's default seccomp profile, Chromium cannot sandbox itself and refuses to start", async () => {
    const app = await withDockerSeccomp("chromium", "chromium");
    const session = await startRun(box, `${app}#ctl`, ["--size", "640x480", "--clipboard", "off"]);
    const code = await Promise.race([session.exited, Bun.sleep(60_000).then(() => "still running" as const)]);
    if (code === "still running") session.proc.kill("SIGTERM");
    expect(code).not.toBe("still running");
    expect(code).not.toBe(0);
    expect(await waitUntilClean(box, `${app}#ctl`)).toEqual([]);
  });

  test("Firefox runs with its whole sandbox: about:support says so, its content processes have namespaces and a filter of their own", async () => {
    const instance = "firefox#sandbox";
    const session = await startRun(box, instance, ["--size", `${SIZE.width}x${SIZE.height}`, "--clipboard", "off"]);
    try {
      await waitForMainWindow(session, "firefox");
      // Firefox's own report.
      const report = await reportText(
        session,
        "firefox",
        "about:support",
        /^Troubleshooting Information/,
        "Effective Content Process Sandbox Level",
      );
      for (const line of [
        "Seccomp-BPF (System Call Filtering)\ttrue",
        "User Namespaces\ttrue",
        "Content Process Sandboxing\ttrue",
      ])
        expect(report).toContain(line);

      // The fork server that launches them stays with the parent; every process it launches does
      // not. One just starting has not installed its filter yet: the list is read again until all have.
      const isParent = (p: Process) => p.cmd.startsWith("firefox-esr");
      const sandboxedIn = (list: Process[]) =>
        list.filter((p) => p.cmd.includes("-contentproc") && !p.cmd.trim().endsWith("forkserver"));
      const procs = await waitFor(
        "every content process to be sandboxed",
        async () => {
          const list = await processes(instance);
          const parent = list.find(isParent);
          const sandboxed = sandboxedIn(list);
          return parent && sandboxed.length > 0 && sandboxed.every((p) => p.filters > parent.filters)
            ? list
            : undefined;
        },
        30_000,
      );
      const parent = procs.find(isParent)!;
      for (const content of sandboxedIn(procs)) {
        expect(content.userns).not.toBe(parent.userns);
        // Docker's filter, plus the one Firefox installs in its sandboxed processes.
        expect(content.filters).toBeGreaterThan(parent.filters);
      }
      // Under Docker's default profile Firefox says "Sandbox: CanCreateUserNamespace() clone() failure: EPERM".
      expect(await logsOf(instance)).not.toMatch(/Sandbox: .*(EPERM|failure)/);
    } finally {
      await stop(session);
    }
  });

  test("under Docker's default seccomp profile, Firefox warns and runs without user namespaces", async () => {
    const app = await withDockerSeccomp("firefox", "/usr/local/bin/dockercask-firefox");
    const session = await startRun(box, `${app}#ctl`, ["--size", `${SIZE.width}x${SIZE.height}`, "--clipboard", "off"]);
    try {
      await waitForMainWindow(session, "firefox");
      const report = await reportText(
        session,
        "firefox",
        "about:support",
        /^Troubleshooting Information/,
        "Effective Content Process Sandbox Level",
      );
      expect(report).toContain("User Namespaces\tfalse");
      expect(await logsOf(`${app}#ctl`)).toMatch(/Sandbox: CanCreateUserNamespace\(\) clone\(\) failure: EPERM/);
    } finally {
      await stop(session);
    }
  });
});
