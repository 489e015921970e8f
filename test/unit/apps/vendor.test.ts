/**
 * The vendor apps (chrome, spotify, slack) can only be built with their vendors' servers in
 * reach, so their recipes are checked here, statically: built FROM the base; the signing key
 * fetched over HTTPS only and checked against a pinned fingerprint before apt trusts it; apt
 * sources that trust that key for that repository alone (signed-by). Each rule is also shown
 * to catch a recipe that breaks it.
 */
import { describe, expect, test } from "bun:test";
import { builtinApps } from "../../../src/assets/apps.generated.ts";
import { parseDockerfile } from "../../../src/core/dockerfile.ts";
import { parsePolicy } from "../../../src/core/policy.ts";

const VENDOR_APPS = ["chrome", "spotify", "slack"];

/** Everything wrong with a vendor app's Dockerfile; empty when it follows the rules. */
function vendorProblems(text: string): string[] {
  const problems: string[] = [];
  const { from, labels, instructions } = parseDockerfile(text);
  if (from !== "dockercask/base") problems.push(`FROM ${from}: must be FROM dockercask/base`);

  const args: Record<string, string> = {};
  for (const { keyword, args: rest } of instructions) {
    const match = keyword === "ARG" ? /^(\w+)=(\S+)$/.exec(rest) : null;
    if (match) args[match[1]!] = match[2]!;
  }
  if (!/^https:\/\/[^/\s]+\/\S+$/.test(args.KEY_URL ?? "")) problems.push(`KEY_URL ${args.KEY_URL}: the key must come over HTTPS`);
  if (!/^[0-9A-F]{40}$/.test(args.KEY_FINGERPRINT ?? "")) problems.push(`KEY_FINGERPRINT ${args.KEY_FINGERPRINT}: a full 40-digit fingerprint must be pinned`);
  if (!/^\/(usr\/share|etc\/apt)\/keyrings\/[\w.-]+\.gpg$/.test(args.KEYRING ?? "")) problems.push(`KEYRING ${args.KEYRING}: a keyring file of its own`);

  const runs = instructions.filter((i) => i.keyword === "RUN").map((i) => i.args);
  const all = runs.join(" && ");
  if (/apt-key|trusted\.gpg|trusted=yes|allow-insecure|allow-unauthenticated/.test(all)) problems.push("a key is trusted outside signed-by (apt-key, trusted.gpg, trusted=yes)");
  if (/http:\/\//.test(text.replace(/^#.*$/gm, ""))) problems.push("a plain http:// URL");
  for (const install of all.split("&&").filter((c) => /apt-get install/.test(c))) {
    if (!install.includes("--no-install-recommends")) problems.push(`"${install.trim()}" installs recommends`);
  }
  if (!/rm -rf [^&]*\/var\/lib\/apt\/lists/.test(all)) problems.push("apt lists are left in the image");

  const run = runs.find((r) => r.includes('"$KEY_URL"'));
  if (!run) {
    problems.push("no RUN fetches $KEY_URL");
    return problems;
  }
  const steps = run.split("&&").map((s) => s.trim());
  const at = (what: string, test: (step: string) => boolean) => {
    const index = steps.findIndex(test);
    if (index < 0) problems.push(`missing step: ${what}`);
    return index;
  };
  const fetch = at("fetch the key with curl over HTTPS only", (s) => s.startsWith("curl ") && s.includes('"$KEY_URL"') && s.includes("--proto '=https'") && /\s-\w*f/.test(s));
  const exported = at("export only the pinned key into the keyring", (s) => /^gpg .*--export "\$KEY_FINGERPRINT" > "\$KEYRING"$/.test(s));
  const verified = at(
    "check that the keyring holds exactly the pinned key",
    (s) => s.startsWith("test ") && s.includes("--show-keys") && s.includes('"$KEYRING"') && s.endsWith('= "$KEY_FINGERPRINT"'),
  );
  const sources = steps.flatMap((s, i) => (/\bdeb\s/.test(s) ? [i] : []));
  if (sources.length === 0) problems.push("missing step: an apt source for the vendor's repository");
  for (const i of sources) {
    if (!/deb \[[^\]]*signed-by=\$KEYRING[^\]]*\] https:\/\//.test(steps[i]!)) problems.push(`"${steps[i]}": the source must use signed-by=$KEYRING and HTTPS`);
  }
  const update = steps.findIndex((s, i) => i > Math.max(...sources) && s.startsWith("apt-get update"));
  if (update < 0) problems.push("missing step: apt-get update after the vendor's source is added");
  const order = [fetch, exported, verified, ...sources, update];
  if (order.some((v, i) => i > 0 && v <= order[i - 1]!)) problems.push(`steps out of order (fetch, export, verify, sources, update): ${order.join(", ")}`);

  const policy = parsePolicy(labels);
  if (!policy.ok) problems.push(...policy.problems);
  return problems;
}

describe.each(VENDOR_APPS)("%s", (app) => {
  const text = builtinApps[app]?.Dockerfile ?? "";

  test("is in the catalog", () => {
    expect(text).not.toBe("");
  });

  test("is FROM the base, with a pinned, verified key and signed-by sources", () => {
    expect(vendorProblems(text)).toEqual([]);
  });

  test("says it needs the internet at build time", () => {
    expect(text).toMatch(/[Nn]eeds the internet at build time/);
    expect(parseDockerfile(text).labels["io.dockercask.description"]).toContain("built online");
  });
});

describe("the check catches a recipe that", () => {
  const good = builtinApps.chrome?.Dockerfile ?? "";
  const mutants: [string, (t: string) => string, RegExp][] = [
    ["is not FROM the base", (t) => t.replace("FROM dockercask/base", "FROM debian:bookworm-slim"), /must be FROM dockercask\/base/],
    ["fetches the key over plain HTTP", (t) => t.replace("ARG KEY_URL=https://", "ARG KEY_URL=http://"), /over HTTPS/],
    ["lets curl follow a redirect to HTTP", (t) => t.replace("--proto '=https' ", ""), /fetch the key with curl over HTTPS only/],
    ["pins a short key id", (t) => t.replace(/ARG KEY_FINGERPRINT=\w+/, "ARG KEY_FINGERPRINT=D38B4796"), /40-digit fingerprint/],
    ["never checks the fingerprint", (t) => t.replace(/ && test "\$\(gpg[^\n]*\n/, "\n"), /check that the keyring holds exactly the pinned key/],
    ["trusts everything it downloaded", (t) => t.replace('--export "$KEY_FINGERPRINT" > "$KEYRING"', '--export > "$KEYRING"'), /export only the pinned key/],
    [
      "checks the fingerprint only after adding the source",
      (t) => {
        const lines = t.split("\n");
        const verify = lines.findIndex((l) => l.includes('test "$(gpg'));
        const source = lines.findIndex((l) => l.includes("sources.list.d"));
        [lines[verify], lines[source]] = [lines[source]!, lines[verify]!];
        return lines.join("\n");
      },
      /out of order/,
    ],
    ["uses a source without signed-by", (t) => t.replace("signed-by=$KEYRING", ""), /must use signed-by/],
    [
      "adds the key with apt-key",
      (t) =>
        t.replace(
          " && apt-get update \\\n && apt-get install -y --no-install-recommends google",
          ' && apt-key add "$KEYRING" \\\n && apt-get update \\\n && apt-get install -y --no-install-recommends google',
        ),
      /apt-key/,
    ],
    ["installs recommends", (t) => t.replace("install -y --no-install-recommends google-chrome-stable", "install -y google-chrome-stable"), /installs recommends/],
  ];
  test.each(mutants)("%s", (_, mutate, problem) => {
    const mutant = mutate(good);
    expect(mutant).not.toBe(good);
    expect(vendorProblems(mutant).join("\n")).toMatch(problem);
  });
});
