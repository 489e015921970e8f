import { describe, expect, test } from "bun:test";
import { createCatalog, getApp, recipeHash, resolveBuildOrder, runnableApps } from "../../../src/core/catalog.ts";
import { UnknownAppError } from "../../../src/core/errors.ts";
import { suggestNearest } from "../../../src/core/suggest.ts";

const dockerfile = (from: string, command = "app") => `FROM ${from}\nLABEL io.dockercask.command="${command}"\n`;
const builtin = {
  base: { Dockerfile: "FROM debian:bookworm-slim\n", "client.conf": "autospawn = no\n" },
  xeyes: { Dockerfile: dockerfile("dockercask/base", "xeyes") },
  firefox: { Dockerfile: dockerfile("dockercask/base", "firefox-esr") },
};

describe("createCatalog", () => {
  test("built-in apps, user additions and user overrides are told apart", () => {
    const catalog = createCatalog(builtin, {
      xeyes: { Dockerfile: dockerfile("dockercask/base", "xeyes -fg red") },
      mine: { Dockerfile: dockerfile("dockercask/xeyes", "mine") },
    });
    const sources = Object.fromEntries([...catalog.apps.values()].map((a) => [a.name, a.source]));
    expect(sources).toEqual({ base: "builtin", xeyes: "user-override", firefox: "builtin", mine: "user" });
    expect(getApp(catalog, "xeyes").dockerfile.labels["io.dockercask.command"]).toBe("xeyes -fg red");
    expect(getApp(catalog, "mine").parent).toBe("xeyes");
    expect(getApp(catalog, "xeyes").parent).toBe("base");
    expect(getApp(catalog, "base").parent).toBeUndefined();
  });

  test.each([
    [{ "Bad Name": { Dockerfile: "FROM x" } }, /not a valid app name/],
    [{ nodockerfile: { "README.md": "hi" } }, /has no Dockerfile/],
  ])("skips broken user apps with a warning: %p", (user, warning) => {
    const catalog = createCatalog(builtin, user);
    expect(catalog.warnings.join("\n")).toMatch(warning);
    expect(catalog.apps.size).toBe(3);
  });

  test("runnable apps leave out the base, sorted", () => {
    expect(runnableApps(createCatalog(builtin)).map((a) => a.name)).toEqual(["firefox", "xeyes"]);
  });
});

describe("resolveBuildOrder", () => {
  const catalog = createCatalog(builtin, { mine: { Dockerfile: dockerfile("dockercask/xeyes") } });
  test.each([
    [["xeyes"], ["base", "xeyes"]],
    [["xeyes", "firefox"], ["base", "xeyes", "firefox"]],
    [["mine"], ["base", "xeyes", "mine"]],
    [["base"], ["base"]],
    [["xeyes", "xeyes"], ["base", "xeyes"]],
  ])("%p -> %p", (names, order) => {
    expect(resolveBuildOrder(catalog, names).map((a) => a.name)).toEqual(order);
  });

  test("cycles are an error, not a hang", () => {
    const cyclic = createCatalog({ a: { Dockerfile: dockerfile("dockercask/b") }, b: { Dockerfile: dockerfile("dockercask/a") } });
    expect(() => resolveBuildOrder(cyclic, ["a"])).toThrow(/cycle: a -> b -> a/);
  });

  test("unknown apps suggest the nearest name", () => {
    expect(() => resolveBuildOrder(catalog, ["firefx"])).toThrow(UnknownAppError);
    try {
      resolveBuildOrder(catalog, ["firefx"]);
    } catch (error) {
      expect((error as UnknownAppError).hint).toContain('"firefox"');
    }
  });
});

describe("recipeHash", () => {
  const hashOf = (tree: typeof builtin, app: string) => recipeHash(createCatalog(tree), app);
  test("is stable", () => {
    expect(hashOf(builtin, "xeyes")).toBe(hashOf(structuredClone(builtin), "xeyes"));
  });
  test.each([
    ["its Dockerfile changes", { ...builtin, xeyes: { Dockerfile: dockerfile("dockercask/base", "xeyes2") } }],
    ["another file of its folder changes", { ...builtin, xeyes: { ...builtin.xeyes, "extra.conf": "x" } }],
    ["its parent changes", { ...builtin, base: { ...builtin.base, "client.conf": "autospawn = yes\n" } }],
  ])("changes when %s", (_, changed) => {
    expect(hashOf(changed as typeof builtin, "xeyes")).not.toBe(hashOf(builtin, "xeyes"));
  });
  test("does not change when an unrelated app changes", () => {
    const changed = { ...builtin, firefox: { Dockerfile: dockerfile("dockercask/base", "other") } };
    expect(hashOf(changed, "xeyes")).toBe(hashOf(builtin, "xeyes"));
  });
});

test.each([
  ["firefx", ["firefox", "xeyes"], "firefox"],
  ["firfeox", ["firefox", "xeyes"], "firefox"],
  ["chromum", ["chromium", "chrome"], "chromium"],
  ["xey", ["firefox", "xeyes"], "xeyes"],
  ["zzzzzz", ["firefox", "xeyes"], undefined],
])("suggestNearest(%p)", (input, candidates, expected) => {
  expect(suggestNearest(input, candidates)).toBe(expected);
});
