/**
 * Ten instances at once (issue 14): each gets its own display and its own sound socket, the
 * clipboard reaches every instance its policy lets it reach and no other, and one supervisor
 * killed with SIGKILL takes nothing of the other nine with it; the next command reaps only
 * what the dead one left.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import { CLIPBOARD_POLICIES, type ClipboardPolicy } from "../../src/core/catalog/policy.ts";
import { dockerInspect, type Sandbox, sh } from "./helpers.ts";
import {
  containerId,
  createAppSandbox,
  HOST_DISPLAY,
  leftovers,
  type RunningSession,
  readState,
  startRun,
  waitFor,
  waitUntilClean,
} from "./session.ts";
import { copyText, pasteText } from "./xclip.ts";

const COUNT = 10;
let box: Sandbox;
/** Instance i has policy CLIPBOARD_POLICIES[i % CLIPBOARD_POLICIES.length]: every policy (explicit too) twice. */
let sessions: { session: RunningSession; policy: ClipboardPolicy }[] = [];

beforeAll(async () => {
  box = await createAppSandbox("scale");
  // All ten started together, as a user's session restore would.
  sessions = await Promise.all(
    Array.from({ length: COUNT }, async (_, i) => {
      const policy = CLIPBOARD_POLICIES[i % CLIPBOARD_POLICIES.length]!;
      return { session: await startRun(box, `attacker#scale-${i}`, ["--audio", "--clipboard", policy]), policy };
    }),
  );
}, 300_000);

afterAll(async () => {
  await box.run(["stop", "--all"]);
  box.cleanup();
});

const hostEnv = { DISPLAY: HOST_DISPLAY };
const copy = copyText;
const paste = pasteText;
const toApp = (p: ClipboardPolicy) => p === "both" || p === "to-app";
const fromApp = (p: ClipboardPolicy) => p === "both" || p === "from-app";
/** Gives the bridges time to carry what they should not, before checking they did not. */
const settle = () => Bun.sleep(1500);

describe("ten at once", () => {
  test("each instance has its own display and its own sound socket, mounted into its own container", async () => {
    expect(new Set(sessions.map((s) => s.session.display)).size).toBe(COUNT);
    const sockets = sessions.map(({ session }) => join(session.runtimeDir, "pulse.sock"));
    for (const socket of sockets) expect(statSync(socket).isSocket()).toBe(true);
    expect(new Set(sockets.map((s) => realpathSync(s))).size).toBe(COUNT);
    for (const [i, { session }] of sessions.entries()) {
      const container = await dockerInspect("container", await containerId(session.instance));
      const pulseMounts = (container.Mounts as { Source: string; Destination: string }[]).filter(
        (m) => m.Destination === "/run/dockercask/pulse.sock",
      );
      expect(pulseMounts.map((m) => m.Source)).toEqual([sockets[i]!]);
      expect(container.Config.Env).toContain(`DISPLAY=:${session.display}`);
    }
  });

  test("a copy on the desktop reaches exactly the instances whose policy lets it in", async () => {
    const value = `scale desktop ${crypto.randomUUID()}`;
    await copy(hostEnv, value);
    const allowed = sessions.filter((s) => toApp(s.policy));
    // Positive control: the allowed ones get it (so the check below could fail).
    await Promise.all(
      allowed.map(({ session }) =>
        waitFor(
          `${session.instance} to receive the desktop's copy`,
          async () => (await paste(session.xenv)) === value,
          20_000,
        ),
      ),
    );
    await settle();
    const got = await Promise.all(sessions.map(async ({ session }) => (await paste(session.xenv)) === value));
    expect(got).toEqual(sessions.map((s) => toApp(s.policy)));
  });

  test("a copy in an instance reaches the desktop (and, through it, the others) only where both policies allow", async () => {
    // One source of each policy, in turn.
    for (const source of CLIPBOARD_POLICIES.map((p) => sessions.find((s) => s.policy === p)!)) {
      const value = `scale from ${source.session.instance} ${crypto.randomUUID()}`;
      await copy(source.session.xenv, value);
      const others = sessions.filter((s) => s !== source);
      if (fromApp(source.policy)) {
        await waitFor(
          `the desktop to receive ${source.session.instance}'s copy`,
          async () => (await paste(hostEnv)) === value,
          20_000,
        );
        await Promise.all(
          others
            .filter((s) => toApp(s.policy))
            .map(({ session }) =>
              waitFor(`${session.instance} to receive it`, async () => (await paste(session.xenv)) === value, 20_000),
            ),
        );
      }
      await settle();
      expect((await paste(hostEnv)) === value).toBe(fromApp(source.policy));
      const got = await Promise.all(others.map(async ({ session }) => (await paste(session.xenv)) === value));
      expect(got).toEqual(others.map((s) => fromApp(source.policy) && toApp(s.policy)));
    }
  }, 120_000);

  test("SIGKILL of one supervisor leaves the other nine running; the next command reaps only the dead one's", async () => {
    const [victim, ...rest] = sessions;
    const before = await Promise.all(
      rest.map(async ({ session }) => ({
        session,
        container: await containerId(session.instance),
        state: readState(session),
      })),
    );
    victim!.session.proc.kill("SIGKILL");
    await victim!.session.exited;
    // Positive control: the dead one's things are there until something reaps them.
    expect((await leftovers(box, victim!.session.instance)).length).toBeGreaterThan(0);

    const ps = await box.run(["ps"]);
    expect(ps.code).toBe(0);
    expect(await waitUntilClean(box, victim!.session.instance)).toEqual([]);
    for (const { session, container, state } of before) {
      expect(session.proc.exitCode).toBeNull();
      expect(await containerId(session.instance)).toBe(container);
      expect(readState(session)).toEqual(state);
      expect(statSync(join(session.runtimeDir, "pulse.sock")).isSocket()).toBe(true);
      // The display still answers with the instance's own cookie.
      expect((await sh(["xdpyinfo"], session.xenv)).code).toBe(0);
      expect(ps.stdout).toContain(session.instance);
    }
    // And the survivors still carry: one more desktop copy reaches those that let it in.
    const value = `scale after kill ${crypto.randomUUID()}`;
    await copy(hostEnv, value);
    await Promise.all(
      rest
        .filter((s) => toApp(s.policy))
        .map(({ session }) =>
          waitFor(
            `${session.instance} to receive the copy after the kill`,
            async () => (await paste(session.xenv)) === value,
            20_000,
          ),
        ),
    );
    expect(existsSync(victim!.session.runtimeDir)).toBe(false);
  }, 120_000);
});
