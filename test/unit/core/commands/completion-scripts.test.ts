/**
 * The completion scripts run in the real shells against a stand-in program that records the
 * words it is given and prints canned candidates: what is checked is the shell side, that the
 * words reach `__complete` intact and that its answer becomes the shell's completions.
 * (core/commands/completion.ts decides the candidates; the e2e suite runs both together.)
 */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderCompletionScript } from "../../../../src/core/commands/completion-scripts.ts";
import { bashCompletionBody } from "../../../support/bash-completion.ts";

const dir = mkdtempSync(join(tmpdir(), "dockercask-completion-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const program = join(dir, "dockercask");
const argsFile = join(dir, "args");
writeFileSync(program, `#!/bin/sh\nprintf '%s\\0' "$@" > "${argsFile}"\nprintf '%b' "$REPLY_LINES"\n`);
chmodSync(program, 0o755);
for (const shell of ["bash", "zsh", "fish"] as const)
  writeFileSync(join(dir, `script.${shell}`), renderCompletionScript(shell));

const has = (cmd: string) => Bun.spawnSync(["sh", "-c", `command -v ${cmd}`]).exitCode === 0;

function run(argv: string[], reply: string): { out: string; args: string[] } {
  rmSync(argsFile, { force: true });
  const proc = Bun.spawnSync(argv, {
    env: { PATH: `${dir}:${process.env.PATH}`, HOME: dir, REPLY_LINES: reply },
    stderr: "pipe",
  });
  if (proc.exitCode !== 0) throw new Error(`${argv[0]} failed: ${proc.stderr.toString()}`);
  let recorded = "";
  try {
    recorded = readFileSync(argsFile, "utf8");
  } catch {}
  return { out: proc.stdout.toString(), args: recorded ? recorded.split("\0").slice(0, -1) : [] };
}

describe("bash", () => {
  /** Runs the completion function the way bash's programmable completion does. */
  const bash = (words: string[], reply: string) =>
    run(["bash", "--norc", "-c", bashCompletionBody(`${dir}/script.bash`, words)], reply);

  test.each([
    ["a command by prefix", [program, "ru"], "run\\tRun it\\n", ["__complete", "--", "ru"], ["run"]],
    [
      "an empty word is passed on as one",
      [program, "run", ""],
      "xeyes\\nfirefox#work\\n",
      ["__complete", "--", "run", ""],
      ["xeyes", "firefox#work"],
    ],
    [
      "readline's split at = is undone, and only the part after = is offered",
      [program, "run", "--network", "=", "b"],
      "--network=bridge\\n",
      ["__complete", "--", "run", "--network=b"],
      ["bridge"],
    ],
    [
      "right after the =",
      [program, "run", "--network", "="],
      "--network=none\\n--network=bridge\\n",
      ["__complete", "--", "run", "--network="],
      ["none", "bridge"],
    ],
    ["nothing to offer", [program, "run", "xeyes", "--", ""], "", ["__complete", "--", "run", "xeyes", "--", ""], []],
  ])("%s", (_, words, reply, expectedArgs, expected) => {
    const { out, args } = bash(words, reply);
    expect(args).toEqual(expectedArgs);
    expect(out.split("\n").filter(Boolean)).toEqual(expected);
  });

  test("registers itself for dockercask", () => {
    const { out } = run(["bash", "--norc", "-c", `source ${dir}/script.bash; complete -p dockercask`], "");
    expect(out).toContain("-F _dockercask dockercask");
  });
});

describe.skipIf(!has("zsh"))("zsh", () => {
  // Outside a completion widget: compdef and _describe are stand-ins, _describe printing what it was given.
  const zsh = (words: string[], reply: string) => {
    const array = words.map((w) => `'${w}'`).join(" ");
    const stubs = `compdef() { :; }; _describe() { local name=\${@[-1]}; print -rl -- "\${(@P)name}"; }`;
    return run(
      ["zsh", "-f", "-c", `${stubs}; source ${dir}/script.zsh; words=(${array}); CURRENT=${words.length}; _dockercask`],
      reply,
    );
  };

  test("passes the words and turns each line into value:description", () => {
    const { out, args } = zsh([program, "run", ""], "xeyes\\tThe smoke test\\nfirefox#work\\n");
    expect(args).toEqual(["__complete", "--", "run", ""]);
    expect(out.split("\n").filter(Boolean)).toEqual(["xeyes:The smoke test", "firefox#work"]);
  });

  test("a colon in a value is escaped for _describe", () => {
    const { out } = zsh([program, "x"], "a:b\\tdesc\\n");
    expect(out.trim()).toBe("a\\:b:desc");
  });

  test("the script parses", () => {
    expect(Bun.spawnSync(["zsh", "-n", join(dir, "script.zsh")]).exitCode).toBe(0);
  });
});

describe.skipIf(!has("fish"))("fish", () => {
  const fish = (line: string, reply: string) =>
    run(["fish", "--no-config", "-c", `source ${dir}/script.fish; complete -C '${line}'`], reply);

  test.each([
    ["a command by prefix", "dockercask ru", "run\\tRun it\\n", ["__complete", "--", "ru"], ["run\tRun it"]],
    ["an empty current word is passed on", "dockercask run ", "xeyes\\n", ["__complete", "--", "run", ""], ["xeyes"]],
  ])("%s", (_, line, reply, expectedArgs, expected) => {
    const { out, args } = fish(line, reply);
    expect(args).toEqual(expectedArgs);
    expect(out.split("\n").filter(Boolean)).toEqual(expected);
  });
});
