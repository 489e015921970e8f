import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DOCKERODE_DEFERRALS, deferModules, proxyModuleSource } from "../../../scripts/lib/defer-modules.ts";

/** Evaluates the stand-in as the bundle would, with a require that counts loads of `real`. */
function standIn<T>(real: T) {
  let loads = 0;
  const module: { exports: unknown } = { exports: undefined };
  const load = () => {
    loads++;
    return real;
  };
  new Function("require", "module", proxyModuleSource("/real.js"))(load, module);
  // The stand-in answers for the real module: typed as it, as its importers use it.
  return { exports: module.exports as T, loads: () => loads };
}

class Client {
  constructor(readonly host: string) {}
}

describe("the stand-in of a deferred module", () => {
  test("loads nothing until used", () => {
    expect(standIn({}).loads()).toBe(0);
  });

  const ssh = (host: string) => `ssh:${host}`;
  // The table's modules differ in shape: each use casts the stand-in to its own.
  test.each<[string, unknown, (m: unknown) => unknown, unknown]>([
    ["a call (docker-modem's ssh agent factory)", ssh, (m) => (m as typeof ssh)("host"), "ssh:host"],
    [
      "a property read (tar-fs's pack)",
      { pack: () => "packed" },
      (m) => (m as { pack: () => string }).pack(),
      "packed",
    ],
    ["new on an export (ssh2's Client)", { Client }, (m) => new (m as { Client: typeof Client }).Client("h").host, "h"],
    ["new on the module itself", Client, (m) => new (m as typeof Client)("h").host, "h"],
    ["`in`", { pack: 1 }, (m) => "pack" in (m as object) && !("unpack" in (m as object)), true],
  ])("forwards %s", (_, real, use, expected) => {
    const { exports, loads } = standIn(real);
    expect(use(exports)).toBe(expected);
    expect(loads()).toBe(1);
  });

  test("loads the real module once, however often it is used", () => {
    const { exports, loads } = standIn({ pack: () => 1 });
    exports.pack();
    exports.pack();
    expect(loads()).toBe(1);
  });
});

describe("deferModules", () => {
  test("matches the dockerode that is installed, and fails the build when a deferral misses", async () => {
    const build = (extra: { specifier: string; importer: string }[]) =>
      Bun.build({
        entrypoints: [`${import.meta.dir}/../../../src/adapters/docker.ts`],
        target: "bun",
        plugins: [deferModules([...DOCKERODE_DEFERRALS, ...extra])],
      });
    const ok = await build([]);
    expect(ok.success).toBe(true);
    const bundle = await ok.outputs[0]!.text();
    expect(bundle).toContain("new Proxy(function");
    await expect(build([{ specifier: "./gone", importer: "dockerode/lib/docker.js" }])).rejects.toThrow(
      /\.\/gone from dockerode/,
    );
  }, 30_000);

  test("a deferred module still works when used: Docker over ssh:// reaches ssh2", async () => {
    const out = mkdtempSync(join(tmpdir(), "dockercask-defer-"));
    try {
      const built = await Bun.build({
        entrypoints: [`${import.meta.dir}/fixtures/dial-over-ssh.ts`],
        target: "bun",
        outdir: out,
        plugins: [deferModules(DOCKERODE_DEFERRALS.filter((d) => d.specifier === "./ssh"))],
      });
      expect(built.success).toBe(true);
      const run = Bun.spawnSync([process.execPath, built.outputs[0]!.path], { stderr: "pipe" });
      // ssh2's own connection error: the stand-in loaded the real module, not itself.
      expect(run.stdout.toString()).toContain("ECONNREFUSED");
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 30_000);
});
