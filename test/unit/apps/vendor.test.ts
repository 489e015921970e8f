/**
 * The vendor apps (chrome, spotify, slack) can only be built with their vendors' servers in
 * reach, so their recipes are checked here, statically: built FROM the base; their repository
 * added by the base's dockercask-add-repo (which test/e2e/vendor-repo.test.ts proves against a
 * local signed repository) with the key over HTTPS, a full pinned fingerprint and an HTTPS
 * repository; no key trusted any other way; the package installed after that, with
 * dockercask-install. Each rule is also shown to catch a recipe that breaks it.
 */
import { describe, expect, test } from "bun:test";
import { builtinApps } from "../../../src/assets/apps.generated.ts";
import { parseDockerfile } from "../../../src/core/catalog/dockerfile.ts";
import { parsePolicy } from "../../../src/core/catalog/policy.ts";

const VENDOR_APPS = ["chrome", "spotify", "slack"];
const ADD_REPO = /^dockercask-add-repo ([a-z0-9.-]+) (\S+) (\S+) "([^"]*)"$/;

/** Everything wrong with a vendor app's Dockerfile; empty when it follows the rules. */
function vendorProblems(text: string): string[] {
  const problems: string[] = [];
  const { from, labels, instructions } = parseDockerfile(text);
  if (from !== "dockercask/base") problems.push(`FROM ${from}: must be FROM dockercask/base`);
  const runs = instructions.filter((i) => i.keyword === "RUN").map((i) => i.args);
  const all = runs.join(" && ");
  if (/apt-key|trusted\.gpg|trusted=yes|allow-insecure|allow-unauthenticated/.test(all))
    problems.push("a key is trusted outside signed-by (apt-key, trusted.gpg, trusted=yes)");
  if (/\bapt-get\b|\bapt\b|\bdpkg -i\b|\bcurl\b|\bgpg\b/.test(all))
    problems.push(
      "apt, curl or gpg by hand: the repository goes through dockercask-add-repo, packages through dockercask-install",
    );
  if (/http:\/\//.test(text.replace(/^#.*$/gm, ""))) problems.push("a plain http:// URL");

  const adds = runs.flatMap((r, i) => (r.startsWith("dockercask-add-repo") ? [i] : []));
  if (adds.length !== 1) problems.push(`${adds.length} RUNs of dockercask-add-repo: one, on a line of its own`);
  for (const i of adds) {
    const match = ADD_REPO.exec(runs[i]!);
    if (!match) {
      problems.push(`"${runs[i]}": dockercask-add-repo NAME KEY_URL FINGERPRINT "REPOSITORY SUITE COMPONENT..."`);
      continue;
    }
    const [, , keyUrl, fingerprint, repo] = match;
    if (!/^https:\/\/[^/\s]+\/\S+$/.test(keyUrl!)) problems.push(`key ${keyUrl}: the key must come over HTTPS`);
    if (!/^[0-9A-F]{40}$/.test(fingerprint!))
      problems.push(`fingerprint ${fingerprint}: a full 40-digit fingerprint must be pinned`);
    if (!/^https:\/\/\S+ \S+( \S+)*$/.test(repo!)) problems.push(`repository "${repo}": over HTTPS, with a suite`);
  }
  const install = runs.findIndex((r) => r.startsWith("dockercask-install "));
  if (install < 0) problems.push("no RUN dockercask-install of the vendor's package");
  else if (adds.length && install < adds[0]!) problems.push("the package is installed before its repository is added");

  const policy = parsePolicy(labels);
  if (!policy.ok) problems.push(...policy.problems);
  return problems;
}

describe.each(VENDOR_APPS)("%s", (app) => {
  const text = builtinApps[app]?.Dockerfile ?? "";

  test("is in the catalog", () => {
    expect(text).not.toBe("");
  });

  test("is FROM the base, its repository added with a pinned key by dockercask-add-repo", () => {
    expect(vendorProblems(text)).toEqual([]);
  });

  test("says it needs the internet at build time", () => {
    expect(text).toMatch(/[Nn]eeds the internet at build time/);
    expect(parseDockerfile(text).labels["io.dockercask.description"]).toContain("built online");
  });
});

describe("the check catches a recipe that", () => {
  const good = builtinApps.chrome?.Dockerfile ?? "";
  const addRepo = /^RUN dockercask-add-repo .*$/m;
  const mutants: [string, (t: string) => string, RegExp][] = [
    [
      "is not FROM the base",
      (t) => t.replace("FROM dockercask/base", "FROM debian:bookworm-slim"),
      /must be FROM dockercask\/base/,
    ],
    [
      "fetches the key over plain HTTP",
      (t) =>
        t.replace(
          " https://dl.google.com/linux/linux_signing_key.pub",
          " http://dl.google.com/linux/linux_signing_key.pub",
        ),
      /over HTTPS/,
    ],
    [
      "pins a short key id",
      (t) => t.replace("EB4C1BFD4F042F6DDDCCEC917721F63BD38B4796", "D38B4796"),
      /40-digit fingerprint/,
    ],
    [
      "uses the repository over plain HTTP",
      (t) => t.replace('"https://dl.google.com/linux/chrome', '"http://dl.google.com/linux/chrome'),
      /over HTTPS, with a suite|plain http/,
    ],
    [
      "passes options (trusted=yes) in the repository line",
      (t) => t.replace('"https://dl.google.com/linux/chrome', '"[trusted=yes] https://dl.google.com/linux/chrome'),
      /trusted outside signed-by/,
    ],
    [
      "adds the repository by hand",
      (t) =>
        t.replace(
          addRepo,
          'RUN echo "deb https://dl.google.com/linux/chrome/deb/ stable main" > /etc/apt/sources.list.d/google-chrome.list',
        ),
      /0 RUNs of dockercask-add-repo/,
    ],
    [
      "adds a key with apt-key",
      (t) =>
        t.replace(
          "RUN dockercask-install google-chrome-stable",
          "RUN apt-key add /tmp/key && dockercask-install google-chrome-stable",
        ),
      /apt-key/,
    ],
    [
      "installs with apt-get",
      (t) =>
        t.replace(
          "RUN dockercask-install google-chrome-stable",
          "RUN apt-get update && apt-get install -y google-chrome-stable",
        ),
      /apt, curl or gpg by hand/,
    ],
    [
      "installs the package before adding the repository",
      (t) => {
        const line = addRepo.exec(t)![0];
        return `${t.replace(`${line}\n`, "")}\n${line}\n`;
      },
      /installed before its repository is added/,
    ],
  ];
  test.each(mutants)("%s", (_, mutate, problem) => {
    const mutant = mutate(good);
    expect(mutant).not.toBe(good);
    expect(vendorProblems(mutant).join("\n")).toMatch(problem);
  });
});
