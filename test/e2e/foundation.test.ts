import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createSandbox, dockerInspect, expectNoStackTrace, listFilesBelow, type Sandbox, sh } from "./helpers.ts";

let box: Sandbox;
beforeAll(() => {
  box = createSandbox("foundation");
});
afterAll(() => box.cleanup());

describe("the compiled binary", () => {
  test("--version names the version and commit", async () => {
    const r = await box.run(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^dockercask \d+\.\d+\.\d+ \(\S+\)\n$/);
  });

  test("--help lists every command, run included", async () => {
    const r = await box.run(["--help"]);
    expect(r.code).toBe(0);
    for (const command of ["run", "add", "remove", "list", "build", "build-all", "update"])
      expect(r.stdout).toContain(command);
    expect(r.stdout).not.toContain("\x1b["); // NO_COLOR and a pipe: plain text
  });

  test("an unknown command suggests the nearest one", async () => {
    const r = await box.run(["bulid", "xeyes"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('did you mean "dockercask build"');
  });

  test("a Docker daemon that is down gets a message with a hint, not a stack trace", async () => {
    const r = await box.run(["build", "xeyes"], { env: { DOCKER_HOST: `unix://${box.dir}/no-such.sock` } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot reach the Docker daemon");
    expect(r.stderr).toContain("hint:");
    expectNoStackTrace(r.stderr);
  });
});

describe("build", () => {
  test("build xeyes produces both images with their labels, xeyes on top of the base", async () => {
    const r = await box.run(["build", "xeyes"]);
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    const base = await dockerInspect("image", "dockercask/base");
    const xeyes = await dockerInspect("image", "dockercask/xeyes");
    expect(base.Config.Labels).toMatchObject({ "io.dockercask.build.app": "base" });
    expect(xeyes.Config.Labels).toMatchObject({
      "io.dockercask.build.app": "xeyes",
      "io.dockercask.command": "xeyes",
      "io.dockercask.network": "none",
    });
    for (const image of [base, xeyes]) {
      expect(image.Config.Labels["io.dockercask.build.version"]).toMatch(/^\d+\.\d+\.\d+$/);
      expect(image.Config.Labels["io.dockercask.build.hash"]).toMatch(/^[0-9a-f]{16}$/);
    }
    // FROM the base: every layer of the base is a layer of xeyes, in order.
    const baseLayers: string[] = base.RootFS.Layers;
    expect(xeyes.RootFS.Layers.slice(0, baseLayers.length)).toEqual(baseLayers);
    expect(xeyes.RootFS.Layers.length).toBeGreaterThan(baseLayers.length);
  });

  test("a second build reuses the images: nothing is rebuilt", async () => {
    const before = (await dockerInspect("image", "dockercask/xeyes")).Id;
    const r = await box.run(["build", "xeyes"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("dockercask/xeyes is up to date");
    expect((await dockerInspect("image", "dockercask/xeyes")).Id).toBe(before);
  });

  test("list shows the image as built, as JSON too", async () => {
    const r = await box.run(["list", "--json"]);
    expect(r.code).toBe(0);
    const listing = JSON.parse(r.stdout);
    const xeyes = listing.apps.find((a: { name: string }) => a.name === "xeyes");
    expect(xeyes).toMatchObject({ source: "builtin", image: "dockercask/xeyes", state: { state: "built" } });
    expect(listing.apps.find((a: { name: string }) => a.name === "base")).toBeUndefined();
  });

  test("a broken user Dockerfile fails, naming its step and its last output", async () => {
    const appDir = join(box.env.XDG_CONFIG_HOME!, "dockercask/apps/broken");
    mkdirSync(appDir, { recursive: true });
    writeFileSync(
      join(appDir, "Dockerfile"),
      'FROM dockercask/base\nRUN echo about-to-fail-42 && exit 3\nLABEL io.dockercask.command="true"\n',
    );
    const r = await box.run(["build", "broken"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('building image for "broken" failed');
    expect(r.stderr).toMatch(/failing step: Step 2\/\d+ : RUN echo about-to-fail-42 && exit 3/);
    expect(r.stderr).toContain("| about-to-fail-42");
    expectNoStackTrace(r.stderr);
    expect(await dockerInspect("image", "dockercask/broken")).toBeUndefined();
    // The failed step's container is removed too (forcerm).
    const leftovers = await sh(["docker", "ps", "-a", "--filter", "status=exited", "--format", "{{.Command}}"]);
    expect(leftovers.stdout).not.toContain("about-to-fail-42");
  });

  test("a user app overrides a built-in one and list says so", async () => {
    const appDir = join(box.env.XDG_CONFIG_HOME!, "dockercask/apps/xeyes");
    mkdirSync(appDir, { recursive: true });
    writeFileSync(join(appDir, "Dockerfile"), 'FROM dockercask/base\nLABEL io.dockercask.command="xeyes"\n');
    const listing = JSON.parse((await box.run(["list", "--json"])).stdout);
    const sources = Object.fromEntries(listing.apps.map((a: { name: string; source: string }) => [a.name, a.source]));
    expect(sources).toMatchObject({ xeyes: "user-override", broken: "user" });
    expect(listing.apps.find((a: { name: string }) => a.name === "xeyes").state.state).toBe("stale");
    const table = await box.run(["list"]);
    expect(table.stdout).toMatch(/xeyes\s+user-override\s+stale/);
  });
});

describe("instances", () => {
  let world: Sandbox;
  beforeAll(() => {
    world = createSandbox("instances");
  });
  afterAll(() => world.cleanup());

  test("add / list / remove / remove --purge round trip", async () => {
    const add = await world.run(["add", "xeyes#work"]);
    expect(add.code).toBe(0);
    const home = join(world.env.XDG_DATA_HOME!, "dockercask/homes/xeyes#work");
    expect(existsSync(home)).toBe(true);
    writeFileSync(join(home, "notes.txt"), "kept");

    const list = JSON.parse((await world.run(["list", "--json"])).stdout);
    expect(list.instances).toEqual([expect.objectContaining({ name: "xeyes#work", app: "xeyes", home })]);
    expect((await world.run(["list"])).stdout).toMatch(/xeyes#work\s+xeyes/);

    const remove = await world.run(["remove", "xeyes#work"]);
    expect(remove.code).toBe(0);
    expect(remove.stderr).toContain("home is kept");
    expect(JSON.parse((await world.run(["list", "--json"])).stdout).instances).toEqual([]);
    expect(readdirSync(home)).toEqual(["notes.txt"]);

    // Adding it again finds the old home; purging without a terminal needs --yes.
    expect((await world.run(["add", "xeyes#work"])).code).toBe(0);
    const refused = await world.run(["remove", "--purge", "xeyes#work"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("--yes");
    expect(readdirSync(home)).toEqual(["notes.txt"]);

    const outside = join(world.dir, "precious");
    mkdirSync(outside);
    writeFileSync(join(outside, "keep.txt"), "mine");
    symlinkSync(outside, join(home, "link-to-precious"));
    const purge = await world.run(["remove", "--purge", "--yes", "xeyes#work"]);
    expect(purge.code).toBe(0);
    expect(existsSync(home)).toBe(false);
    expect(readdirSync(outside)).toEqual(["keep.txt"]);
  });

  test("removing an instance that was never added is an error", async () => {
    const r = await world.run(["remove", "xeyes#never"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no instance named "xeyes#never"');
  });

  test.each([
    "",
    "..",
    "../x",
    "a/b",
    "fire fox",
    "x;rm -rf ~",
    "xeyes#1#2",
    "x".repeat(65),
    "xеyes",
    "$(id)",
    "xeyes#",
  ])("add %p fails clearly and writes nothing", async (name) => {
    const fresh = createSandbox("badname");
    try {
      const r = await fresh.run(["add", name]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/invalid instance name|unknown app/);
      expect(r.stderr).toContain("hint:");
      expectNoStackTrace(r.stderr);
      expect(listFilesBelow(fresh.env.XDG_DATA_HOME!)).toEqual([]);
      expect(listFilesBelow(fresh.env.XDG_CONFIG_HOME!)).toEqual([]);
    } finally {
      fresh.cleanup();
    }
  });

  test("an unknown app suggests the nearest name and writes nothing", async () => {
    const fresh = createSandbox("unknown");
    try {
      const r = await fresh.run(["add", "xeyse"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('Did you mean "xeyes"?');
      expect(listFilesBelow(fresh.env.XDG_DATA_HOME!)).toEqual([]);
    } finally {
      fresh.cleanup();
    }
  });
});
