import { describe, expect, test } from "bun:test";
import { type AppFileTree, type Catalog, createCatalog } from "../../../src/core/catalog/catalog.ts";
import { DockercaskError } from "../../../src/core/errors.ts";
import { generatedApp, resolveAppName } from "../../../src/services/deb-app.ts";

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
const record = (kind: string, ...fields: string[]) => [kind, ...fields.map(b64)].join(" ");

const BUILTIN: AppFileTree = {
  base: { Dockerfile: "FROM debian:bookworm-slim\n" },
  xterm: { Dockerfile: 'FROM dockercask/base\nLABEL io.dockercask.command="xterm"\n' },
};

function found(pkg: string, entries: Record<string, string>, icons: Record<string, string> = {}): string {
  return [
    record("control", `Package: ${pkg}\nVersion: 1.0-1\nSection: x11\nDescription: ${pkg} app\n`),
    record("listing", `./usr/bin/${pkg}\n`),
    ...Object.entries(entries).map(([id, text]) => record("entry", `/usr/share/applications/${id}.desktop`, text)),
    ...Object.entries(icons).map(([path, text]) => record("icon", path, text)),
    "end",
  ].join("\n");
}

const entry = (exec: string, more = "") => `[Desktop Entry]\nType=Application\nName=N\nExec=${exec}\n${more}`;

function harness(outputs: Record<string, string>, user: AppFileTree = {}) {
  const tree: AppFileTree = { ...user };
  let catalog: Catalog | undefined;
  const calls = { probes: [] as string[], bases: 0, written: [] as string[], said: [] as string[] };
  const deps = {
    catalog: () => (catalog ??= createCatalog(BUILTIN, tree)),
    reloadCatalog: () => {
      catalog = undefined;
    },
    ensureBase: async () => {
      calls.bases++;
    },
    probe: async (pkg: string) => {
      calls.probes.push(pkg);
      return (
        outputs[pkg] ?? [record("missing", pkg), record("names", Object.keys(outputs).join("\n")), "end"].join("\n")
      );
    },
    writeRecipe: (app: string, files: Record<string, string>) => {
      if (tree[app]) throw new Error(`${app} exists`);
      tree[app] = files;
      calls.written.push(app);
      return `/apps/${app}`;
    },
    log: { info: (m: string) => calls.said.push(m) },
  };
  return { deps, calls, tree };
}

async function refusal(promise: Promise<unknown>): Promise<DockercaskError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DockercaskError);
    return error as DockercaskError;
  }
  throw new Error("not refused");
}

describe("resolveAppName: deb:<package> into the app it runs as", () => {
  test("a name that is not deb: passes untouched, with nothing asked", async () => {
    const { deps, calls } = harness({});
    expect(await resolveAppName("firefox#work", deps)).toBe("firefox#work");
    expect(calls).toEqual({ probes: [], bases: 0, written: [], said: [] });
  });

  test("the first time: the base built, the package read, the recipe and its icon written, the id kept", async () => {
    const { deps, calls, tree } = harness({
      galculator: found(
        "galculator",
        { galculator: entry("galculator", "Icon=galculator\n") },
        {
          "/usr/share/pixmaps/galculator.svg": "<svg/>",
        },
      ),
    });
    expect(await resolveAppName("deb:galculator#work", deps)).toBe("galculator#work");
    expect(calls.bases).toBe(1);
    expect(calls.probes).toEqual(["galculator"]);
    expect(Object.keys(tree.galculator!).sort()).toEqual(["Dockerfile", "icon.svg"]);
    expect(tree.galculator!["icon.svg"]).toBe("<svg/>");
    expect(generatedApp(deps.catalog(), "deb:galculator")).toBe("galculator");
    expect(calls.said.join("\n")).toContain("/apps/galculator/Dockerfile (network none)");
  });

  test("the next times: the app made then, without asking Debian again", async () => {
    const { deps, calls } = harness({ galculator: found("galculator", { galculator: entry("galculator") }) });
    await resolveAppName("deb:galculator", deps);
    expect(await resolveAppName("deb:galculator#other", deps)).toBe("galculator#other");
    expect(calls.probes).toEqual(["galculator"]);
  });

  test("a user's recipe made from it earlier (and then edited) is the one used", async () => {
    const { deps, calls } = harness(
      {},
      {
        mycalc: {
          Dockerfile: 'FROM dockercask/base\nLABEL io.dockercask.source="deb:galculator" io.dockercask.command="x"\n',
        },
      },
    );
    expect(await resolveAppName("deb:galculator", deps)).toBe("mycalc");
    expect(calls.probes).toEqual([]);
  });

  test("a name another app has: -deb; the other entries said", async () => {
    const { deps, calls } = harness({
      xterm: found("xterm", { "debian-xterm": entry("xterm"), "debian-uxterm": entry("uxterm") }),
    });
    expect(await resolveAppName("deb:xterm", deps)).toBe("xterm-deb");
    expect(calls.said.join("\n")).toContain("deb:xterm/debian-uxterm");
    expect(await resolveAppName("deb:xterm/debian-uxterm", deps)).toBe("debian-uxterm");
  });

  test("an entry named in another case is the same app: its source is the package's spelling", async () => {
    const { deps, calls, tree } = harness({
      xterm: found("xterm", { "debian-xterm": entry("xterm"), "debian-uxterm": entry("uxterm") }),
    });
    expect(await resolveAppName("deb:xterm/Debian-UXTerm", deps)).toBe("debian-uxterm");
    expect(tree["debian-uxterm"]!.Dockerfile).toContain('io.dockercask.source="deb:xterm/debian-uxterm"');
    expect(await resolveAppName("deb:xterm/debian-uxterm", deps)).toBe("debian-uxterm");
    expect(await resolveAppName("deb:xterm/DEBIAN-uxterm", deps)).toBe("debian-uxterm");
    expect(calls.written).toEqual(["debian-uxterm"]);
  });

  test("no name left: refused, nothing written", async () => {
    const { deps, calls } = harness(
      { xterm: found("xterm", { xterm: entry("xterm") }) },
      { "xterm-deb": { Dockerfile: 'FROM dockercask/base\nLABEL io.dockercask.command="x"\n' } },
    );
    const error = await refusal(resolveAppName("deb:xterm", deps));
    expect(error.message).toContain("exist already");
    expect(calls.written).toEqual([]);
  });

  test("a package Debian does not have: refused with the nearest names, before anything is built or written", async () => {
    const { deps, calls } = harness({ inkscape: "", "inkscape-textext": "", gimp: "" });
    const error = await refusal(resolveAppName("deb:inkscap", deps));
    expect(error.message).toBe("Debian has no package inkscap");
    expect(error.hint).toBe("The nearest names: deb:inkscape, deb:inkscape-textext.");
    expect(calls.written).toEqual([]);
  });

  test.each([
    ["no desktop entry", "x11-apps", found("x11-apps", {}), "has no desktop entry"],
    ["a terminal program", "htop", found("htop", { htop: entry("htop", "Terminal=true\n") }), "runs in a terminal"],
    ["the mirror out of reach", "galculator", record("error", "E: Failed to fetch"), "E: Failed to fetch"],
    ["the mirror answering for another package", "xterm", found("xterm-evil", { x: entry("x") }), '"xterm-evil"'],
    ["an answer cut short", "galculator", record("control", "Package: galculator\n"), "cut short"],
  ])("%s: refused, nothing written", async (_, name, output, message) => {
    const { deps, calls } = harness({ [name]: output });
    const error = await refusal(resolveAppName(`deb:${name}`, deps));
    expect(error.message).toContain(message);
    expect(error.hint).toBeTruthy();
    expect(calls.written).toEqual([]);
  });
});
