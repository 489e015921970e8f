/**
 * Policy comes only from the app's own recipe (and dockercask's base): a user recipe built
 * FROM a third-party image that grants itself a device, a network, the browser seccomp
 * profile and a shareable IPC namespace gets none of them, and is told which labels were
 * ignored. The control writes the same grants in the app's own recipe, and they apply.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSandbox, dockerInspect, expectNoStackTrace, type Sandbox, sh } from "./helpers.ts";
import { containerId, execIn, type RunningSession, startRun, waitUntilClean } from "./session.ts";

/** Not under dockercask/: to the catalog this is any image from a registry. */
const PARENT = `e2e-third-party/inherited-policy-${process.pid}`;
const GRANTS = {
  "io.dockercask.devices": "/dev/fuse",
  "io.dockercask.network": "bridge",
  "io.dockercask.seccomp": "browser",
  "io.dockercask.ipc": "shareable",
  "io.dockercask.shm-size": "2g",
};
const CHILD = "inheritor";
const CONTROL = "inheritor-own";

let box: Sandbox;
let parentDir: string;
/** Every policy label the parent carries (its grants, and xeyes's own) but the command, which the child restates as it is. */
let inherited: string[];

beforeAll(async () => {
  box = createSandbox("inherited-policy");
  // The third party's image: xeyes to draw a window, and the grants as its labels.
  const built = await box.run(["build", "xeyes"]);
  if (built.code !== 0) throw new Error(`building xeyes failed:\n${built.stderr}`);
  parentDir = mkdtempSync(join(tmpdir(), "dockercask-e2e-third-party-"));
  const labels = Object.entries(GRANTS)
    .map(([k, v]) => `${k}="${v}"`)
    .join(" ");
  writeFileSync(join(parentDir, "Dockerfile"), `FROM dockercask/xeyes\nLABEL ${labels}\n`);
  const parent = await sh(["docker", "build", "-q", "-t", PARENT, parentDir]);
  if (parent.code !== 0) throw new Error(`building ${PARENT} failed:\n${parent.stderr}`);
  const parentLabels: Record<string, string> = (await dockerInspect("image", PARENT))?.Config?.Labels ?? {};
  inherited = Object.keys(parentLabels)
    .filter(
      (k) => k.startsWith("io.dockercask.") && !k.startsWith("io.dockercask.build.") && k !== "io.dockercask.command",
    )
    .sort();

  writeRecipe(CHILD, `FROM ${PARENT}\nLABEL io.dockercask.command="xeyes"\n`);
  // The control: the same image, with two of the grants written in the app's own recipe.
  writeRecipe(
    CONTROL,
    `FROM ${PARENT}\nLABEL io.dockercask.command="xeyes" io.dockercask.network="bridge" io.dockercask.devices="/dev/fuse"\n`,
  );
}, 600_000);

afterAll(async () => {
  await box?.run(["stop", "--all"]);
  box?.cleanup();
  await sh(["docker", "rmi", "-f", `dockercask/${CHILD}`, `dockercask/${CONTROL}`, PARENT]);
  if (parentDir) rmSync(parentDir, { recursive: true, force: true });
});

function writeRecipe(app: string, text: string): void {
  const dir = join(box.env.XDG_CONFIG_HOME!, "dockercask/apps", app);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "Dockerfile"), text);
}

/** The io.dockercask.* labels the warning about `app`'s image names, in order (another stale image may have a line too). */
function namedLabels(text: string, app = CHILD): string[] {
  const line =
    text.split("\n").find((l) => l.includes(`dockercask/${app} carries`) && l.includes("they are ignored")) ?? "";
  return [...line.matchAll(/(io\.dockercask\.[a-z-]+)=/g)].map((m) => m[1]!);
}

async function stop(session: RunningSession): Promise<void> {
  session.proc.kill("SIGTERM");
  expect(await session.exited).toBe(143);
  expect(await waitUntilClean(box, session.instance)).toEqual([]);
}

describe("labels inherited from a third-party parent image", () => {
  test("the parent really carries the grants (what the rest of this file relies on)", async () => {
    const labels = (await dockerInspect("image", PARENT))?.Config?.Labels ?? {};
    expect(labels).toMatchObject(GRANTS);
  });

  test("build names the labels it will ignore", async () => {
    const r = await box.run(["build", CHILD]);
    expectNoStackTrace(r.stderr);
    expect(r.code).toBe(0);
    // xeyes's own labels (description, audio, clipboard) come down from the parent's parent as well.
    expect(inherited).toEqual(expect.arrayContaining(Object.keys(GRANTS)));
    expect(namedLabels(r.stderr)).toEqual(inherited);
    expect(r.stderr).toContain(`inherited from ${PARENT}`);
    // And the image does carry them: Docker copies a parent's labels, only dockercask ignores them.
    expect((await dockerInspect("image", `dockercask/${CHILD}`))?.Config?.Labels).toMatchObject(GRANTS);
  }, 300_000);

  test("list says so too, and list --json holds them", async () => {
    const r = await box.run(["list", "--json"]);
    expect(r.code).toBe(0);
    const app = JSON.parse(r.stdout).apps.find((a: { name: string }) => a.name === CHILD);
    expect(app.ignoredLabels.map((l: { label: string }) => l.label)).toEqual(inherited);
    expect(namedLabels(r.stderr)).toContain("io.dockercask.devices");
  });

  test("run grants none of them: no device, no network, Docker's seccomp profile, a private IPC namespace, the default /dev/shm; the run says which labels it ignored", async () => {
    const instance = `${CHILD}#x`;
    const session = await startRun(box, instance, ["--clipboard", "off"]);
    try {
      expect(namedLabels(session.output())).toEqual(inherited);
      const host = (await dockerInspect("container", await containerId(instance))).HostConfig;
      expect(host.Devices ?? []).toEqual([]);
      expect(host.NetworkMode).toBe("none");
      expect((host.SecurityOpt ?? []).filter((o: string) => o.startsWith("seccomp="))).toEqual([]);
      expect(host.IpcMode).toBe("private");
      expect(host.ShmSize).toBe(64 * 1024 * 1024);

      // From inside, as the app: no /dev/fuse, only the loopback interface, no user namespaces
      // (which the browser profile would allow), a small /dev/shm.
      const inside = await execIn(instance, [
        "sh",
        "-c",
        "ls /dev/fuse 2>&1; ls /sys/class/net; unshare --user true 2>&1 && echo USERNS; df -k /dev/shm | tail -1",
      ]);
      expect(inside.stdout).toMatch(/No such file/);
      expect(inside.stdout.split(/\s+/)).not.toContain("eth0");
      expect(inside.stdout).toContain("lo");
      expect(inside.stdout).not.toContain("USERNS");
      expect(inside.stdout).toMatch(/\b65536\b/);
    } finally {
      await stop(session);
    }
  }, 300_000);

  test("the control: the same grants written in the app's own recipe apply, and only the others are named", async () => {
    const instance = `${CONTROL}#x`;
    const session = await startRun(box, instance, ["--clipboard", "off"]);
    try {
      expect(namedLabels(session.output(), CONTROL)).toEqual(
        inherited.filter((k) => k !== "io.dockercask.network" && k !== "io.dockercask.devices"),
      );
      const host = (await dockerInspect("container", await containerId(instance))).HostConfig;
      expect(host.NetworkMode).toBe("bridge");
      expect((host.Devices ?? []).map((d: { PathOnHost: string }) => d.PathOnHost)).toEqual(["/dev/fuse"]);
      const inside = await execIn(instance, ["sh", "-c", "ls /dev/fuse 2>&1; ls /sys/class/net"]);
      expect(inside.stdout).toContain("/dev/fuse");
      expect(inside.stdout.split(/\s+/)).toContain("eth0");
    } finally {
      await stop(session);
    }
  }, 300_000);
});

describe("an app built FROM dockercask/base", () => {
  test("is not warned about: the base's labels are its own recipe's", async () => {
    const r = await box.run(["build", "xeyes"]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain("they are ignored");
  });
});
