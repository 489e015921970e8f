import { describe, expect, test } from "bun:test";
import { isShellScript, shellCheckRuns } from "../../../scripts/lib/shell-scripts.ts";

describe("which files shellcheck reads", () => {
  test.each([
    ["#!/bin/sh\necho", true],
    ["#!/usr/bin/env bash\nset -u", true],
    ["#!/bin/bash -e", true],
    ["#! /bin/sh", true],
    ["#!/usr/bin/perl\n", false],
    ["#!/usr/bin/env python3", false],
    ["#!/bin/shell-of-my-own", false],
    ["echo no shebang", false],
  ])("%p: %p", (text, expected) => {
    expect(isShellScript(text)).toBe(expected);
  });

  test("scripts by their first line, and the PKGBUILD by its name, nothing else", () => {
    const texts: Record<string, string> = {
      "apps/base/dockercask-session": "#!/bin/sh\n",
      "apps/base/dockercask-open": "#!/usr/bin/perl\n",
      "src/main.ts": "import x;\n",
    };
    const runs = shellCheckRuns(
      "/r",
      ["apps/base/dockercask-session", "apps/base/dockercask-open", "src/main.ts", "packaging/aur/PKGBUILD", "gone"],
      (path) => {
        const text = texts[path.slice(3)];
        if (text === undefined) throw new Error("ENOENT");
        return text;
      },
    );
    expect(runs).toEqual([
      { file: "apps/base/dockercask-session", argv: ["shellcheck", "/r/apps/base/dockercask-session"] },
      { file: "packaging/aur/PKGBUILD", argv: ["shellcheck", "/r/packaging/aur/PKGBUILD"] },
    ]);
  });
});
