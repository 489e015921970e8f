/**
 * No dead exports in src/: every value a module exports (a function, a constant, a class) is
 * imported by some other file in src/, scripts/ or test/ (a test's use counts: it is an API the
 * tests pin). A value nobody imports is either dead code or should not be exported. Types and
 * interfaces are not judged: they name a function's parameters and results, its vocabulary,
 * whether or not a caller spells them out. Read with the TypeScript parser
 * (imports, re-exports, `import * as`, dynamic `import()`), not with a type check, so it is
 * fast and sees every import style the code uses.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

const ROOT = resolve(import.meta.dir, "../..");

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" || entry.name === "fixtures" ? [] : filesUnder(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

interface ModuleFacts {
  /** Names this file exports ("default" for a default export). */
  exports: string[];
  /** Per module it imports (absolute path), the names it takes; "*" for all of them. */
  imports: Map<string, Set<string>>;
}

function hasExport(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

/** What one file exports and imports, from its syntax alone. */
export function readModule(file: string, code: string): ModuleFacts {
  const source = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true);
  const exports: string[] = [];
  const imports = new Map<string, Set<string>>();
  const take = (specifier: string, names: string[]) => {
    if (!specifier.startsWith(".") || !specifier.endsWith(".ts")) return;
    const target = resolve(dirname(file), specifier);
    const set = imports.get(target) ?? new Set<string>();
    for (const name of names) set.add(name);
    imports.set(target, set);
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const names: string[] = [];
      if (clause?.name) names.push("default");
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) names.push("*");
      if (bindings && ts.isNamedImports(bindings))
        for (const e of bindings.elements) names.push((e.propertyName ?? e.name).text);
      take(node.moduleSpecifier.text, names);
    } else if (ts.isExportDeclaration(node)) {
      const from =
        node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier) ? node.moduleSpecifier.text : undefined;
      const clause = node.exportClause;
      if (!clause) {
        if (from) take(from, ["*"]);
      } else if (ts.isNamedExports(clause)) {
        for (const e of clause.elements) {
          if (!node.isTypeOnly && !e.isTypeOnly) exports.push(e.name.text);
          if (from) take(from, [(e.propertyName ?? e.name).text]);
        }
      }
    } else if (ts.isExportAssignment(node)) {
      exports.push("default");
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteral(arg)) take(arg.text, ["*"]);
    } else if (node.parent === source && hasExport(node)) {
      const isDefault = (ts.getModifiers(node as ts.HasModifiers) ?? []).some(
        (m) => m.kind === ts.SyntaxKind.DefaultKeyword,
      );
      if (isDefault) exports.push("default");
      else if (ts.isVariableStatement(node))
        for (const d of node.declarationList.declarations) exports.push(d.name.getText(source));
      else if (
        (ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node) || ts.isEnumDeclaration(node)) &&
        node.name
      )
        exports.push(node.name.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { exports, imports };
}

/**
 * Exports in `checked` that no other file of `modules` imports, as "path: name"; with `counts`,
 * only the imports of the files it accepts count (so tests can be left out).
 */
export function unusedExports(
  modules: Map<string, ModuleFacts>,
  checked: string[],
  counts: (file: string) => boolean = () => true,
): string[] {
  const used = new Map<string, Set<string>>();
  for (const [file, facts] of modules)
    for (const [target, names] of facts.imports) {
      if (target === file || !counts(file)) continue;
      const set = used.get(target) ?? new Set<string>();
      for (const name of names) set.add(name);
      used.set(target, set);
    }
  return checked.flatMap((file) => {
    const names = used.get(file) ?? new Set<string>();
    if (names.has("*")) return [];
    return (modules.get(file)?.exports ?? [])
      .filter((name) => !names.has(name))
      .map((name) => `${relative(ROOT, file)}: ${name}`);
  });
}

describe("the reader", () => {
  test.each([
    [
      "export function a() {}\nexport const b = 1, c = 2;\nexport interface D {}\nexport type E = 1;\nexport class F {}\nexport enum G { X }",
      ["a", "b", "c", "F", "G"],
    ],
    ["type T = 1;\nconst v = 1;\nexport type { T };\nexport { type T as U, v };", ["v"]],
    ["export default defineCommand({});", ["default"]],
    ["const x = 1;\nexport { x, x as y };", ["x", "y"]],
    ["function inner() {}\nexport async function outer() { return inner(); }", ["outer"]],
  ])("reads the exports of %p", (code, expected) => {
    expect(readModule("/p/src/m.ts", code).exports).toEqual(expected);
  });

  test("reads named, default, namespace, type-only, re-exported and dynamic imports", () => {
    const code = [
      'import def, { a, b as c } from "./x.ts";',
      'import type { T } from "../y.ts";',
      'import * as ns from "./z.ts";',
      'export { e } from "./w.ts";',
      'export * from "./v.ts";',
      'const lazy = () => import("./u.ts");',
      'import { readFileSync } from "node:fs";',
    ].join("\n");
    const imports = readModule("/p/src/m.ts", code).imports;
    expect(Object.fromEntries([...imports].map(([k, v]) => [k, [...v]]))).toEqual({
      "/p/src/x.ts": ["default", "a", "b"],
      "/p/y.ts": ["T"],
      "/p/src/z.ts": ["*"],
      "/p/src/w.ts": ["e"],
      "/p/src/v.ts": ["*"],
      "/p/src/u.ts": ["*"],
    });
  });

  test("finds an export nobody imports, and not one that is imported (the control)", () => {
    const modules = new Map([
      ["/p/src/a.ts", readModule("/p/src/a.ts", "export const used = 1;\nexport const dead = 2;\nconst also = dead;")],
      ["/p/src/b.ts", readModule("/p/src/b.ts", 'import { used } from "./a.ts";')],
    ]);
    expect(unusedExports(modules, ["/p/src/a.ts"]).map((d) => d.split(": ")[1])).toEqual(["dead"]);
  });

  test("an export only a test imports is used, and is found when tests do not count", () => {
    const modules = new Map([
      ["/p/src/a.ts", readModule("/p/src/a.ts", "export const seam = 1;")],
      ["/p/test/a.test.ts", readModule("/p/test/a.test.ts", 'import { seam } from "../src/a.ts";')],
    ]);
    expect(unusedExports(modules, ["/p/src/a.ts"])).toEqual([]);
    expect(
      unusedExports(modules, ["/p/src/a.ts"], (file) => !file.startsWith("/p/test/")).map((d) => d.split(": ")[1]),
    ).toEqual(["seam"]);
  });
});

test("no export in src/ is dead", () => {
  const all = [
    ...filesUnder(join(ROOT, "src")),
    ...filesUnder(join(ROOT, "scripts")),
    ...filesUnder(join(ROOT, "test")),
  ];
  const modules = new Map(all.map((file) => [file, readModule(file, readFileSync(file, "utf8"))]));
  // Generated and ambient files declare what others use by name; main.ts is the entry point.
  const checked = filesUnder(join(ROOT, "src")).filter(
    (f) => !f.endsWith(".d.ts") && !f.includes("/assets/") && !f.endsWith("/src/main.ts"),
  );
  expect(checked.length).toBeGreaterThan(100);
  expect(unusedExports(modules, checked)).toEqual([]);
  // Shown, not failed: an export only tests import is an API for them (a pure step a test pins
  // on its own), or code only they still call. The list says which, to whoever reads it.
  const testOnly = unusedExports(modules, checked, (file) => !relative(ROOT, file).startsWith("test/")).sort();
  const byFile = Map.groupBy(testOnly, (entry) => entry.split(": ")[0]!);
  console.log(
    `exports in src/ that only tests import (${testOnly.length}):\n${[...byFile]
      .map(([file, entries]) => `  ${file}: ${entries.map((e) => e.split(": ")[1]).join(", ")}`)
      .join("\n")}`,
  );
});
