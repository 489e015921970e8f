import { describe, expect, test } from "bun:test";
import { parseDockerfile, parseLabelArgs } from "../../../src/core/dockerfile.ts";

describe("parseLabelArgs", () => {
  test.each([
    ['a=b', { a: "b" }],
    ['a="b c" d=e', { a: "b c", d: "e" }],
    ["a='x \"y\"'", { a: 'x "y"' }],
    ['a="say \\"hi\\""', { a: 'say "hi"' }],
    ["a=b\\ c", { a: "b c" }],
    ["legacy some words here", { legacy: "some words here" }],
    ['io.dockercask.command="firefox-esr --no-remote"', { "io.dockercask.command": "firefox-esr --no-remote" }],
  ])("%p", (input, expected) => {
    expect(parseLabelArgs(input)).toEqual(expected);
  });
});

describe("parseDockerfile", () => {
  test("continuations, comments inside continuations, last FROM wins", () => {
    const summary = parseDockerfile(
      [
        "# syntax comment",
        "FROM debian:bookworm-slim AS builder",
        "RUN true",
        "FROM --platform=linux/amd64 dockercask/base",
        "LABEL io.dockercask.command=\"xeyes\" \\",
        "# a comment in the middle",
        "      io.dockercask.network=none",
        "label lower=case",
      ].join("\n"),
    );
    expect(summary.from).toBe("dockercask/base");
    expect(summary.labels).toEqual({ "io.dockercask.command": "xeyes", "io.dockercask.network": "none", lower: "case" });
    expect(summary.instructions.map((i) => [i.keyword, i.line])).toEqual([
      ["FROM", 2],
      ["RUN", 3],
      ["FROM", 4],
      ["LABEL", 5],
      ["LABEL", 8],
    ]);
  });

  test("no FROM", () => {
    expect(parseDockerfile("RUN true").from).toBeUndefined();
  });
});
