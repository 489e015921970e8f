import { describe, expect, test } from "bun:test";
import { findKeyLine } from "../../../../src/core/config/toml-lines.ts";

describe("findKeyLine", () => {
  test.each<[string, string, string[], number | undefined]>([
    ["a key in a table", "[defaults]\ndpi = 96", ["defaults", "dpi"], 2],
    ["a table header", "\n\n[defaults]\ndpi = 96", ["defaults"], 3],
    [
      "a quoted header",
      '[apps.a]\n[instances."firefox#work"]\n  size = "1x1"',
      ["instances", "firefox#work", "size"],
      3,
    ],
    ["a spaced literal header", "[ instances . 'firefox#work' ]\ndpi=1", ["instances", "firefox#work", "dpi"], 2],
    ["a quoted key", '[defaults]\n"dpi" = 1', ["defaults", "dpi"], 2],
    ["a dotted key at the top level", "# c\ndefaults.dpi = 96", ["defaults", "dpi"], 2],
    ["a table made only by a dotted key", "# c\ndefaults.dpi = 96", ["defaults"], 2],
    ["a table made only by a sub-table", "[apps.a.extra]", ["apps", "a"], 1],
    ["the same key name in a later table", "[defaults]\ndpi = 1\n[apps.a]\ndpi = 2", ["apps", "a", "dpi"], 4],
    ["a key after a multi-line string", '[defaults]\nx = """\n[apps.a]\ndpi = 3\n"""\ndpi = 1', ["defaults", "dpi"], 6],
    ["nothing inside a multi-line string", '[defaults]\nx = """\n[apps.a]\n"""', ["apps", "a"], undefined],
    ["nothing in a comment", "# [apps.a]", ["apps", "a"], undefined],
    ["a key that is not there", "[defaults]\ndpi = 1", ["defaults", "size"], undefined],
    ["CRLF line ends", "[defaults]\r\n\r\naudio = true", ["defaults", "audio"], 3],
  ])("%s", (_, text, path, line) => {
    expect(findKeyLine(text, path)).toBe(line);
  });
});
