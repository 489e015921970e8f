import { describe, expect, test } from "bun:test";
import { optionValue, requestPath } from "../../../../src/core/desktop-bus/portal-request.ts";

const v = (signature: string, value: unknown) => ({ signature, value });
const REQUEST = "/org/freedesktop/portal/desktop/request";

describe("requestPath: where a portal call's Response comes from, as the client predicts it", () => {
  test.each([
    ["the client's token", ":1.7", { handle_token: v("s", "t1") }, `${REQUEST}/1_7/t1`],
    ["a token given plain", ":1.7", { handle_token: "t1" }, `${REQUEST}/1_7/t1`],
    ["no token: ours", ":1.7", {}, `${REQUEST}/1_7/dockercask3`],
    [
      "a token that is not one is not used",
      ":1.7",
      { handle_token: v("s", "../../evil") },
      `${REQUEST}/1_7/dockercask3`,
    ],
    ["a token too long", ":1.7", { handle_token: v("s", "a".repeat(65)) }, `${REQUEST}/1_7/dockercask3`],
    ["a token of another type", ":1.7", { handle_token: v("u", 7) }, `${REQUEST}/1_7/dockercask3`],
    ["options that are not a dict", ":1.7", "nonsense", `${REQUEST}/1_7/dockercask3`],
    ["a sender that is a name", "org.example.App", {}, `${REQUEST}/org_example_App/dockercask3`],
  ])("%s", (_what, sender, options, path) => {
    expect(requestPath(sender, options, 3)).toBe(path);
  });
});

describe("optionValue", () => {
  test.each([
    [{ multiple: v("b", true) }, "multiple", true],
    [{ multiple: true }, "multiple", true],
    [{}, "multiple", undefined],
    [undefined, "multiple", undefined],
    ["nonsense", "length", undefined],
  ])("%p's %p is %p", (options, key, value) => {
    expect(optionValue(options, key)).toBe(value);
  });
});
