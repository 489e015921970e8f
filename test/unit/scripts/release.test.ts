import { describe, expect, test } from "bun:test";
import {
  binaryName,
  debName,
  parseChecksums,
  RELEASE_TARGETS,
  renderChecksums,
  renderShareFiles,
} from "../../../scripts/lib/release.ts";
import { describeCommandTree } from "../../../src/cli/_command-tree.ts";
import { main } from "../../../src/cli/index.ts";

describe("artifact names", () => {
  test.each(RELEASE_TARGETS.map((t) => [t.bun, t] as const))("%s", (_, target) => {
    expect(binaryName("1.2.3", target)).toBe(`dockercask-1.2.3-${target.suffix}`);
  });
  test("the .deb", () => expect(debName("1.2.3")).toBe("dockercask_1.2.3_amd64.deb"));
});

describe("checksums", () => {
  const sums = { "b-file": "b".repeat(64), "a-file": "a".repeat(64) };

  test("are written as sha256sum does, sorted by name", () => {
    expect(renderChecksums(sums)).toBe(`${"a".repeat(64)}  a-file\n${"b".repeat(64)}  b-file\n`);
  });

  test("read back what was written, and sha256sum's binary marker", () => {
    expect(parseChecksums(renderChecksums(sums))).toEqual(sums);
    expect(parseChecksums(`${"c".repeat(64)} *c-file\n`)).toEqual({ "c-file": "c".repeat(64) });
  });

  test.each([
    ["not hex", `${"z".repeat(64)}  f\n`],
    ["short", "abc  f\n"],
    ["no name", `${"a".repeat(64)}\n`],
  ])("refuse a line that is %s", (_, text) => {
    expect(() => parseChecksums(text)).toThrow(/SHA256SUMS line 1/);
  });
});

describe("renderShareFiles", () => {
  test("holds the man page, the three completions, the icons and the license", async () => {
    const files = renderShareFiles({
      tree: await describeCommandTree(main),
      version: "1.2.3",
      date: "2026-01-02",
      genericIcon: "<svg/>",
      appIcons: { xeyes: "<svg>eyes</svg>" },
      license: "MIT",
    });
    expect(Object.keys(files).sort()).toEqual([
      "LICENSE",
      "completions/_dockercask",
      "completions/dockercask.bash",
      "completions/dockercask.fish",
      "icons/dockercask-xeyes.svg",
      "icons/dockercask.svg",
      "man/dockercask.1",
    ]);
    expect(files["man/dockercask.1"]).toContain('"dockercask 1.2.3"');
    expect(files["completions/dockercask.bash"]).toContain("complete -o nosort -F _dockercask dockercask");
  });
});
