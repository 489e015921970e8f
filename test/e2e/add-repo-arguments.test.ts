/**
 * dockercask-add-repo's argument check, on the script as it is in this tree, run alone in a
 * throwaway base container with no network (vendor-repo.test.ts builds with it end to end). A
 * newline in the repository line would write a second deb line of its own, without signed-by:
 * every control character, in every argument, is refused before anything is written, with the
 * argument named. The control: the same arguments without it get past the check, to the next step.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ROOT, sh } from "./helpers.ts";

const SCRIPT = join(ROOT, "apps/base/dockercask-add-repo");
const FP = "EB4C1BFD4F042F6DDDCCEC917721F63BD38B4796";
const GOOD = ["vendor", "https://example.org/key.asc", FP, "https://example.org/deb stable main"];
const REPO_ARG = "the 'https://REPOSITORY SUITE [COMPONENT...]' argument (argument 4)";
const withArg = (at: number, value: string) => GOOD.map((a, i) => (i === at ? value : a));

/** Runs the script with `args`, then lists where a source list and a keyring would be written. */
const addRepo = (args: string[]) =>
  sh([
    "docker",
    "run",
    "--rm",
    "--network",
    "none",
    "-v",
    `${SCRIPT}:/usr/local/sbin/dockercask-add-repo:ro`,
    "--entrypoint",
    "sh",
    "dockercask/base",
    "-c",
    'dockercask-add-repo "$@"; code=$?; echo; echo "exit $code"; ls /etc/apt/sources.list.d /usr/share/keyrings',
    "sh",
    ...args,
  ]);

describe("dockercask-add-repo's arguments", () => {
  test.each([
    [
      "a newline in the repository line",
      withArg(3, "https://example.org/deb stable main\ndeb https://evil.example/ stable main"),
      REPO_ARG,
    ],
    ["a tab in the repository line", withArg(3, "https://example.org/deb\tstable main"), REPO_ARG],
    ["a carriage return in the repository line", withArg(3, "https://example.org/deb stable main\r"), REPO_ARG],
    [
      "an escape in the key URL",
      withArg(1, "https://example.org/key.asc\u001b[2J"),
      "the KEY_URL argument (argument 2)",
    ],
    ["a newline in the fingerprint", withArg(2, `${FP}\n`), "the FINGERPRINT argument (argument 3)"],
    ["a DEL in the name", withArg(0, "ven\u007fdor"), "the NAME argument (argument 1)"],
  ])(
    "%s: refused, naming the argument, and nothing written",
    async (_, args, named) => {
      const r = await addRepo(args);
      expect(r.stdout).toContain("exit 1");
      expect(r.stderr).toContain(
        `dockercask-add-repo: step "check the arguments" failed: ${named} holds a control character`,
      );
      // The argument is named, not quoted: the refusal is one line.
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      // Only what the base image had: no source list and no keyring of the vendor's.
      expect(r.stdout).toContain("debian.sources");
      expect(r.stdout).not.toContain("vendor.");
    },
    60_000,
  );

  test("the control: the same arguments without one pass the check, and stop at the next step (offline)", async () => {
    const r = await addRepo(GOOD);
    expect(r.stdout).toContain("exit 1");
    expect(r.stderr).not.toContain("check the arguments");
    expect(r.stderr).toContain('dockercask-add-repo vendor: step "install curl and gpg" failed');
  }, 60_000);
});
