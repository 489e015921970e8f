import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createContext } from "../../../src/cli/_context.ts";
import { createCatalog } from "../../../src/core/catalog/catalog.ts";

test("the catalog is read on first use, once, and not by commands that never ask for it", () => {
  const home = mkdtempSync(join(tmpdir(), "dockercask-context-"));
  try {
    const env = {
      HOME: home,
      XDG_CONFIG_HOME: join(home, "config"),
      XDG_DATA_HOME: join(home, "data"),
      XDG_RUNTIME_DIR: join(home, "run"),
    };
    let loads = 0;
    const ctx = createContext(env, {
      catalog: () => {
        loads++;
        return createCatalog({ base: { Dockerfile: "FROM debian:bookworm-slim\n" } });
      },
    });
    // What ps, stop, logs and shell use: the runtime dirs and (on demand) Docker.
    void ctx.runtime.root;
    void ctx.paths;
    expect(loads).toBe(0);
    expect(ctx.catalog.apps.has("base")).toBe(true);
    expect(ctx.desktopDeps().catalog).toBe(ctx.catalog);
    expect(loads).toBe(1);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
