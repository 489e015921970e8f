/**
 * Distribution, as a user meets it: the release binaries and their checksums, the .deb
 * (lintian, install, use, purge), the AUR package's install step, menu entries that
 * desktop-file-validate accepts and that a launcher would start, and shell completion.
 *
 * The release build is reused when dist/release is up to date with the sources (scripts/build.ts
 * decides); the .deb is built every time, since xz is most of its cost and it must match.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { parseSrcinfo } from "../../scripts/lib/aur.ts";
import { binaryName, debName, parseChecksums, RELEASE_TARGETS, shareTarballName } from "../../scripts/lib/release.ts";
import { bashCompletionBody } from "../support/bash-completion.ts";
import { entryValue as key, parseExec } from "../support/desktop-exec.ts";
import { BIN, createSandbox, ROOT, type Sandbox, sh } from "./helpers.ts";
import { HOST_DISPLAY, waitUntilClean, xephyrWindow } from "./session.ts";

const RELEASE = join(ROOT, "dist/release");
const VERSION = pkg.version;
const BUN = process.execPath;
const isRoot = process.getuid?.() === 0;
const BUILD_TIMEOUT = 10 * 60_000;

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "dockercask-e2e-distribution-"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function must(command: string[], env: Record<string, string> = {}) {
  const result = await sh(command, env);
  if (result.code !== 0)
    throw new Error(`${command.join(" ")} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** Whether dpkg has the dockercask package (in any state that a purge would clear). */
async function isInstalled(): Promise<boolean> {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a dpkg-query format field, not a JS placeholder.
  const status = (await sh(["dpkg-query", "-W", "-f=${Status}", "dockercask"])).stdout;
  return / (installed|config-files|half-\w+|unpacked)$/.test(status);
}

/** Bash's programmable completion of a command line, as bash runs it for a TAB (the last word is the one completed). */
async function bashComplete(env: Record<string, string>, script: string, words: string[]): Promise<string[]> {
  const result = await sh(["bash", "--norc", "-c", bashCompletionBody(script, words)], env);
  if (result.code !== 0) throw new Error(`bash completion failed: ${result.stderr}`);
  return result.stdout.split("\n").filter(Boolean);
}

describe("the release build", () => {
  let sums: Record<string, string>;
  beforeAll(async () => {
    const started = Date.now();
    const result = await must([BUN, join(ROOT, "scripts/build.ts"), "--release"]);
    console.error(
      `release build: ${((Date.now() - started) / 1000).toFixed(1)} s (${result.stderr.includes("up to date") ? "reused" : "built"})`,
    );
    sums = parseChecksums(readFileSync(join(RELEASE, "SHA256SUMS"), "utf8"));
  }, BUILD_TIMEOUT);

  test("SHA256SUMS covers every binary and the share tarball, and sha256sum -c agrees", async () => {
    for (const target of RELEASE_TARGETS) expect(Object.keys(sums)).toContain(binaryName(VERSION, target));
    expect(Object.keys(sums)).toContain(shareTarballName(VERSION));
    const verified = await sh(["sh", "-c", `cd ${RELEASE} && sha256sum --check --strict SHA256SUMS`]);
    expect(verified.code).toBe(0);
    expect(
      verified.stdout
        .trim()
        .split("\n")
        .every((l) => l.endsWith(": OK")),
    ).toBe(true);
  });

  test.each(RELEASE_TARGETS.map((t) => [t.suffix, t] as const))("%s is an ELF for its machine", async (_, target) => {
    const file = await must(["file", "-b", join(RELEASE, binaryName(VERSION, target))]);
    expect(file.stdout).toMatch(target.machine);
  });

  test("the arm64 binary is an aarch64 ELF (it cannot run here)", async () => {
    const file = await must(["file", "-b", join(RELEASE, `dockercask-${VERSION}-linux-arm64`)]);
    expect(file.stdout).toContain("ARM aarch64");
  });

  test.each(["linux-x64", "linux-x64-baseline"])("%s --version names the version and this commit", async (suffix) => {
    const head = (await must(["git", "-C", ROOT, "rev-parse", "--short=12", "HEAD"])).stdout.trim();
    const result = await must([join(RELEASE, `dockercask-${VERSION}-${suffix}`), "--version"]);
    expect(result.stdout).toMatch(
      new RegExp(`^dockercask ${VERSION.replace(/\./g, "\\.")} \\(${head}(-dirty)?\\)\\n$`),
    );
  });

  test("the share tarball holds the man page, completions, icons and license", async () => {
    const list = (await must(["tar", "-tzf", join(RELEASE, shareTarballName(VERSION))])).stdout.split("\n");
    for (const path of [
      "man/dockercask.1",
      "completions/dockercask.bash",
      "completions/_dockercask",
      "completions/dockercask.fish",
      "icons/dockercask.svg",
      "icons/dockercask-xeyes.svg",
      "LICENSE",
    ]) {
      expect(list).toContain(`dockercask-${VERSION}/${path}`);
    }
  });

  describe("the AUR package", () => {
    let aurDir: string;
    beforeAll(async () => {
      aurDir = join(scratch, "aur");
      await must([BUN, join(ROOT, "scripts/gen-aur.ts"), "--out", aurDir]);
    });

    test("names the checksums of the files that were built", () => {
      const fields = parseSrcinfo(readFileSync(join(aurDir, ".SRCINFO"), "utf8"));
      expect(fields.pkgver).toEqual([VERSION]);
      const named = (key: string) => (fields[key] ?? []).map((s) => s.split("::")[0]!);
      expect(fields.sha256sums).toEqual(named("source").map((f) => sums[f]!));
      expect(fields.sha256sums_x86_64).toEqual([sums[`dockercask-${VERSION}-linux-x64-baseline`]!]);
      expect(fields.sha256sums_aarch64).toEqual([sums[`dockercask-${VERSION}-linux-arm64`]!]);
    });

    test("package() installs a working dockercask, as makepkg would run it", async () => {
      // makepkg's part, by hand: sources in $srcdir under their names, tarballs extracted.
      const srcdir = join(scratch, "aur-src");
      const pkgdir = join(scratch, "aur-pkg");
      mkdirSync(srcdir, { recursive: true });
      for (const file of [`dockercask-${VERSION}-linux-x64-baseline`, shareTarballName(VERSION)])
        copyFileSync(join(RELEASE, file), join(srcdir, file));
      await must(["tar", "-xzf", join(srcdir, shareTarballName(VERSION)), "-C", srcdir]);
      await must([
        "bash",
        "--norc",
        "-c",
        `set -e; source ${join(aurDir, "PKGBUILD")}; CARCH=x86_64; srcdir=${srcdir}; pkgdir=${pkgdir}; package`,
      ]);
      const installed = (await must(["find", pkgdir, "-type", "f", "-printf", "%P %m\\n"])).stdout
        .trim()
        .split("\n")
        .sort();
      expect(installed).toEqual([
        "usr/bin/dockercask 755",
        "usr/share/bash-completion/completions/dockercask 644",
        "usr/share/fish/vendor_completions.d/dockercask.fish 644",
        "usr/share/icons/hicolor/scalable/apps/dockercask-xeyes.svg 644",
        "usr/share/icons/hicolor/scalable/apps/dockercask.svg 644",
        "usr/share/licenses/dockercask-bin/LICENSE 644",
        "usr/share/man/man1/dockercask.1 644",
        "usr/share/zsh/site-functions/_dockercask 644",
      ]);
      expect((await must([join(pkgdir, "usr/bin/dockercask"), "--version"])).stdout).toStartWith(
        `dockercask ${VERSION} (`,
      );
    });
  });

  describe("the .deb", () => {
    const deb = join(RELEASE, debName(VERSION));
    beforeAll(async () => {
      const started = Date.now();
      await must([BUN, join(ROOT, "scripts/package-deb.ts")]);
      console.error(`.deb: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }, BUILD_TIMEOUT);

    test("is in SHA256SUMS", async () => {
      const verified = await sh(["sh", "-c", `cd ${RELEASE} && sha256sum --check --strict SHA256SUMS`]);
      expect(verified.stdout).toContain(`${debName(VERSION)}: OK`);
    });

    test.each([
      ["Package", "dockercask"],
      ["Version", VERSION],
      ["Architecture", "amd64"],
      ["Depends", /^libc6 \(>= [\d.]+\), xserver-xephyr, xauth, docker\.io \| docker-ce$/],
      ["Recommends", "xclip, pulseaudio-utils, xdotool"],
    ])("control: %s", async (field, expected) => {
      const value = (await must(["dpkg-deb", "--field", deb, field])).stdout.trim();
      if (expected instanceof RegExp) expect(value).toMatch(expected);
      else expect(value).toBe(expected);
    });

    test("lintian finds nothing (its overrides are justified in packaging/deb/lintian-overrides)", async () => {
      const result = await sh(["lintian", "--info", "--pedantic", "--fail-on", "error,warning,info,pedantic", deb]);
      const findings = result.stdout.split("\n").filter((l) => /^[EWIPX]: /.test(l));
      expect(findings).toEqual([]);
      expect(result.code).toBe(0);
    });

    test.skipIf(!isRoot)(
      "installs with dpkg -i, works from /usr/bin, and purges without a trace (needs root)",
      async () => {
        if (await isInstalled()) {
          // Left by an interrupted earlier run of this test: it is our own package.
          await must(["dpkg", "--purge", "dockercask"]);
        }
        const box = createSandbox("deb");
        try {
          await must(["dpkg", "-i", deb], { DEBIAN_FRONTEND: "noninteractive" });
          const files = (await must(["dpkg", "-L", "dockercask"])).stdout.trim().split("\n");
          const system = { ...box.env, PATH: "/usr/sbin:/usr/bin:/sbin:/bin" };
          expect((await must(["sh", "-c", "command -v dockercask"], system)).stdout.trim()).toBe("/usr/bin/dockercask");
          expect((await must(["dockercask", "--version"], system)).stdout).toStartWith(`dockercask ${VERSION} (`);
          const doctor = await sh(["dockercask", "doctor"], { ...system, DISPLAY: HOST_DISPLAY });
          expect(doctor.stdout).toContain("Xephyr");
          expect(doctor.stdout).toMatch(/Ready to run apps/);
          expect(doctor.code).toBe(0);
          expect((await must(["zcat", "/usr/share/man/man1/dockercask.1.gz"])).stdout).toContain(`.TH DOCKERCASK 1 `);
          // The packaged bash completion, calling the packaged binary.
          expect(
            await bashComplete(system, "/usr/share/bash-completion/completions/dockercask", ["dockercask", "doc"]),
          ).toEqual(["doctor"]);

          await must(["dpkg", "--purge", "dockercask"], { DEBIAN_FRONTEND: "noninteractive" });
          // Purged: not installed, and no configuration files kept either.
          expect(await isInstalled()).toBe(false);
          // Every file it installed is gone; directories it shared with other packages may stay.
          expect(files.filter((f) => existsSync(f) && !lstatSync(f).isDirectory())).toEqual([]);
          expect(existsSync("/usr/share/doc/dockercask")).toBe(false);
        } finally {
          // A failed assertion must not leave the package on the machine.
          if (await isInstalled()) await sh(["dpkg", "--purge", "dockercask"]);
          box.cleanup();
        }
      },
    );
  });
});

describe("menu entries", () => {
  let box: Sandbox;
  let apps: string;
  let icons: string;
  beforeAll(() => {
    box = createSandbox("desktop");
    apps = join(box.env.XDG_DATA_HOME!, "applications");
    icons = join(box.env.XDG_DATA_HOME!, "icons/hicolor/scalable/apps");
  });
  afterAll(() => box.cleanup());

  const entry = (id: string) => readFileSync(join(apps, `${id}.desktop`), "utf8");

  test("desktop install writes entries desktop-file-validate accepts, with the app's icon", async () => {
    try {
      for (const instance of ["xeyes", "xeyes#work"])
        expect((await box.run(["desktop", "install", instance])).code).toBe(0);
      expect(readdirSync(apps).sort()).toEqual(["dockercask-xeyes.desktop", "dockercask-xeyes.work.desktop"]);
      const validate = await sh(["desktop-file-validate", ...readdirSync(apps).map((f) => join(apps, f))]);
      expect(validate.stdout + validate.stderr).toBe("");
      expect(validate.code).toBe(0);

      const work = entry("dockercask-xeyes.work");
      // dist/ is not on the sandbox's PATH: the entry names this binary by its path.
      expect(key(work, "Exec")).toBe(`${BIN} run "xeyes#work"`);
      expect(key(work, "Name")).toBe("xeyes#work");
      expect(key(work, "Icon")).toBe("dockercask-xeyes");
      expect(key(work, "StartupWMClass")).toBe("dockercask-xeyes.work");
      expect(readFileSync(join(icons, "dockercask-xeyes.svg"), "utf8")).toContain("<svg");
    } finally {
      for (const instance of ["xeyes", "xeyes#work"]) await box.run(["desktop", "remove", instance]);
    }
  });

  test("a binary in a folder with a space is quoted in Exec, and the entry still validates", async () => {
    const dir = join(box.dir, "My Apps");
    mkdirSync(dir, { recursive: true });
    copyFileSync(BIN, join(dir, "dockercask"));
    chmodSync(join(dir, "dockercask"), 0o755);
    const result = await sh([join(dir, "dockercask"), "desktop", "install", "xeyes#spaced"], box.env);
    expect(result.code).toBe(0);
    expect(key(entry("dockercask-xeyes.spaced"), "Exec")).toBe(`"${dir}/dockercask" run "xeyes#spaced"`);
    expect((await sh(["desktop-file-validate", join(apps, "dockercask-xeyes.spaced.desktop")])).code).toBe(0);
    expect((await box.run(["desktop", "remove", "xeyes#spaced"])).code).toBe(0);
  });

  test("an app without an icon of its own gets the generic one", async () => {
    const appDir = join(box.env.XDG_CONFIG_HOME!, "dockercask/apps/plainapp");
    mkdirSync(appDir, { recursive: true });
    writeFileSync(join(appDir, "Dockerfile"), 'FROM dockercask/base\nLABEL io.dockercask.command="true"\n');
    expect((await box.run(["desktop", "install", "plainapp"])).code).toBe(0);
    expect(key(entry("dockercask-plainapp"), "Icon")).toBe("dockercask");
    expect(readFileSync(join(icons, "dockercask.svg"), "utf8")).toContain("<svg");
    expect((await sh(["desktop-file-validate", join(apps, "dockercask-plainapp.desktop")])).code).toBe(0);
    expect((await box.run(["desktop", "remove", "plainapp"])).code).toBe(0);
    expect(existsSync(join(icons, "dockercask.svg"))).toBe(false);
  });

  test("the Exec line starts the instance, and its window carries the StartupWMClass", async () => {
    expect((await box.run(["desktop", "install", "xeyes#launch"])).code).toBe(0);
    const text = entry("dockercask-xeyes.launch");
    const argv = parseExec(key(text, "Exec")!);
    const proc = Bun.spawn(argv, { env: box.env, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
    try {
      const window = await xephyrWindow("xeyes#launch");
      const wmClass = (await must(["xprop", "-id", window, "WM_CLASS"], { DISPLAY: HOST_DISPLAY })).stdout;
      // WM_CLASS(STRING) = "<res_name>", "<res_class>": launchers match StartupWMClass against either.
      const [resName, resClass] = [...wmClass.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
      expect([resName, resClass]).toContain(key(text, "StartupWMClass"));
    } finally {
      await box.run(["stop", "xeyes#launch"]);
      await proc.exited;
      expect(await waitUntilClean(box, "xeyes#launch")).toEqual([]);
      expect((await box.run(["desktop", "remove", "xeyes#launch"])).code).toBe(0);
    }
  });

  test("desktop remove removes the entry, and the icon with the last entry using it", async () => {
    for (const instance of ["xeyes", "xeyes#work"])
      expect((await box.run(["desktop", "install", instance])).code).toBe(0);
    expect((await box.run(["desktop", "remove", "xeyes"])).code).toBe(0);
    expect(existsSync(join(icons, "dockercask-xeyes.svg"))).toBe(true);
    expect((await box.run(["desktop", "remove", "xeyes#work"])).code).toBe(0);
    expect(readdirSync(apps)).toEqual([]);
    expect(existsSync(join(icons, "dockercask-xeyes.svg"))).toBe(false);
  });

  test("add --desktop adds the entry, remove takes it away", async () => {
    const add = await box.run(["add", "xeyes#menu", "--desktop"]);
    expect(add.code).toBe(0);
    expect(readdirSync(apps)).toEqual(["dockercask-xeyes.menu.desktop"]);
    expect((await sh(["desktop-file-validate", join(apps, "dockercask-xeyes.menu.desktop")])).code).toBe(0);
    const remove = await box.run(["remove", "xeyes#menu"]);
    expect(remove.code).toBe(0);
    expect(remove.stderr).toContain("removed the menu entry of xeyes#menu");
    expect(readdirSync(apps)).toEqual([]);
  });
});

describe("shell completion", () => {
  let box: Sandbox;
  let bashScript: string;
  beforeAll(async () => {
    box = createSandbox("completion");
    // A user app (completion reads the catalog, nothing is built) and an added instance.
    const appDir = join(box.env.XDG_CONFIG_HOME!, "dockercask/apps/mytool");
    mkdirSync(appDir, { recursive: true });
    writeFileSync(
      join(appDir, "Dockerfile"),
      'FROM dockercask/base\nLABEL io.dockercask.command="true" io.dockercask.description="My own tool"\n',
    );
    const add = await box.run(["add", "xeyes#comp"]);
    if (add.code !== 0) throw new Error(`add xeyes#comp failed: ${add.stderr}`);
    bashScript = join(box.dir, "dockercask.bash");
    writeFileSync(bashScript, (await box.run(["completion", "bash"])).stdout);
  }, BUILD_TIMEOUT);
  afterAll(() => box.cleanup());

  test.each([
    ["commands", ["ru"], ["run"]],
    ["commands with a shared prefix", ["build"], ["build", "build-all"]],
    ["a subcommand group", ["desktop", ""], ["install", "remove"]],
    ["added instances and catalog apps for run", ["run", "xeyes"], ["xeyes#comp", "xeyes"]],
    ["only added instances for remove", ["remove", ""], ["xeyes#comp"]],
    ["flags", ["logs", "--f"], ["--follow"]],
    ["an enum flag's values", ["run", "--clipboard", ""], ["both", "to-app", "from-app", "explicit", "off"]],
    ["an enum flag's value after = (readline splits there)", ["run", "--network", "=", "b"], ["bridge"]],
    ["the shells", ["completion", ""], ["bash", "zsh", "fish"]],
  ])("bash: %s", async (_, words, expected) => {
    expect(await bashComplete(box.env, bashScript, [BIN, ...words])).toEqual(expected);
  });

  test("bash: the apps of `list`, user apps included, base left out", async () => {
    const listed = JSON.parse((await box.run(["list", "--json"])).stdout).apps.map((a: { name: string }) => a.name);
    const completed = await bashComplete(box.env, bashScript, [BIN, "build", ""]);
    expect(completed).toEqual(listed.filter((name: string) => name !== "base"));
    expect(completed).toContain("mytool");
    expect(completed).toContain("xeyes");
  });

  test("fish: complete -C gives values with their descriptions", async () => {
    const script = join(box.dir, "dockercask.fish");
    writeFileSync(script, (await box.run(["completion", "fish"])).stdout);
    const result = await must(
      ["fish", "--no-config", "-c", `source ${script}; complete -C '${BIN} build my'`],
      box.env,
    );
    expect(result.stdout.trim()).toBe("mytool\tMy own tool");
  });

  test("an unknown shell is a usage error", async () => {
    const result = await box.run(["completion", "tcsh"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("bash, zsh, fish");
  });
});
