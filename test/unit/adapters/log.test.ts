import { describe, expect, test } from "bun:test";
import { join } from "node:path";

const LOG = join(import.meta.dir, "../../../src/adapters/log.ts");

/** Runs `body` in a fresh process (the logger is module state), returning what it printed to stderr. */
function stderrOf(body: string, env: Record<string, string> = {}): string {
  const script = `const { log, setVerbose } = await import(${JSON.stringify(LOG)});\n${body}`;
  const result = Bun.spawnSync([process.execPath, "-e", script], {
    env: { PATH: process.env.PATH ?? "", NO_COLOR: "1", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  if (result.exitCode !== 0) throw new Error(`the script failed:\n${result.stderr}`);
  return result.stderr.toString();
}

describe("log", () => {
  test.each<[string, string, Record<string, string>, string[], string[]]>([
    ["info and warn print", `log.info("an info"); log.warn("a warning")`, {}, ["an info", "a warning"], []],
    ["debug is dropped by default", `log.debug("a debug line"); log.info("after")`, {}, ["after"], ["a debug line"]],
    [
      "--verbose before the first message shows debug",
      `setVerbose(true); log.debug("a debug line")`,
      {},
      ["a debug line"],
      [],
    ],
    [
      "--verbose after the first message shows debug too",
      `log.info("first"); setVerbose(true); log.debug("a debug line")`,
      {},
      ["first", "a debug line"],
      [],
    ],
    ["the level set through the logger itself", `log.level = 4; log.debug("a debug line")`, {}, ["a debug line"], []],
    [
      "DOCKERCASK_QUIET keeps warnings only",
      `log.info("an info"); log.warn("a warning")`,
      { DOCKERCASK_QUIET: "1" },
      ["a warning"],
      ["an info"],
    ],
  ])("%s", (_, body, env, shown, hidden) => {
    const out = stderrOf(body, env);
    for (const text of shown) expect(out).toContain(text);
    for (const text of hidden) expect(out).not.toContain(text);
  });

  test("consola is not loaded until something is printed, and dropped debug lines do not load it", () => {
    const out = stderrOf(
      `log.debug("x"); console.error(Object.keys(require.cache).some((k) => k.includes("consola")) ? "loaded" : "not loaded"); log.info("y"); console.error(Object.keys(require.cache).some((k) => k.includes("consola")) ? "loaded" : "not loaded")`,
    );
    expect(out.match(/(not )?loaded/g)).toEqual(["not loaded", "loaded"]);
  });

  test("`in` answers for the logger's methods", () => {
    expect(stderrOf(`console.error(["info" in log, "success" in log, "nonsense" in log].join(","))`)).toContain(
      "true,true,false",
    );
  });
});
