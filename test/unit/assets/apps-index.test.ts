import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { DECLARATIONS_PATH, INDEX_PATH, renderIndex } from "../../../scripts/gen-assets.ts";
import { builtinApps } from "../../../src/assets/apps.generated.ts";

test("the generated index of apps/ is up to date (run `bun scripts/gen-assets.ts`)", () => {
  const { index, declarations } = renderIndex();
  expect(readFileSync(INDEX_PATH, "utf8")).toBe(index);
  expect(readFileSync(DECLARATIONS_PATH, "utf8")).toBe(declarations);
});

test("every embedded file carries the text that is on disk", () => {
  for (const [app, files] of Object.entries(builtinApps)) {
    for (const [path, text] of Object.entries(files)) {
      expect(text).toBe(readFileSync(new URL(`../../../apps/${app}/${path}`, import.meta.url), "utf8"));
    }
  }
  expect(Object.keys(builtinApps)).toContain("base");
  expect(Object.keys(builtinApps)).toContain("xeyes");
});
