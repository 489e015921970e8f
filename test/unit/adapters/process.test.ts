import { describe, expect, test } from "bun:test";
import { runProgram } from "../../../src/adapters/process.ts";

describe("runProgram", () => {
  test.each<[string, string[], { stdin?: string; timeoutMs?: number }, Record<string, unknown>]>([
    [
      "collects stdout, stderr and the code",
      ["sh", "-c", "echo out; echo err >&2; exit 3"],
      {},
      { code: 3, stdout: "out\n", stderr: "err\n" },
    ],
    ["passes stdin", ["cat"], { stdin: "secret" }, { code: 0, stdout: "secret" }],
    ["kills a program past its timeout, and says so", ["sleep", "30"], { timeoutMs: 50 }, { timedOut: true }],
  ])("%s", async (_, argv, options, expected) => {
    const result = await runProgram(argv, options);
    expect(result).toMatchObject(expected);
    if (!("timedOut" in expected)) expect(result.timedOut).toBeUndefined();
  });
});
