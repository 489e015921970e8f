import { describe, expect, test } from "bun:test";
import type { BuildEvent } from "../../../src/core/catalog/build-progress.ts";
import { createCatalog, recipeHash } from "../../../src/core/catalog/catalog.ts";
import { ImageBuildError, InvalidPolicyError } from "../../../src/core/errors.ts";
import type { BuildImageOptions, ImageClient } from "../../../src/ports/image-client.ts";
import { type BuildDeps, buildApps, ensureImage } from "../../../src/services/build.ts";

const tree = {
  base: { Dockerfile: "FROM debian:bookworm-slim\n" },
  xeyes: { Dockerfile: 'FROM dockercask/base\nLABEL io.dockercask.command="xeyes"\n' },
  bad: { Dockerfile: 'FROM dockercask/base\nLABEL io.dockercask.command="x" io.dockercask.network="host"\n' },
};

/** A fake engine: remembers images by tag; a build of a tag listed in `failing` reports an error event. */
function createFakeImages(failing: string[] = []) {
  const images = new Map<string, Record<string, string>>();
  const builds: { tag: string; options: BuildImageOptions }[] = [];
  const client: ImageClient = {
    async inspectImage(name) {
      const labels = images.get(name);
      return labels ? { id: `id-${name}`, labels, createdAt: new Date() } : undefined;
    },
    async buildImage(_context, options, onEvent: (e: BuildEvent) => void) {
      builds.push({ tag: options.tag, options });
      onEvent({ stream: "Step 1/2 : FROM something\n" });
      onEvent({ stream: "Step 2/2 : RUN work\n" });
      if (failing.includes(options.tag)) {
        onEvent({ stream: "E: Unable to locate package nope\n" });
        onEvent({ errorDetail: { message: "returned a non-zero code: 100" } });
        return;
      }
      images.set(options.tag, options.labels);
      onEvent({ aux: { ID: `sha256:${options.tag}` } });
    },
  };
  return { client, builds, images };
}

function deps(images: ImageClient, catalog = createCatalog(tree)): BuildDeps {
  return { catalog, images, version: "9.9.9", reporter: () => ({ update() {}, done() {}, fail() {} }) };
}

describe("buildApps", () => {
  test("builds the base first, labels both images, and then treats them as up to date", async () => {
    const fake = createFakeImages();
    const first = await buildApps(["xeyes"], deps(fake.client));
    expect(first.map((r) => [r.app, r.action])).toEqual([
      ["base", "built"],
      ["xeyes", "built"],
    ]);
    expect(fake.images.get("dockercask/xeyes")).toEqual({
      "io.dockercask.build.version": "9.9.9",
      "io.dockercask.build.app": "xeyes",
      "io.dockercask.build.hash": recipeHash(createCatalog(tree), "xeyes"),
    });
    const second = await buildApps(["xeyes"], deps(fake.client));
    expect(second.map((r) => r.action)).toEqual(["up-to-date", "up-to-date"]);
    expect(fake.builds).toHaveLength(2);
  });

  test("a changed base makes both stale and rebuilds both", async () => {
    const fake = createFakeImages();
    await buildApps(["xeyes"], deps(fake.client));
    const changed = createCatalog({ ...tree, base: { Dockerfile: "FROM debian:bookworm-slim\nRUN true\n" } });
    const results = await buildApps(["xeyes"], deps(fake.client, changed));
    expect(results.map((r) => r.action)).toEqual(["built", "built"]);
  });

  test.each([
    [{ force: true }, ["dockercask/xeyes"], {}],
    [{ noCache: true }, ["dockercask/base", "dockercask/xeyes"], { noCache: true }],
    [{ pull: true }, ["dockercask/base", "dockercask/xeyes"], {}],
  ])("options %p rebuild %p", async (options, rebuilt, expectedOptions) => {
    const fake = createFakeImages();
    await buildApps(["xeyes"], deps(fake.client));
    fake.builds.length = 0;
    await buildApps(["xeyes"], deps(fake.client), options);
    expect(fake.builds.map((b) => b.tag)).toEqual(rebuilt);
    for (const b of fake.builds) expect(b.options).toMatchObject(expectedOptions);
  });

  test("--pull never asks a registry for a catalog parent", async () => {
    const fake = createFakeImages();
    await buildApps(["xeyes"], deps(fake.client), { pull: true });
    expect(fake.builds.map((b) => [b.tag, b.options.pull])).toEqual([
      ["dockercask/base", true],
      ["dockercask/xeyes", false],
    ]);
  });

  test("an error event fails loudly with the step and the last lines, and stops the chain", async () => {
    const fake = createFakeImages(["dockercask/base"]);
    const error = await buildApps(["xeyes"], deps(fake.client)).catch((e) => e);
    expect(error).toBeInstanceOf(ImageBuildError);
    expect(error.step).toBe("Step 2/2 : RUN work");
    expect(error.lastLines).toEqual(["E: Unable to locate package nope"]);
    expect(error.message).toContain('building image for "base" failed');
    expect(fake.builds.map((b) => b.tag)).toEqual(["dockercask/base"]);
  });

  describe("keepGoing (build-all)", () => {
    const family = {
      base: tree.base,
      xeyes: tree.xeyes,
      xterm: { Dockerfile: 'FROM dockercask/base\nLABEL io.dockercask.command="xterm"\n' },
      xeyes2: { Dockerfile: 'FROM dockercask/xeyes\nLABEL io.dockercask.command="xeyes"\n' },
    };
    const apps = ["xeyes", "xeyes2", "xterm"];
    const outcome = (results: Awaited<ReturnType<typeof buildApps>>) => results.map((r) => [r.app, r.action]);

    test("a failed build is reported, what is built FROM it is skipped, and the others are built", async () => {
      const fake = createFakeImages(["dockercask/xeyes"]);
      const results = await buildApps(apps, deps(fake.client, createCatalog(family)), { keepGoing: true });
      expect(outcome(results)).toEqual([
        ["base", "built"],
        ["xeyes", "failed"],
        ["xeyes2", "skipped"],
        ["xterm", "built"],
      ]);
      expect(results[1]).toMatchObject({ error: expect.any(ImageBuildError) });
      expect(results[2]).toMatchObject({ parent: "xeyes" });
      expect(fake.builds.map((b) => b.tag)).toEqual(["dockercask/base", "dockercask/xeyes", "dockercask/xterm"]);
    });

    test("a failed base is built once, and every app on it is skipped", async () => {
      const fake = createFakeImages(["dockercask/base"]);
      const results = await buildApps(apps, deps(fake.client, createCatalog(family)), { keepGoing: true });
      expect(outcome(results)).toEqual([
        ["base", "failed"],
        ["xeyes", "skipped"],
        ["xeyes2", "skipped"],
        ["xterm", "skipped"],
      ]);
      expect(fake.builds.map((b) => b.tag)).toEqual(["dockercask/base"]);
    });

    test("--no-cache rebuilds the shared base once, not once per app", async () => {
      const fake = createFakeImages();
      await buildApps(apps, deps(fake.client, createCatalog(family)));
      fake.builds.length = 0;
      await buildApps(apps, deps(fake.client, createCatalog(family)), { noCache: true, keepGoing: true });
      expect(fake.builds.map((b) => b.tag)).toEqual([
        "dockercask/base",
        "dockercask/xeyes",
        "dockercask/xeyes2",
        "dockercask/xterm",
      ]);
    });

    test("anything but a failed build still stops the run", async () => {
      const fake = createFakeImages();
      fake.client.buildImage = async () => {
        throw new Error("socket hang up");
      };
      await expect(buildApps(apps, deps(fake.client, createCatalog(family)), { keepGoing: true })).rejects.toThrow(
        "socket hang up",
      );
    });
  });

  test("an invalid run policy stops before any build", async () => {
    const fake = createFakeImages();
    await expect(buildApps(["bad"], deps(fake.client))).rejects.toBeInstanceOf(InvalidPolicyError);
    expect(fake.builds).toHaveLength(0);
  });
});

describe("ensureImage", () => {
  const changed = createCatalog({ ...tree, xeyes: { Dockerfile: `${tree.xeyes.Dockerfile}RUN true\n` } });
  const changedBase = createCatalog({ ...tree, base: { Dockerfile: `${tree.base.Dockerfile}RUN true\n` } });
  const logger = () => {
    const lines: string[] = [];
    return {
      lines,
      log: { info: (m: string) => void lines.push(`info: ${m}`), warn: (m: string) => void lines.push(`warn: ${m}`) },
    };
  };

  test.each<[string, typeof changed, string[], RegExp[]]>([
    ["an up-to-date chain: nothing is built or said", createCatalog(tree), [], []],
    [
      "the app's recipe changed: the app is rebuilt, and the line says why",
      changed,
      ["xeyes"],
      [/^info: building dockercask\/xeyes: its recipe changed since it was built$/],
    ],
    [
      "the base's recipe changed: both are rebuilt",
      changedBase,
      ["base", "xeyes"],
      [/^info: building dockercask\/base: its recipe changed/, /^info: building dockercask\/xeyes: its recipe changed/],
    ],
  ])("%s", async (_, catalog, built, said) => {
    const fake = createFakeImages();
    await buildApps(["xeyes"], deps(fake.client));
    const { lines, log } = logger();
    expect((await ensureImage("xeyes", deps(fake.client, catalog), { log })).map((r) => r.app)).toEqual(built);
    expect(lines).toHaveLength(said.length);
    for (const [i, pattern] of said.entries()) expect(lines[i]).toMatch(pattern);
  });

  test("missing images are built", async () => {
    const fake = createFakeImages();
    const { lines, log } = logger();
    expect((await ensureImage("xeyes", deps(fake.client), { log })).map((r) => r.app)).toEqual(["base", "xeyes"]);
    expect(lines).toEqual([
      "info: building dockercask/base: it is missing",
      "info: building dockercask/xeyes: it is missing",
    ]);
  });

  test("--no-build: a stale image is run as it is, with a warning", async () => {
    const fake = createFakeImages();
    await buildApps(["xeyes"], deps(fake.client));
    fake.builds.length = 0;
    const { lines, log } = logger();
    expect(await ensureImage("xeyes", deps(fake.client, changed), { noBuild: true, log })).toEqual([]);
    expect(fake.builds).toEqual([]);
    expect(lines).toEqual([
      expect.stringMatching(
        /^warn: running the stale image dockercask\/xeyes \(its recipe changed since it was built\) because of --no-build/,
      ),
    ]);
  });

  test("--no-build: a missing image is an error with a hint, and nothing is built", async () => {
    const fake = createFakeImages();
    const error = await ensureImage("xeyes", deps(fake.client), { noBuild: true, log: logger().log }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "E_IMAGE", hint: expect.stringContaining("without --no-build") });
    expect(fake.builds).toEqual([]);
  });
});
