/**
 * Any Debian desktop app, boxed in one command: `dockercask run deb:<package>` reads the
 * package from Debian's mirror, writes a recipe made from its own metadata into the user's
 * apps folder, builds it and runs it. Real packages of every toolkit, each proved by its
 * window mapped in its own Xephyr, a screenshot that is not blank, and nothing left after.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { captureSettled, hostRect } from "../../scripts/screenshots.ts";
import { ARTIFACTS, createSandbox, expectNoStackTrace, makePdf, type Sandbox, sh } from "./helpers.ts";
import {
  containerId,
  type RunningSession,
  startRun,
  startSession,
  waitFor,
  waitUntilClean,
  windowGeometry,
} from "./session.ts";

/** Package, the app it runs as, and what it is drawn with. */
const PACKAGES: [string, string, string][] = [
  ["galculator", "galculator", "GTK 3"],
  ["gucharmap", "gucharmap", "GTK 3"],
  ["gnome-calculator", "gnome-calculator", "GTK 4 and libadwaita"],
  ["hexchat", "hexchat", "GTK 2"],
  ["featherpad", "featherpad", "Qt 5"],
  ["qpdfview", "qpdfview", "Qt 5"],
  ["jedit", "jedit", "Java (Swing)"],
  ["xpdf", "xpdf", "Motif"],
  ["xfig", "xfig", "Xaw3d"],
  ["tkcvs", "tkcvs", "Tk"],
  ["scid", "scid", "Tk, installed in /usr/games"],
];

let box: Sandbox;
const appsDir = () => join(box.env.XDG_CONFIG_HOME!, "dockercask/apps");
beforeAll(() => {
  mkdirSync(ARTIFACTS, { recursive: true });
  box = createSandbox("deb");
});
afterAll(async () => {
  await box.run(["stop", "--all"]);
  box.cleanup();
});

/** Windows an app has mapped on its display, of a size a person would see. */
async function appWindows(session: RunningSession): Promise<string[]> {
  const ids = (await sh(["xdotool", "search", "--onlyvisible", "--class", "."], session.xenv)).stdout
    .split("\n")
    .filter(Boolean);
  const seen: string[] = [];
  for (const id of ids) {
    const g = await windowGeometry(session.xenv, id);
    if (g.width >= 100 && g.height >= 60) seen.push(id);
  }
  return seen;
}

async function stop(session: RunningSession): Promise<void> {
  session.proc.kill("SIGTERM");
  expect(await session.exited).toBe(143);
  expect(await waitUntilClean(box, session.instance)).toEqual([]);
}

describe.each(PACKAGES)("deb:%s", (pkg, app, toolkit) => {
  test(`one command makes, builds and runs it (${toolkit}): its window maps, and nothing is left after`, async () => {
    const started = Date.now();
    const session = await startRun(box, `deb:${pkg}#e2e`, ["--size", "900x600"]);
    try {
      expect(session.instance).toBe(`${app}#e2e`);
      // Before anything maps: the check below could fail.
      await waitFor(`a window of ${pkg} in its Xephyr`, async () => (await appWindows(session)).length > 0, 180_000);
      const stats = await captureSettled(await hostRect(session.instance), join(ARTIFACTS, `deb-${pkg}.png`));
      expect(stats.stddev).toBeGreaterThan(0.01);
      console.error(`deb:${pkg}: window after ${((Date.now() - started) / 1000).toFixed(1)} s (made, built, run)`);
    } finally {
      await stop(session);
    }
    // The recipe is where a hand-written one goes, readable, and says where it came from.
    const recipe = readFileSync(join(appsDir(), app, "Dockerfile"), "utf8");
    expect(recipe).toContain(`io.dockercask.source="deb:${pkg}"`);
    expect(recipe).toContain(`RUN dockercask-install ${pkg}\n`);
  }, 600_000);
});

describe("the recipes made", () => {
  test("their policy is the metadata's: the IRC client and the calculator that fetches rates reach the internet, the rest nothing", () => {
    const network = (app: string) =>
      /io\.dockercask\.network="([a-z]+)"/.exec(readFileSync(join(appsDir(), app, "Dockerfile"), "utf8"))?.[1];
    expect(network("hexchat")).toBe("internet");
    expect(network("gnome-calculator")).toBe("internet");
    for (const app of ["galculator", "featherpad", "xpdf", "jedit", "tkcvs"]) expect(network(app)).toBe("none");
  });

  test("a game's program is found where Debian installs it", () => {
    expect(readFileSync(join(appsDir(), "scid", "Dockerfile"), "utf8")).toContain(
      'io.dockercask.command="/usr/games/scid"',
    );
  });

  test("list shows each with its source, and completion knows them", async () => {
    const list = JSON.parse((await box.run(["list", "--json"])).stdout) as {
      apps: { name: string; source: string; madeFrom?: string }[];
    };
    for (const [pkg, app] of PACKAGES)
      expect(list.apps.find((a) => a.name === app)).toMatchObject({ source: "user", madeFrom: `deb:${pkg}` });
    const table = (await box.run(["list"])).stdout;
    expect(table).toMatch(/^\s+galculator\s+deb:galculator\s/m);
    const completion = (await box.run(["__complete", "--", "run", "gal"])).stdout;
    expect(completion).toContain("galculator\t");
  });

  test("add and open take deb: too, as the app made from it", async () => {
    const add = await box.run(["add", "deb:galculator#added"]);
    expect(add.code).toBe(0);
    expect(add.stderr).not.toContain("reading the Debian package");
    const list = JSON.parse((await box.run(["list", "--json"])).stdout) as { instances: { name: string }[] };
    expect(list.instances.map((i) => i.name)).toContain("galculator#added");
    const pdf = join(box.dir, "given.pdf");
    writeFileSync(pdf, makePdf());
    const session = await startSession(box, ["open", "deb:xpdf#opened", pdf]);
    try {
      expect(session.instance).toBe("xpdf#opened");
      await waitFor(
        "xpdf showing the file",
        async () =>
          (await sh(["xdotool", "search", "--onlyvisible", "--name", "given\\.pdf"], session.xenv)).stdout.trim() ||
          undefined,
        120_000,
      );
    } finally {
      await box.run(["stop", "xpdf#opened"]);
      await session.exited;
    }
    expect(await waitUntilClean(box, "xpdf#opened")).toEqual([]);
  }, 300_000);

  test("the next run is the app made then: Debian is not asked again", async () => {
    const session = await startRun(box, "deb:galculator#again");
    try {
      await waitFor("galculator's window", async () => (await appWindows(session)).length > 0, 120_000);
      expect(session.output()).not.toContain("reading the Debian package");
    } finally {
      await stop(session);
    }
  }, 300_000);
});

describe("its menu entry", () => {
  test("is offered for the package's file types, and hands a file over as open does: a copy the app shows", async () => {
    const install = await box.run(["desktop", "install", "deb:xpdf#menu"]);
    expect(install.code).toBe(0);
    const entry = readFileSync(join(box.env.XDG_DATA_HOME!, "applications/dockercask-xpdf.menu.desktop"), "utf8");
    expect(entry).toMatch(/^MimeType=.*application\/pdf;/m);
    const exec = /^Exec=(.*)$/m.exec(entry)![1]!;
    expect(exec).toMatch(/ open "xpdf#menu" %F$/);
    // What the file manager runs for "Open With": the Exec, %F given the file.
    const pdf = join(box.dir, "handed over.pdf");
    writeFileSync(pdf, makePdf());
    const session = await startSession(box, ["open", "xpdf#menu", pdf]);
    try {
      await waitFor(
        "xpdf showing the file",
        async () =>
          (
            await sh(["xdotool", "search", "--onlyvisible", "--name", "handed over\\.pdf"], session.xenv)
          ).stdout.trim() || undefined,
        120_000,
      );
      const inside = await sh(["docker", "exec", await containerId("xpdf#menu"), "ls", "/home/app/Inbox"]);
      expect(inside.stdout).toContain("handed over.pdf");
    } finally {
      await box.run(["stop", "xpdf#menu"]);
      await session.exited;
    }
    expect(await waitUntilClean(box, "xpdf#menu")).toEqual([]);
  }, 300_000);
});

describe("a package with several entries", () => {
  test("the package's own runs; the other is named, and runs when asked for; a name taken gets -deb", async () => {
    const main = await box.run(["build", "deb:xterm"]);
    expect(main.code).toBe(0);
    // The catalog has an xterm of its own: this one is xterm-deb.
    expect(main.stderr).toContain("made the app xterm-deb from debian-xterm.desktop");
    expect(main.stderr).toContain("other entries: deb:xterm/debian-uxterm");
    const session = await startRun(box, "deb:xterm/debian-uxterm");
    try {
      expect(session.instance).toBe("debian-uxterm");
      await waitFor("uxterm's window", async () => (await appWindows(session)).length > 0, 120_000);
      expect((await sh(["xdotool", "search", "--onlyvisible", "--class", "^UXTerm$"], session.xenv)).stdout).not.toBe(
        "",
      );
    } finally {
      await stop(session);
    }
  }, 300_000);
});

describe("refused before anything is built", () => {
  test.each([
    ["an unknown name, with the nearest", "inkscap", /Debian has no package inkscap/, /deb:inkscape\b/],
    ["a package with no desktop entry", "x11-apps", /has no desktop entry/, /\.desktop file/],
    ["a program that runs in a terminal", "htop", /htop: it runs in a terminal/, /xterm app/],
    ["a name Debian could not have", "Ink;rm", /invalid Debian app/, /deb:ink;rm|lower case/],
  ])(
    "%s",
    async (_, pkg, message, hint) => {
      const before = existsSync(appsDir()) ? readdirSync(appsDir()).sort() : [];
      const r = await box.run(["run", `deb:${pkg}`]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/hint: /);
      expect(r.stderr).toMatch(hint);
      expectNoStackTrace(r.stderr);
      expect(existsSync(appsDir()) ? readdirSync(appsDir()).sort() : []).toEqual(before);
      expect((await sh(["docker", "images", "-q", `dockercask/${pkg}`])).stdout.trim()).toBe("");
      // The probe's container is gone too.
      expect((await sh(["docker", "ps", "-aq", "--filter", "label=io.dockercask.deb-probe"])).stdout.trim()).toBe("");
    },
    120_000,
  );
});
