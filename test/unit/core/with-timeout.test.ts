import { describe, expect, test } from "bun:test";
import { withTimeout } from "../../../src/core/with-timeout.ts";

const late = new Error("nothing in time");
const never = new Promise<string>(() => {});

describe("withTimeout", () => {
  test.each<[string, () => Promise<string>, string | Error]>([
    ["a value that comes first", () => Promise.resolve("done"), "done"],
    ["a failure that comes first, as it is", () => Promise.reject(new Error("refused")), new Error("refused")],
    ["nothing at all: the timeout's own error", () => never, late],
  ])("%s", async (_, make, expected) => {
    const result = withTimeout(make(), 5, () => late);
    if (expected instanceof Error) await expect(result).rejects.toThrow(expected.message);
    else expect(await result).toBe(expected);
  });
});
