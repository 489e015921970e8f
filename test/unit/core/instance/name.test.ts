import { describe, expect, test } from "bun:test";
import { InvalidInstanceNameError } from "../../../../src/core/errors.ts";
import { containerName, explainInvalid, parseInstanceName } from "../../../../src/core/instance/name.ts";

describe("parseInstanceName accepts", () => {
  test.each([
    ["firefox", "firefox", ""],
    ["firefox#1", "firefox", "1"],
    ["firefox#work", "firefox", "work"],
    ["libre-office#a-b-2", "libre-office", "a-b-2"],
    ["x2#0", "x2", "0"],
    [`a#${"b".repeat(31)}`, "a", "b".repeat(31)],
  ])("%p", (input, app, id) => {
    expect(parseInstanceName(input)).toEqual({ app, id, full: input });
  });
});

describe("parseInstanceName rejects", () => {
  test.each([
    ["", /empty/],
    ["..", /path separator|'\.\.'/],
    ["../../etc", /path separator/],
    ["a/b", /path separator/],
    ["/", /path separator/],
    ["fire fox", /whitespace/],
    ["firefox ", /whitespace/],
    ["fire\tfox", /control character/],
    ["a;rm -rf", /whitespace|';'/],
    ["a$(id)", /'\$'/],
    ["a`id`", /'`'/],
    ["a|b", /'\|'/],
    ["a&b", /'&'/],
    ["a>b", /'>'/],
    ["a*", /'\*'/],
    ["a'b", /'''/],
    ['a"b', /'"'/],
    ["firefox#1#2", /more than one '#'/],
    ["#1", /app part .* empty/],
    ["firefox#", /id after '#' is empty/],
    ["a".repeat(65), /65 characters/],
    [`${"a".repeat(33)}#1`, /longer than 32/],
    [`a#${"b".repeat(32)}`, /longer than 31/],
    ["firеfox", /U\+0435/], // Cyrillic е
    ["ｆirefox", /U\+FF46/], // fullwidth f
    ["firefox\u200b", /U\+200B/], // zero-width space
    ["Firefox", /lower case/],
    ["1password", /start with a letter/],
    ["-x", /start with a letter/],
    ["fire--fox", /'-' may only join/],
    ["firefox-", /'-' may only join/],
    ["firefox#-1", /'-' in the id/],
    ["fire_fox", /'_'/],
    ["fire.fox", /'\.'/],
  ])("%p", (input, reason) => {
    expect(() => parseInstanceName(input)).toThrow(InvalidInstanceNameError);
    expect(explainInvalid(input)).toMatch(reason);
  });
});

test.each([
  ["firefox", "dockercask-firefox"],
  ["firefox#work", "dockercask-firefox.work"],
])("containerName(%p) is a valid, unambiguous Docker name", (input, expected) => {
  const name = containerName(parseInstanceName(input));
  expect(name).toBe(expected);
  expect(name).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/);
});
