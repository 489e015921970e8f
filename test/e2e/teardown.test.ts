/**
 * Teardown in every direction (issue: "nothing is left in docker ps -a, no Xephyr process
 * remains, and no runtime files remain"), each checked from the outside.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Sandbox, sh } from "./helpers.ts";
import {
  createAppSandbox,
  HOST_DISPLAY,
  leftovers,
  startRun,
  waitFor,
  waitUntilClean,
  xephyrWindow,
} from "./session.ts";

let box: Sandbox;
beforeAll(async () => {
  box = await createAppSandbox("teardown");
});
afterAll(() => box.cleanup());

describe("teardown", () => {
  test("the app exits: its window closes and nothing is left", async () => {
    const session = await startRun(box, "attacker#exits", ["--", "sh", "-c", "sleep 1; exit 5"]);
    await xephyrWindow("attacker#exits");
    expect(await session.exited).toBe(5);
    expect(session.output()).toContain("ended: the app exited");
    expect(await leftovers(box, "attacker#exits")).toEqual([]);
  });

  test("the window is closed: the container goes and nothing is left", async () => {
    const session = await startRun(box, "attacker#closed");
    const window = await xephyrWindow("attacker#closed");
    // What a window manager's close button amounts to for Xephyr: its host connection goes away.
    await sh(["xdotool", "windowkill", window], { DISPLAY: HOST_DISPLAY });
    expect(await session.exited).toBe(0);
    expect(session.output()).toContain("ended: its window was closed");
    expect(await leftovers(box, "attacker#closed")).toEqual([]);
  });

  test.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const)("%s to the supervisor: everything goes", async (signal, code) => {
    const instance = `attacker#${signal.toLowerCase()}`;
    const session = await startRun(box, instance);
    session.proc.kill(signal);
    expect(await session.exited).toBe(code);
    expect(await leftovers(box, instance)).toEqual([]);
  });

  test("a signal while the instance is still starting tears down what was started", async () => {
    const proc = Bun.spawn([`${import.meta.dir}/../../dist/dockercask`, "run", "attacker#early"], {
      env: box.env,
      stdout: "ignore",
      stderr: "pipe",
    });
    // As soon as its runtime dir (the lock) exists, the session is under way.
    await waitFor(
      "the session to begin",
      async () => (await sh(["test", "-d", `${box.env.XDG_RUNTIME_DIR}/dockercask/attacker#early`])).code === 0,
    );
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(143);
    expect(await waitUntilClean(box, "attacker#early")).toEqual([]);
  });

  test.each([
    { command: ["ps"] },
    { command: ["doctor"] },
    { command: ["stop", "--all"] },
    { command: ["run", "attacker#next", "--", "true"] },
  ])("a SIGKILLed supervisor leaves things behind, and `dockercask $command` reaps them", async ({ command }) => {
    const instance = `attacker#killed-${command[0]}`;
    const session = await startRun(box, instance);
    session.proc.kill("SIGKILL");
    await session.exited;
    // Without the reaper these would stay: the container, Xephyr and the runtime dir.
    expect((await leftovers(box, instance)).length).toBe(3);
    const r = await box.run([...command]);
    expect(r.stderr).toContain(`cleaned up after ${instance}`);
    expect(await leftovers(box, instance)).toEqual([]);
  });
});
