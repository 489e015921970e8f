import { describe, expect, test } from "bun:test";
import {
  appPolicy,
  createCatalog,
  getApp,
  ignoredLabelsWarning,
  recipeHash,
  resolveBuildOrder,
  runnableApps,
} from "../../../../src/core/catalog/catalog.ts";
import { UnknownAppError } from "../../../../src/core/errors.ts";
import { suggestNearest } from "../../../../src/core/text/suggest.ts";

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
    [
      ["xeyes", "firefox"],
      ["base", "xeyes", "firefox"],
    ],
    [["mine"], ["base", "xeyes", "mine"]],
    [["base"], ["base"]],
    [
      ["xeyes", "xeyes"],
      ["base", "xeyes"],
    ],
  ])("%p -> %p", (names, order) => {
    expect(resolveBuildOrder(catalog, names).map((a) => a.name)).toEqual(order);
  });

  test("cycles are an error, not a hang", () => {
    const cyclic = createCatalog({
      a: { Dockerfile: dockerfile("dockercask/b") },
      b: { Dockerfile: dockerfile("dockercask/a") },
    });
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

describe("appPolicy and recipeLabels: only the app's own recipe and dockercask's base", () => {
  const tree = {
    base: {
      Dockerfile:
        'FROM debian:bookworm-slim\nLABEL io.dockercask.description="the base" io.dockercask.shm-size="128m"\n',
    },
    xeyes: { Dockerfile: 'FROM dockercask/base\nLABEL io.dockercask.command="xeyes"\n' },
    browser: {
      Dockerfile:
        'FROM dockercask/base\nLABEL io.dockercask.command="b" io.dockercask.network="bridge" io.dockercask.seccomp="browser"\n',
    },
  };
  const user = {
    onbrowser: { Dockerfile: 'FROM dockercask/browser\nLABEL io.dockercask.command="mine"\n' },
    thirdparty: { Dockerfile: 'FROM some/image:1\nLABEL io.dockercask.command="tp"\n' },
    ownbase: {
      Dockerfile:
        'FROM dockercask/base\nLABEL io.dockercask.command="x" io.dockercask.shm-size="1g" io.dockercask.description="mine"\n',
    },
    variable: {
      Dockerfile: 'FROM dockercask/base\nARG N=bridge\nLABEL io.dockercask.command="x" io.dockercask.network="$N"\n',
    },
  };
  const catalog = createCatalog(tree, user);
  const policyOf = (name: string) => {
    const result = appPolicy(catalog, getApp(catalog, name));
    if (!result.ok) throw new Error(result.problems.join("; "));
    return result.policy;
  };

  test.each<[string, { network: string; seccomp: string; shm: number; description: string }]>([
    ["xeyes", { network: "none", seccomp: "default", shm: 128 * 1024 ** 2, description: "" }],
    ["browser", { network: "bridge", seccomp: "browser", shm: 128 * 1024 ** 2, description: "" }],
    // Built FROM another catalog app: its labels are not the child's, the base's still are.
    ["onbrowser", { network: "none", seccomp: "default", shm: 128 * 1024 ** 2, description: "" }],
    ["thirdparty", { network: "none", seccomp: "default", shm: 64 * 1024 ** 2, description: "" }],
    ["ownbase", { network: "none", seccomp: "default", shm: 1024 ** 3, description: "mine" }],
  ])("%s", (name, expected) => {
    const policy = policyOf(name);
    expect({
      network: policy.network as string,
      seccomp: policy.seccomp as string,
      shm: policy.shmSizeBytes,
      description: policy.description,
    }).toEqual(expected);
  });

  test("a policy label written with a variable is refused, with its line", () => {
    const result = appPolicy(catalog, getApp(catalog, "variable"));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join("\n")).toMatch(/line 3: io\.dockercask\.network="\$N" uses a variable/);
  });

  test.each<[string, Record<string, string>, string[]]>([
    [
      "an image as its recipes make it",
      { "io.dockercask.description": "the base", "io.dockercask.shm-size": "128m", "io.dockercask.command": "xeyes" },
      [],
    ],
    [
      "a third party's grants",
      { "io.dockercask.command": "xeyes", "io.dockercask.devices": "/dev/fuse", "io.dockercask.network": "bridge" },
      ["io.dockercask.devices", "io.dockercask.network"],
    ],
    ["a value the recipe sets differently", { "io.dockercask.command": "xeyes --evil" }, ["io.dockercask.command"]],
    [
      "labels that are not policy",
      { "org.example": "x", "io.dockercask.build.hash": "abc", "io.dockercask.command": "xeyes" },
      [],
    ],
  ])("ignoredLabelsWarning: %s", (_, labels, named) => {
    const warning = ignoredLabelsWarning(catalog, getApp(catalog, "xeyes"), labels);
    if (named.length === 0) expect(warning).toBeUndefined();
    else expect([...warning!.matchAll(/(io\.dockercask\.[a-z.-]+)=/g)].map((m) => m[1])).toEqual(named);
  });

  test("the warning names the parent, and shows control characters instead of sending them", () => {
    const warning = ignoredLabelsWarning(catalog, getApp(catalog, "thirdparty"), {
      "io.dockercask.command": "tp",
      "io.dockercask.network": "bridge\u001b]52;c;aGk=\u0007",
    })!;
    expect(warning).toContain("inherited from some/image:1");
    expect(warning).toContain('io.dockercask.network="bridge\\e]52;c;aGk=\\x07"');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the assertion is that no control character survives in the warning.
    expect(warning).not.toMatch(/[\u0000-\u001f]/);
  });
});
