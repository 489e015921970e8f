/**
 * The layers point one way (docs/architecture.md, "Layers"): core below everything, ports on
 * core, adapters and services on core and ports, cli (and main.ts) on top. This reads every
 * import in src/, type-only ones included, and fails on one that points the wrong way.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const SRC = resolve(import.meta.dir, "../../src");

type Layer = "core" | "ports" | "adapters" | "services" | "cli" | "assets" | "types" | "entry";

/** What each layer may import from src/ (its own layer always). Anything outside src/ is not judged here, but for core. */
const ALLOWED: Record<Layer, Layer[]> = {
  core: [],
  ports: ["core"],
  adapters: ["core", "ports", "assets"],
  services: ["core", "ports"],
  cli: ["core", "ports", "adapters", "services", "assets", "entry"],
  assets: [],
  types: [],
  // main.ts and version.ts.
  entry: ["core", "cli", "adapters"],
};

/** Core is pure: no module that reaches the file system, processes, the network or the host. */
const CORE_FORBIDDEN_MODULES =
  /^(node:)?(fs|fs\/promises|child_process|net|os|process|worker_threads|dgram|http|https)$|^bun$|^dockerode$/;

function layerOf(srcRelative: string): Layer {
  const top = srcRelative.split("/")[0]!;
  if (["core", "ports", "adapters", "services", "cli", "assets", "types"].includes(top)) return top as Layer;
  return "entry";
}

interface Import {
  specifier: string;
  /** `import type` / `export type`: gone at run time, still a dependency between layers. */
  typeOnly: boolean;
  /** `import("...")`: loaded when called, as cli/index.ts loads each command. */
  dynamic?: boolean;
}

/** Every module a file imports: static, type-only, re-exports, side-effect and dynamic. */
function importsOf(code: string): Import[] {
  const found: Import[] = [];
  for (const m of code.matchAll(/^\s*(?:import|export)\b(\s+type\b)?[^;]*?\bfrom\s*["']([^"']+)["']/gms))
    found.push({ specifier: m[2]!, typeOnly: Boolean(m[1]) });
  for (const m of code.matchAll(/^\s*import\s*["']([^"']+)["']/gm)) found.push({ specifier: m[1]!, typeOnly: false });
  for (const m of code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g))
    found.push({ specifier: m[1]!, typeOnly: false, dynamic: true });
  return found;
}

/** Why `from` may not import `specifier`, or undefined when it may. Both paths relative to src/. */
function upwardImport(from: string, { specifier, typeOnly }: Import): string | undefined {
  const fromLayer = layerOf(from);
  if (!specifier.startsWith(".")) {
    if (fromLayer === "core" && !typeOnly && CORE_FORBIDDEN_MODULES.test(specifier))
      return `core is pure, yet imports ${specifier}`;
    return undefined;
  }
  const target = relative(SRC, resolve(SRC, dirname(from), specifier));
  // cli embeds the menu icon, assets embed apps/, main.ts reads package.json.
  if (target.startsWith(".."))
    return ["cli", "entry", "assets"].includes(fromLayer)
      ? undefined
      : `${fromLayer} reaches outside src/ (${specifier})`;
  const toLayer = layerOf(target);
  if (toLayer === fromLayer || ALLOWED[fromLayer].includes(toLayer)) return undefined;
  return `${fromLayer} may not import ${toLayer} (${target})`;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

describe("the rule", () => {
  test.each([
    ["core/policy.ts", "./errors.ts", undefined],
    ["core/paths.ts", "node:path", undefined],
    ["core/policy.ts", "../adapters/log.ts", "core may not import adapters (adapters/log.ts)"],
    ["core/pulse/filter.ts", "../../services/build.ts", "core may not import services (services/build.ts)"],
    ["core/catalog.ts", "node:fs", "core is pure, yet imports node:fs"],
    ["core/catalog.ts", "dockerode", "core is pure, yet imports dockerode"],
    ["core/container-spec.ts", "type dockerode", undefined],
    ["ports/doctor-probe.ts", "type ../services/doctor.ts", "ports may not import services (services/doctor.ts)"],
    ["services/run-session.ts", "type ../adapters/xephyr.ts", "services may not import adapters (adapters/xephyr.ts)"],
    ["ports/image-client.ts", "../core/image-state.ts", undefined],
    ["ports/image-client.ts", "../adapters/docker.ts", "ports may not import adapters (adapters/docker.ts)"],
    ["adapters/docker.ts", "../ports/image-client.ts", undefined],
    ["adapters/pulse.ts", "./process.ts", undefined],
    ["adapters/doctor-probe.ts", "../services/doctor.ts", "adapters may not import services (services/doctor.ts)"],
    ["adapters/log.ts", "../cli/index.ts", "adapters may not import cli (cli/index.ts)"],
    ["services/build.ts", "../ports/build-reporter.ts", undefined],
    ["services/desktop.ts", "./instances.ts", undefined],
    ["services/run-session.ts", "../adapters/pulse.ts", "services may not import adapters (adapters/pulse.ts)"],
    ["services/list.ts", "../cli/list.ts", "services may not import cli (cli/list.ts)"],
    ["cli/run.ts", "../services/run-session.ts", undefined],
    ["cli/_context.ts", "../../packaging/icons/dockercask.svg", undefined],
    [
      "services/desktop.ts",
      "../../packaging/icons/dockercask.svg",
      "services reaches outside src/ (../../packaging/icons/dockercask.svg)",
    ],
  ] as const)("%s importing %s: %p", (from, written, problem) => {
    const specifier = written.replace(/^type /, "");
    expect(upwardImport(from, { specifier, typeOnly: specifier !== written })).toBe(problem);
  });

  test.each([
    ['import type { A } from "../ports/a.ts";', ["type ../ports/a.ts"]],
    ['import {\n  a,\n  type B,\n} from "../core/x.ts";', ["../core/x.ts"]],
    ['export { a } from "./b.ts";', ["./b.ts"]],
    ['export type { A } from "../adapters/a.ts";', ["type ../adapters/a.ts"]],
    ['import "./side-effect.ts";', ["./side-effect.ts"]],
    ['const m = await import("../adapters/log.ts");', ["../adapters/log.ts"]],
    ['import text from "../x.svg" with { type: "text" };', ["../x.svg"]],
    ['const s = "unix://from here";', []],
  ] as const)("reads the imports of %p", (code, expected) => {
    expect(importsOf(code).map((i) => `${i.typeOnly ? "type " : ""}${i.specifier}`)).toEqual([...expected]);
  });
});

test("no file in src/ imports upward", () => {
  const files = sourceFiles(SRC);
  expect(files.length).toBeGreaterThan(50);
  const problems = files.flatMap((file) => {
    const from = relative(SRC, file);
    return importsOf(readFileSync(file, "utf8")).flatMap((found) => {
      const problem = upwardImport(from, found);
      return problem ? [`${from}: ${problem}`] : [];
    });
  });
  expect(problems).toEqual([]);
});

/** The first import circle among `graph`'s files (file -> files it imports), as a path that ends where it began. */
function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (file: string): string[] | undefined => {
    if (state.get(file) === "done") return undefined;
    if (state.get(file) === "open") return [...path.slice(path.indexOf(file)), file];
    state.set(file, "open");
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(file, "done");
    return undefined;
  };
  for (const file of graph.keys()) {
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return undefined;
}

describe("import circles", () => {
  test.each<[string, Record<string, string[]>, string[] | undefined]>([
    ["none", { a: ["b"], b: ["c"], c: [] }, undefined],
    ["two files", { a: ["b"], b: ["a"] }, ["a", "b", "a"]],
    ["three, entered from outside", { x: ["a"], a: ["b"], b: ["c"], c: ["a"] }, ["a", "b", "c", "a"]],
    ["a diamond is no circle", { a: ["b", "c"], b: ["d"], c: ["d"], d: [] }, undefined],
  ])("finds %s", (_, graph, expected) => {
    expect(findCycle(new Map(Object.entries(graph)))).toEqual(expected);
  });

  // Type-only imports count: a circle of types still means neither file reads without the other.
  // A dynamic import does not: the command tree loads each command lazily, and `__complete`
  // reads the tree back the same way.
  test("no file in src/ imports itself through others", () => {
    const files = sourceFiles(SRC);
    const graph = new Map(
      files.map((file) => [
        relative(SRC, file),
        importsOf(readFileSync(file, "utf8"))
          .filter((i) => !i.dynamic && i.specifier.startsWith(".") && i.specifier.endsWith(".ts"))
          .map((i) => relative(SRC, resolve(dirname(file), i.specifier))),
      ]),
    );
    expect(findCycle(graph)).toBeUndefined();
  });
});
