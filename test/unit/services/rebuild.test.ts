import { describe, expect, test } from "bun:test";
import { createCatalog } from "../../../src/core/catalog/catalog.ts";
import { ImageBuildError, InvalidInstanceNameError } from "../../../src/core/errors.ts";
import type { ImageClient } from "../../../src/ports/image-client.ts";
import type { BuildResult } from "../../../src/services/build.ts";
import { appsToUpdate, buildAll, buildAllFailures } from "../../../src/services/rebuild.ts";

const app = (command: string, from = "dockercask/base") => ({
  Dockerfile: `FROM ${from}\nLABEL io.dockercask.command="${command}"\n`,
});
const catalog = createCatalog({
  base: { Dockerfile: "FROM debian:bookworm-slim\n" },
  xeyes: app("xeyes"),
  xterm: app("xterm"),
  vlc: app("vlc"),
});

/** Images that exist, by name; building one fails when its tag is in `failing`. */
function images(existing: string[], failing: string[] = []): ImageClient {
  return {
    inspectImage: async (name) =>
      existing.includes(name) ? { id: name, labels: {}, createdAt: new Date() } : undefined,
    async buildImage(_context, options, onEvent) {
      if (failing.includes(options.tag)) onEvent({ errorDetail: { message: "returned a non-zero code: 100" } });
      else {
        existing.push(options.tag);
        onEvent({ aux: { ID: `sha256:${options.tag}` } });
      }
    },
  };
}

describe("appsToUpdate", () => {
  test.each([
    ["the app named, built or not", "vlc", [], ["vlc"]],
    [
      "every app with an image, in catalog order, never the base",
      undefined,
      ["dockercask/xterm", "dockercask/base", "dockercask/xeyes"],
      ["xeyes", "xterm"],
    ],
    ["none when nothing is built", undefined, ["dockercask/base"], []],
  ] as const)("%s", async (_, only, existing, expected) => {
    expect(await appsToUpdate(only, { catalog, images: images([...existing]) })).toEqual([...expected]);
  });

  test("a bad name is refused before Docker is asked", async () => {
    const asked: string[] = [];
    const client: ImageClient = {
      ...images([]),
      inspectImage: async (name) => {
        asked.push(name);
        return undefined;
      },
    };
    await expect(appsToUpdate("Fire Fox", { catalog, images: client })).rejects.toBeInstanceOf(
      InvalidInstanceNameError,
    );
    expect(asked).toEqual([]);
  });
});

test("buildAll builds every app, and one that fails does not stop the others", async () => {
  const deps = {
    catalog,
    images: images([], ["dockercask/vlc"]),
    version: "1",
    reporter: () => ({ update() {}, done() {}, fail() {} }),
  };
  const results = await buildAll(deps);
  expect(results.map((r) => [r.app, r.action])).toEqual([
    ["base", "built"],
    ["vlc", "failed"],
    ["xeyes", "built"],
    ["xterm", "built"],
  ]);
});

describe("buildAllFailures", () => {
  const built: BuildResult = { app: "xeyes", image: "dockercask/xeyes", action: "built" };
  const upToDate: BuildResult = { app: "xterm", image: "dockercask/xterm", action: "up-to-date" };
  const failed: BuildResult = {
    app: "base",
    image: "dockercask/base",
    action: "failed",
    error: new ImageBuildError("base", "no network", "RUN apt-get update", []),
  };
  const skipped: BuildResult = { app: "vlc", image: "dockercask/vlc", action: "skipped", parent: "base" };

  test.each([
    ["all built: nothing to say, no error", [built, upToDate], [], undefined],
    [
      "a failure and what it took with it, in order",
      [failed, skipped, built],
      [
        'building image for "base" failed: no network\n  failing step: RUN apt-get update',
        "vlc was not built: the image it is built FROM (base) failed",
      ],
      "2 apps did not build: base, vlc",
    ],
    [
      "one app: singular",
      [built, skipped],
      ["vlc was not built: the image it is built FROM (base) failed"],
      "1 app did not build: vlc",
    ],
  ] as const)("%s", (_, results, messages, error) => {
    const verdict = buildAllFailures([...results]);
    expect(verdict.messages).toEqual([...messages]);
    expect(verdict.error?.message).toBe(error);
    if (verdict.error)
      expect([verdict.error.code, verdict.error.exitCode, verdict.error.hint]).toEqual([
        "E_BUILD",
        1,
        expect.stringContaining("Vendor apps"),
      ]);
  });
});
