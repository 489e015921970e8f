/**
 * The clipboard between the host desktop and instances, for real: xclip on Xvfb (the host)
 * and on each instance's Xephyr, with dockercask's bridge in between.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createClipboardSide } from "../../src/adapters/clipboard.ts";
import { expectNoStackTrace, type Sandbox } from "./helpers.ts";
import { cookieOf, createAppSandbox, HOST_DISPLAY, type RunningSession, startRun, waitFor } from "./session.ts";
import { copyText, pasteText } from "./xclip.ts";

let box: Sandbox;
beforeAll(async () => {
  box = await createAppSandbox("clipboard");
  writeFileSync(
    join(box.env.XDG_CONFIG_HOME!, "dockercask/config.toml"),
    '[instances."attacker#capped"]\nclipboard-max = "64k"\n',
  );
});
afterAll(async () => {
  await box.run(["stop", "--all"]);
  box.cleanup();
});

const hostEnv = { DISPLAY: HOST_DISPLAY };
const copy = copyText;
const paste = pasteText;
/** The carrying sessions, whose bridges' own account goes with a value that did not arrive. */
const carriers: RunningSession[] = [];
const arrives = (env: Record<string, string>, text: string, what: string) =>
  waitFor(what, async () => (await paste(env)) === text, 20_000).catch(async (error: Error) => {
    const holds = JSON.stringify((await paste(env)).slice(0, 80));
    const accounts = carriers.map((s) => `--- ${s.instance} said:\n${s.output()}`).join("\n");
    throw new Error(`${error.message}; it holds ${holds}\n${accounts}`);
  });
/** Gives the bridge time to carry a change it should not carry, then checks it did not. */
const settle = () => Bun.sleep(1000);

describe("carrying", () => {
  let a: RunningSession;
  let b: RunningSession;
  let c: RunningSession;
  beforeAll(async () => {
    // --verbose: each bridge says what it carried, which a failed `arrives` prints.
    [a, b, c] = await Promise.all([
      startRun(box, "attacker#ca", ["--verbose"]),
      startRun(box, "attacker#cb", ["--verbose"]),
      startRun(box, "attacker#cc", ["--verbose"]),
    ]);
    carriers.push(a, b, c);
  });
  afterAll(async () => {
    for (const s of [a, b, c]) s.proc.kill("SIGTERM");
    await Promise.all([a.exited, b.exited, c.exited]);
  });

  test("host -> every instance", async () => {
    await copy(hostEnv, "from the host");
    for (const s of [a, b, c]) await arrives(s.xenv, "from the host", `the host's copy in ${s.instance}`);
  });

  test("A -> host, and through the host -> B and C", async () => {
    await copy(a.xenv, "from A");
    await arrives(hostEnv, "from A", "A's copy on the host");
    await arrives(b.xenv, "from A", "A's copy in B");
    await arrives(c.xenv, "from A", "A's copy in C");
  });

  test("unicode and a 100 KB text arrive intact", async () => {
    const unicode = "naïve café — 日本語 — 😀 — ﷽\ttab\nnewline";
    await copy(b.xenv, unicode);
    await arrives(hostEnv, unicode, "unicode on the host");
    await arrives(a.xenv, unicode, "unicode in A");
    const big = Array.from({ length: 2000 }, (_, i) => `line ${i} ${"x".repeat(44)}`).join("\n");
    expect(Buffer.byteLength(big)).toBeGreaterThan(100_000);
    await copy(hostEnv, big);
    await arrives(c.xenv, big, "100 KB in C");
  });

  test("no echo loop: once carried, the value stays and no owner flaps", async () => {
    await copy(hostEnv, "stable value");
    for (const s of [a, b, c]) await arrives(s.xenv, "stable value", `the value in ${s.instance}`);
    await settle();
    // Count owner changes on every display for three seconds: a loop would show up here.
    const endpoints = [
      { display: HOST_DISPLAY, env: { ...process.env, ...hostEnv } },
      ...(await Promise.all(
        [a, b, c].map(async (s) => ({
          display: s.xenv.DISPLAY!,
          env: { ...process.env, ...s.xenv },
          cookieHex: await cookieOf(s),
        })),
      )),
    ];
    const changes = endpoints.map(() => 0);
    const closers = await Promise.all(
      endpoints.map((e, i) => createClipboardSide(e).watch(["CLIPBOARD"], () => changes[i]!++)),
    );
    try {
      await Bun.sleep(3000);
      expect(changes).toEqual([0, 0, 0, 0]);
      expect(await paste(hostEnv)).toBe("stable value");
      for (const s of [a, b, c]) expect(await paste(s.xenv)).toBe("stable value");
      // Control: every watcher does see an owner change, when there is one (a new copy, carried).
      await copy(hostEnv, "a change every display sees");
      await waitFor("every display to see the new copy", () => changes.every((n) => n > 0) || undefined, 20_000);
    } finally {
      for (const close of closers) close();
    }
  });

  test("changes on both sides at about the same time: both end on one value, the newer", async () => {
    await copy(hostEnv, "older, on the host");
    await copy(a.xenv, "newer, in A");
    await arrives(hostEnv, "newer, in A", "the newer value on the host");
    await arrives(a.xenv, "newer, in A", "the newer value kept in A");
    await arrives(b.xenv, "newer, in A", "the newer value in B");
  });
});

describe("policies", () => {
  test.each([
    ["to-app", { toApp: true, fromApp: false }],
    ["from-app", { toApp: false, fromApp: true }],
    ["off", { toApp: false, fromApp: false }],
    ["both", { toApp: true, fromApp: true }],
  ] as const)("--clipboard %s", async (policy, allowed) => {
    const s = await startRun(box, `attacker#p-${policy}`, ["--clipboard", policy]);
    try {
      // Into the app.
      await copy(hostEnv, `host text for ${policy}`);
      if (allowed.toApp) await arrives(s.xenv, `host text for ${policy}`, "the host text in the app");
      else {
        await settle();
        expect(await paste(s.xenv)).not.toBe(`host text for ${policy}`);
      }
      // Out of the app.
      await copy(s.xenv, `app text for ${policy}`);
      if (allowed.fromApp) await arrives(hostEnv, `app text for ${policy}`, "the app text on the host");
      else {
        await settle();
        expect(await paste(hostEnv)).not.toBe(`app text for ${policy}`);
      }
    } finally {
      s.proc.kill("SIGTERM");
      await s.exited;
    }
  });

  test("a text over the cap is refused with a log line, and a smaller one still passes", async () => {
    const s = await startRun(box, "attacker#capped");
    try {
      await copy(hostEnv, "y".repeat(100_000));
      await waitFor(
        "the refusal in the log",
        () => /clipboard: not carrying more than 65536 bytes from the host/.test(s.output()),
        20_000,
      );
      expect(await paste(s.xenv)).not.toBe("y".repeat(100_000));
      await copy(hostEnv, "small enough");
      await arrives(s.xenv, "small enough", "the small text");
    } finally {
      s.proc.kill("SIGTERM");
      await s.exited;
    }
  });

  test("an unreadable XAUTHORITY on the host (a directory): no crash, the clipboard still works, stop is clean", async () => {
    // The test desktop wants no cookie, so a user whose Xauthority cannot be read still has one.
    const s = await startRun(box, "attacker#badauth", [], { XAUTHORITY: "/" });
    await copy(hostEnv, "despite the Xauthority");
    await arrives(s.xenv, "despite the Xauthority", "the copy into the instance");
    const stop = await box.run(["stop", "attacker#badauth"]);
    expect(stop.code).toBe(0);
    expect(await s.exited).toBe(143);
    expectNoStackTrace(s.output());
    expect(s.output()).not.toContain("EISDIR");
  });

  test("the clipboard is off for an app whose label says so (xeyes)", async () => {
    const s = await startRun(box, "xeyes#clip");
    try {
      await copy(hostEnv, "not for xeyes");
      await settle();
      expect(await paste(s.xenv)).not.toBe("not for xeyes");
    } finally {
      s.proc.kill("SIGTERM");
      await s.exited;
    }
  });
});
