import { describe, expect, test } from "bun:test";
import { parseDockerfile, parseLabelArgs } from "../../../../src/core/catalog/dockerfile.ts";

describe("parseLabelArgs", () => {
  test.each([
    ["a=b", { a: "b" }],
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
        'LABEL io.dockercask.command="xeyes" \\',
        "# a comment in the middle",
        "      io.dockercask.network=none",
        "label lower=case",
      ].join("\n"),
    );
    expect(summary.from).toBe("dockercask/base");
    expect(summary.labels).toEqual({
      "io.dockercask.command": "xeyes",
      "io.dockercask.network": "none",
      lower: "case",
    });
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

describe("parseDockerfile: the labels that set policy", () => {
  test.each<[string, string[], Record<string, string>]>([
    [
      "double-quoted values",
      ["FROM dockercask/base", 'LABEL io.dockercask.command="xeyes -fg red"'],
      { "io.dockercask.command": "xeyes -fg red" },
    ],
    [
      "single-quoted values are literal, $ included",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile text, where ${...} is the build's own variable syntax.
      ["FROM x", "LABEL io.dockercask.description='costs $5 ${NOT}'"],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile text, where ${...} is the build's own variable syntax.
      { "io.dockercask.description": "costs $5 ${NOT}" },
    ],
    [
      "several labels on one line",
      ["FROM x", 'LABEL a=1 io.dockercask.network="bridge" b="two words"'],
      { a: "1", "io.dockercask.network": "bridge", b: "two words" },
    ],
    [
      "continuations",
      [
        "FROM x",
        'LABEL io.dockercask.command="xeyes" \\',
        '      io.dockercask.audio="true" \\',
        '      io.dockercask.shm-size="2g"',
      ],
      { "io.dockercask.command": "xeyes", "io.dockercask.audio": "true", "io.dockercask.shm-size": "2g" },
    ],
    [
      "the legacy form",
      ["FROM x", "LABEL io.dockercask.description a whole sentence"],
      { "io.dockercask.description": "a whole sentence" },
    ],
    [
      "an escaped $ is literal",
      ["FROM x", 'LABEL io.dockercask.description="5\\$ a\\\\b \\n"'],
      { "io.dockercask.description": "5$ a\\b \\n" },
    ],
    [
      "a $ before no name is literal",
      ["FROM x", 'LABEL io.dockercask.description="5 $ or $."'],
      { "io.dockercask.description": "5 $ or $." },
    ],
    [
      "a later LABEL wins",
      ["FROM x", "LABEL io.dockercask.network=bridge", "LABEL io.dockercask.network=none"],
      { "io.dockercask.network": "none" },
    ],
    [
      "an earlier stage's labels are not the image's",
      [
        "FROM debian AS build",
        "LABEL io.dockercask.devices=/dev/fuse",
        "FROM dockercask/base",
        "LABEL io.dockercask.command=x",
      ],
      { "io.dockercask.command": "x" },
    ],
    [
      "a stage built FROM an earlier one keeps what that one set",
      [
        "FROM dockercask/base AS Common",
        "LABEL io.dockercask.audio=true",
        "FROM common",
        "LABEL io.dockercask.command=x",
      ],
      { "io.dockercask.audio": "true", "io.dockercask.command": "x" },
    ],
  ])("%s", (_, lines, labels) => {
    const summary = parseDockerfile(lines.join("\n"));
    expect(summary.labels).toEqual(labels);
    expect(summary.problems).toEqual([]);
  });

  test.each<[string, string[], RegExp]>([
    [
      "an ARG in a policy value",
      ["FROM x", "ARG NET=bridge", 'LABEL io.dockercask.network="$NET"'],
      /line 3: io\.dockercask\.network="\$NET" uses a variable/,
    ],
    [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile text, where ${...} is the build's own variable syntax.
      "${...} in a policy value",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile text, where ${...} is the build's own variable syntax.
      ["FROM x", "LABEL io.dockercask.devices=${DEV:-/dev/fuse}"],
      /line 2: io\.dockercask\.devices=.* uses a variable/,
    ],
    [
      "a variable in a continued line",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile text, where ${...} is the build's own variable syntax.
      ["FROM x", 'LABEL io.dockercask.command="x" \\', '  io.dockercask.seccomp="${S}"'],
      /line 2: io\.dockercask\.seccomp/,
    ],
    [
      "a variable in a label name",
      ["FROM x", "ARG K=network", "LABEL io.dockercask.$K=bridge"],
      /line 3: the label name .* uses a variable/,
    ],
    [
      "a variable in the legacy form",
      ["FROM x", "LABEL io.dockercask.network $NET"],
      /line 2: io\.dockercask\.network/,
    ],
    [
      "another escape character",
      ["# escape=`", "FROM x", "LABEL io.dockercask.network=none"],
      /line 1: the escape directive "`" is not supported/,
    ],
  ])("refused, not guessed: %s", (_, lines, problem) => {
    expect(parseDockerfile(lines.join("\n")).problems.join("\n")).toMatch(problem);
  });

  test("variables in labels that are not policy are Docker's business", () => {
    expect(parseDockerfile('FROM x\nARG V=1\nLABEL org.opencontainers.image.version="$V"\n').problems).toEqual([]);
  });

  test.each([
    ["FROM dockercask/base", "dockercask/base"],
    ["FROM dockercask/base AS build\nFROM build", "dockercask/base"],
    ["FROM debian AS a\nFROM a AS b\nFROM B", "debian"],
    ["FROM --platform=linux/amd64 some/third-party:1.0", "some/third-party:1.0"],
  ])("the final stage descends from: %p -> %p", (text, from) => {
    expect(parseDockerfile(text).from).toBe(from);
  });
});
