/**
 * Every recipe in the catalog installs its packages one way, the base image's dockercask-install
 * (no recommends, no apt lists left, setuid and setgid bits stripped), so an install is one line
 * and none of them can forget a part. Every recipe states where its links go. The base carries
 * the tools, the link shims and notify-send for all of them.
 */
import { describe, expect, test } from "bun:test";
import { builtinApps } from "../../../src/assets/apps.generated.ts";
import { parseDockerfile } from "../../../src/core/catalog/dockerfile.ts";
import { parsePolicy } from "../../../src/core/catalog/policy.ts";
import { formatLinksPolicy } from "../../../src/core/desktop-bus/links.ts";
import { CARRIED_SCHEMES } from "../../../src/core/url.ts";

const base = builtinApps.base!;
const apps = Object.keys(builtinApps).filter((app) => app !== "base");

/** What a recipe does by hand that dockercask-install does for it. */
function installProblems(text: string): string[] {
  const runs = parseDockerfile(text)
    .instructions.filter((i) => i.keyword === "RUN")
    .map((i) => i.args);
  return runs
    .filter((r) => /\bapt-get\b|\bapt\b|\bdpkg -i\b|chmod a-s|\/var\/lib\/apt\/lists/.test(r))
    .map((r) => `by hand: ${r}`);
}

describe.each(apps)("%s", (app) => {
  const text = builtinApps[app]!.Dockerfile!;

  test("installs its packages with dockercask-install alone", () => {
    expect(installProblems(text)).toEqual([]);
  });

  test("states its links default in a label", () => {
    expect(parseDockerfile(text).labels["io.dockercask.links"]).toBeDefined();
    expect(parsePolicy(parseDockerfile(text).labels)).toMatchObject({ ok: true });
  });
});

test.each([
  ["firefox", "self"],
  ["chromium", "self"],
  ["chrome", "self"],
  ["thunderbird", "disposable:firefox"],
  ["slack", "disposable:firefox"],
  ["gimp", "ask"],
  ["xeyes", "ask"],
])("%s's links label: %s (browsers keep their links, mail and chat open them in a throwaway browser)", (app, links) => {
  const policy = parsePolicy(parseDockerfile(builtinApps[app]!.Dockerfile!).labels);
  if (!policy.ok) throw new Error(policy.problems.join("; "));
  expect(policy.policy.links && formatLinksPolicy(policy.policy.links)).toBe(links);
});

test("the check catches a recipe that installs by hand", () => {
  const good = builtinApps.xterm!.Dockerfile!;
  for (const by of [
    "apt-get update && apt-get install -y --no-install-recommends xterm",
    "apt install xterm",
    "dockercask-install xterm && rm -rf /var/lib/apt/lists/*",
  ]) {
    const mutant = good.replace("RUN dockercask-install xterm", `RUN ${by}`);
    expect(mutant).not.toBe(good);
    expect(installProblems(mutant)).toHaveLength(1);
  }
});

describe("the base image", () => {
  const { instructions, labels } = parseDockerfile(base.Dockerfile!);
  const args = (keyword: string) => instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

  test("dockercask-install: no recommends, no lists or .debs left, no setuid or setgid bits", () => {
    const script = base["dockercask-install"]!;
    expect(script).toStartWith("#!/bin/sh\n");
    expect(script).toContain("set -eu");
    expect(script).toMatch(/^apt-get install -y --no-install-recommends "\$@"/m);
    expect(script).toMatch(/^rm -rf \/var\/lib\/apt\/lists\/\*$/m);
    expect(script).toMatch(/^apt-get clean$/m);
    expect(script).toMatch(/^find \/ -xdev -perm \/6000 -type f -exec chmod a-s \{\} \+$/m);
  });

  test("dockercask-add-repo: HTTPS only, signed-by its own keyring, never trusted=yes, and apt's refusal fails it", () => {
    const script = base["dockercask-add-repo"]!;
    expect(script).toContain("--proto '=https'");
    expect(script).toContain('echo "deb [arch=$(dpkg --print-architecture) signed-by=$keyring] $repo" >"$list"');
    expect(script.replace(/^#.*$/gm, "")).not.toMatch(/trusted=|apt-key|allow-insecure|allow-unauthenticated/);
    expect(script).toContain("--error-on=any");
  });

  test("every program loads dockercask-shm, built in a stage of its own: no compiler in an app image", () => {
    const text = base.Dockerfile!;
    const final = text.slice(text.lastIndexOf("\nFROM "));
    expect(final).toContain("COPY --from=shm /src/libdockercask-shm.so /usr/local/lib/dockercask/libdockercask-shm.so");
    expect(final).toContain("echo /usr/local/lib/dockercask/libdockercask-shm.so > /etc/ld.so.preload");
    expect(final).not.toMatch(/\bgcc\b/);
    expect(text).toMatch(/FROM debian:bookworm-slim AS shm\n/);
    expect(base["dockercask-shm.c"]).toContain('getenv("DOCKERCASK_MIT_SHM")');
  });

  test("installs through its own tool, and carries the link shims, $BROWSER and notify-send for every app", () => {
    expect(args("COPY")).toContain("dockercask-install dockercask-add-repo /usr/local/sbin/");
    const installs = args("RUN").filter((r) => r.startsWith("dockercask-install "));
    expect(installs.some((r) => r.split(/\s+/).includes("libnotify-bin"))).toBe(true);
    expect(installProblems(base.Dockerfile!)).toEqual([]);
    expect(args("COPY")).toContain("dockercask-open /usr/local/bin/xdg-open");
    expect(args("RUN").join("\n")).toContain(
      'for name in x-www-browser sensible-browser www-browser; do ln -s xdg-open "/usr/local/bin/$name"; done',
    );
    expect(args("ENV").join("\n")).toContain("BROWSER=/usr/local/bin/x-www-browser");
    expect(base["dockercask-open"]).toStartWith("#!/usr/bin/perl\n");
    expect(labels["io.dockercask.links"]).toBeUndefined();
  });

  test("GIO's default application for every carried scheme is the shim (what a GTK app opens a link with)", () => {
    expect(args("COPY")).toContain("dockercask-open.desktop mimeinfo.cache /usr/local/share/applications/");
    const entry = base["dockercask-open.desktop"]!;
    // %u: one argv element, never a shell's word.
    expect(entry).toMatch(/^Exec=\/usr\/local\/bin\/xdg-open %u$/m);
    expect(entry).toMatch(/^NoDisplay=true$/m);
    const cache = base["mimeinfo.cache"]!.split("\n").filter(Boolean);
    expect(cache).toEqual([
      "[MIME Cache]",
      ...CARRIED_SCHEMES.map((s) => `x-scheme-handler/${s}=dockercask-open.desktop;`),
    ]);
    expect(entry).toContain(`MimeType=${CARRIED_SCHEMES.map((s) => `x-scheme-handler/${s};`).join("")}`);
  });
});
