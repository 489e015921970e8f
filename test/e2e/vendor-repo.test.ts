/**
 * dockercask-add-repo, the base image's one way to add a vendor's apt repository, end to end:
 * the vendor apps (chrome, slack, spotify) cannot be built here, but their script can, against
 * a local signed repository (local-apt-repo.ts) in a test-only recipe. The pinned key installs
 * the package; a wrong fingerprint, an unsigned repository and a Release altered after it was
 * signed each fail the build, with dockercask naming the step. Each failing recipe is the one
 * that builds with one thing changed, so every refusal has a control that passes.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ARTIFACTS, createSandbox, type Sandbox, sh } from "./helpers.ts";
import { GREETING, type LocalAptRepo, PACKAGE, type RepoVariant, startLocalAptRepo } from "./local-apt-repo.ts";

const NAME = "e2e-local";
const APPS = {
  good: "vrepo-good",
  wrongKey: "vrepo-wrongkey",
  unsigned: "vrepo-unsigned",
  tampered: "vrepo-tampered",
} as const;
let box: Sandbox;
let repo: LocalAptRepo;
const recipes: Record<string, string> = {};

/** The recipe: the CA the local server's certificate is signed by, then the vendor's two lines. */
function recipe(fingerprint: string, variant: RepoVariant): string {
  return `FROM dockercask/base
COPY e2e-ca.crt /usr/local/share/ca-certificates/dockercask-e2e-ca.crt
RUN update-ca-certificates
RUN dockercask-add-repo ${NAME} ${repo.keyUrl} ${fingerprint} "${repo.repoLine(variant)}"
RUN dockercask-install ${PACKAGE}
LABEL io.dockercask.description="e2e: a package from a local signed repository" \\
      io.dockercask.command="/usr/bin/${PACKAGE}"
`;
}

function install(app: string, text: string) {
  const dir = join(box.env.XDG_CONFIG_HOME!, "dockercask/apps", app);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "Dockerfile"), text);
  writeFileSync(join(dir, "e2e-ca.crt"), repo.caCertificate);
  recipes[app] = text;
}

/** The pinned fingerprint with its last digit changed: a near miss, as a swapped key would be. */
const wrong = (fingerprint: string) => fingerprint.slice(0, -1) + (fingerprint.endsWith("0") ? "1" : "0");

beforeAll(async () => {
  box = createSandbox("vendor-repo");
  repo = await startLocalAptRepo();
  install(APPS.good, recipe(repo.fingerprint, "signed"));
  install(APPS.wrongKey, recipe(wrong(repo.fingerprint), "signed"));
  install(APPS.unsigned, recipe(repo.fingerprint, "unsigned"));
  install(APPS.tampered, recipe(repo.fingerprint, "tampered"));
}, 60_000);

afterAll(async () => {
  repo?.stop();
  await sh(["docker", "rmi", "-f", ...Object.values(APPS).map((a) => `dockercask/${a}`)]);
  box?.cleanup();
}, 60_000);

const inImage = (app: string, script: string) =>
  sh(["docker", "run", "--rm", "--network", "none", "--entrypoint", "sh", `dockercask/${app}`, "-c", script]);
/** `dockercask build <app>`, its output kept in test-artifacts for whoever reads a failure. */
async function build(app: string) {
  const built = await box.run(["build", app]);
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, `vendor-repo-${app}.txt`), built.stderr);
  return built;
}
const imageExists = async (app: string) => (await sh(["docker", "image", "inspect", `dockercask/${app}`])).code === 0;

describe("a vendor repository added with dockercask-add-repo", () => {
  test("with the pinned fingerprint and a signed repository: the package installs, trusted through signed-by alone", async () => {
    const built = await build(APPS.good);
    expect(built.stderr).not.toContain("failed");
    expect(built.code).toBe(0);
    expect((await inImage(APPS.good, PACKAGE)).stdout.trim()).toBe(GREETING);
    const arch = (await sh(["dpkg", "--print-architecture"])).stdout.trim();
    const state = await inImage(
      APPS.good,
      `cat /etc/apt/sources.list.d/${NAME}.list; grep -rl 'trusted=' /etc/apt; ls /etc/apt/trusted.gpg; ls /etc/apt/trusted.gpg.d | grep -v '^debian-archive-'; command -v gpg curl; ls /var/lib/apt/lists | grep -v '^lock$\\|^partial$'; echo end`,
    );
    // One source, which trusts its own keyring; no key but Debian's where apt trusts a key for
    // every source; curl and gpg gone with the job, and no lists left.
    expect(state.stdout.trim().split("\n")).toEqual([
      `deb [arch=${arch} signed-by=/usr/share/keyrings/${NAME}.gpg] ${repo.repoLine("signed")}`,
      "end",
    ]);
    // The keyring holds the pinned key: apt's own gpgv checks the signed Release with it.
    const gpgv = Bun.spawn(
      [
        "docker",
        "run",
        "--rm",
        "-i",
        "--network",
        "none",
        "--entrypoint",
        "sh",
        `dockercask/${APPS.good}`,
        "-c",
        `cat > /tmp/InRelease && gpgv --keyring /usr/share/keyrings/${NAME}.gpg /tmp/InRelease`,
      ],
      {
        stdin: new Blob([repo.inRelease]),
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    const verified = { code: await gpgv.exited, stderr: await new Response(gpgv.stderr).text() };
    expect(verified.stderr).toContain("Good signature");
    expect(verified.code).toBe(0);
  }, 900_000);

  test("with a wrong fingerprint: the build fails at the key check, naming the step and the key it found", async () => {
    expect(recipes[APPS.wrongKey]).toBe(recipes[APPS.good]!.replace(repo.fingerprint, wrong(repo.fingerprint)));
    const built = await build(APPS.wrongKey);
    expect(built.code).not.toBe(0);
    expect(built.stderr).toMatch(/failing step: Step \d+\/\d+ : RUN dockercask-add-repo e2e-local/);
    expect(built.stderr).toContain(`step "check the key's fingerprint" failed`);
    expect(built.stderr).toContain(`holds the key ${repo.fingerprint} and not the pinned ${wrong(repo.fingerprint)}`);
    expect(await imageExists(APPS.wrongKey)).toBe(false);
    expect(await imageExists(APPS.good)).toBe(true);
  }, 300_000);

  test.each([
    ["unsigned (no Release.gpg, no InRelease)", APPS.unsigned, "unsigned"],
    ["tampered (Release changed after it was signed)", APPS.tampered, "tampered"],
  ] as const)(
    "%s: apt refuses it, and the build fails at that step",
    async (_, app, variant) => {
      expect(recipes[app]).toBe(recipes[APPS.good]!.replace(repo.repoLine("signed"), repo.repoLine(variant)));
      const built = await build(app);
      expect(built.code).not.toBe(0);
      expect(built.stderr).toMatch(/failing step: Step \d+\/\d+ : RUN dockercask-add-repo e2e-local/);
      expect(built.stderr).toContain(
        `step "check that apt accepts the repository" failed: apt refused ${repo.repoLine(variant)}`,
      );
      expect(await imageExists(app)).toBe(false);
    },
    300_000,
  );
});
