/**
 * A recipe edited after its image was built: `run` rebuilds it like `build` and the change is
 * inside; `run --no-build` keeps the old image with a warning, yet a label removed from the
 * recipe no longer applies even then (the policy comes from the recipe, never the image);
 * `ps --json` and `list --json` say which running instance runs a stale image.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createSandbox, dockerInspect, type Sandbox, sh } from "./helpers.ts";
import { containerId, execIn, type RunningSession, startRun, waitUntilClean } from "./session.ts";

const APP = "restale";
let box: Sandbox;

/** Version `n` of the recipe: a marker file with `n` in it, and bridge networking only in version 1. */
function writeRecipe(n: number): void {
  const dir = join(box.env.XDG_CONFIG_HOME!, "dockercask/apps", APP);
  mkdirSync(dir, { recursive: true });
  const network = n === 1 ? ' io.dockercask.network="bridge"' : "";
  writeFileSync(
    join(dir, "Dockerfile"),
    `FROM dockercask/xeyes\nRUN echo "recipe v${n}" > /etc/restale-marker\nLABEL io.dockercask.command="xeyes"${network}\n`,
  );
}

beforeAll(async () => {
  box = createSandbox("stale-image");
  writeRecipe(1);
  const built = await box.run(["build", APP]);
  if (built.code !== 0) throw new Error(`building ${APP} failed:\n${built.stderr}`);
}, 600_000);

afterAll(async () => {
  await box?.run(["stop", "--all"]);
  box?.cleanup();
  await sh(["docker", "rmi", "-f", `dockercask/${APP}`]);
});

async function stop(session: RunningSession): Promise<void> {
  session.proc.kill("SIGTERM");
  expect(await session.exited).toBe(143);
  expect(await waitUntilClean(box, session.instance)).toEqual([]);
}

/** What the running instance shows: its marker, its network mode, and what ps says of its image. */
async function look(instance: string) {
  const marker = (await execIn(instance, ["cat", "/etc/restale-marker"])).stdout.trim();
  const network = (await dockerInspect("container", await containerId(instance))).HostConfig.NetworkMode;
  const ps = JSON.parse((await box.run(["ps", "--json"])).stdout) as {
    instance: string;
    staleImage: boolean | undefined;
  }[];
  const listed = JSON.parse((await box.run(["list", "--json"])).stdout).instances as {
    name: string;
    running: boolean;
    staleImage?: boolean;
  }[];
  const inList = listed.find((i) => i.name === instance);
  expect(inList?.running).toBe(true);
  expect(inList?.staleImage).toBe(ps.find((p) => p.instance === instance)?.staleImage);
  return { marker, network, staleImage: ps.find((p) => p.instance === instance)?.staleImage };
}

describe("a recipe that changed since its image was built", () => {
  test("the first version runs as written (the control): its marker, bridge networking, a current image", async () => {
    const session = await startRun(box, `${APP}#a`, ["--clipboard", "off"]);
    try {
      expect(session.output()).not.toContain("building dockercask/");
      expect(await look(`${APP}#a`)).toEqual({ marker: "recipe v1", network: "bridge", staleImage: false });
    } finally {
      await stop(session);
    }
  });

  test("run --no-build runs the old image with a warning; the label the recipe dropped no longer applies; ps says stale", async () => {
    writeRecipe(2);
    const session = await startRun(box, `${APP}#a`, ["--no-build", "--clipboard", "off"]);
    try {
      expect(session.output()).toMatch(
        /running the stale image dockercask\/restale \(its recipe changed since it was built\) because of --no-build/,
      );
      expect(session.output()).not.toContain("building dockercask/");
      expect(await look(`${APP}#a`)).toEqual({ marker: "recipe v1", network: "none", staleImage: true });
    } finally {
      await stop(session);
    }
  });

  test("run rebuilds it first, saying why, and the change is inside", async () => {
    const session = await startRun(box, `${APP}#a`, ["--clipboard", "off"]);
    try {
      expect(session.output()).toContain("building dockercask/restale: its recipe changed since it was built");
      expect(await look(`${APP}#a`)).toEqual({ marker: "recipe v2", network: "none", staleImage: false });
    } finally {
      await stop(session);
    }
  }, 300_000);

  test("--no-build with no image at all is refused with a hint, and builds nothing", async () => {
    await sh(["docker", "rmi", "-f", `dockercask/${APP}`]);
    const r = await box.run(["run", `${APP}#b`, "--no-build"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("the image dockercask/restale is missing, and --no-build was given");
    expect(r.stderr).toContain("Run without --no-build");
    expect(await dockerInspect("image", `dockercask/${APP}`)).toBeUndefined();
  });
});
