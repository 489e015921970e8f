/**
 * Images on the clipboard, the `explicit` policy and `clip push/pull`, for real: xclip on a desktop
 * X server and xclip inside the instances' containers (as the app user), dockercask's bridge and
 * CLI in between. The desktop here is an Xvfb of this file's own: other suites copy on the shared
 * test display at the same time, and a copy of theirs would land in the middle of these checks.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createClipboardSide } from "../../src/adapters/clipboard.ts";
import { BIN, expectNoStackTrace, type Sandbox, sh } from "./helpers.ts";
import { containerId, createAppSandbox, type RunningSession, startRun, waitFor } from "./session.ts";
import { copyOn, pasteOn } from "./xclip.ts";

let box: Sandbox;
let desktop: ReturnType<typeof Bun.spawn>;
let hostEnv: Record<string, string>;
const sessions: RunningSession[] = [];
let both: RunningSession;
let explicit: RunningSession;
let off: RunningSession;
let capped: RunningSession;

beforeAll(async () => {
  desktop = Bun.spawn(["Xvfb", "-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "ignore",
  });
  const reader = (desktop.stdout as ReadableStream<Uint8Array>).getReader();
  let number = "";
  while (!number.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("Xvfb exited before it reported its display");
    number += new TextDecoder().decode(value);
  }
  hostEnv = { DISPLAY: `:${number.trim()}` };
  box = await createAppSandbox("clipboard-images");
  box.env.DISPLAY = hostEnv.DISPLAY!;
  writeFileSync(
    join(box.env.XDG_CONFIG_HOME!, "dockercask/config.toml"),
    '[instances."attacker#img-capped"]\nclipboard-max = "64k"\n',
  );
  [both, explicit, off, capped] = await Promise.all([
    startRun(box, "attacker#img-both", ["--verbose"]),
    startRun(box, "attacker#img-explicit", ["--clipboard", "explicit"]),
    startRun(box, "attacker#img-off", ["--clipboard", "off"]),
    startRun(box, "attacker#img-capped"),
  ]);
  sessions.push(both, explicit, off, capped);
}, 300_000);

afterAll(async () => {
  await box.run(["stop", "--all"]);
  await Promise.all(sessions.map((s) => s.exited));
  box.cleanup();
  desktop.kill("SIGTERM");
  await desktop.exited;
});

/** A PNG (or another `format` ImageMagick writes) made for the test: its colours, and so its bytes, differ with `seed`. */
async function makePng(seed: number, size = 8, noise = false, format = "png"): Promise<Uint8Array> {
  const fill = `#${((seed * 2654435761) >>> 8).toString(16).padStart(6, "0").slice(-6)}`;
  const argv = [
    "/usr/bin/convert",
    "-size",
    `${size}x${size}`,
    `xc:${fill}`,
    ...(noise ? ["-seed", String(seed), "+noise", "Random"] : []),
    `${format}:-`,
  ];
  const proc = Bun.spawn(argv, { stdout: "pipe", stderr: "ignore" });
  const bytes = new Uint8Array(await new Response(proc.stdout).arrayBuffer());
  if ((await proc.exited) !== 0 || bytes.length === 0) throw new Error(`convert made no ${format}`);
  return bytes;
}

const sha = (bytes: Uint8Array) => new Bun.CryptoHasher("sha256").update(bytes).digest("hex");

const hostCopy = (data: Uint8Array, target: string) => copyOn(hostEnv, data, target);
const hostCopyText = (text: string) => hostCopy(new TextEncoder().encode(text), "UTF8_STRING");
const hostPaste = (target: string) => pasteOn(hostEnv, target);

/** Copies inside the container, as the app's user would: the bytes go in a file first, then xclip serves them. */
async function insideCopy(session: RunningSession, data: Uint8Array, target: string): Promise<void> {
  const id = await containerId(session.instance);
  const put = Bun.spawn(["docker", "exec", "-i", id, "sh", "-c", "cat > /tmp/clip.in"], {
    stdin: new Blob([data]),
    stdout: "ignore",
    stderr: "ignore",
  });
  if ((await put.exited) !== 0) throw new Error(`could not write into ${session.instance}`);
  const r = await sh([
    "docker",
    "exec",
    id,
    "sh",
    "-c",
    'xclip -selection clipboard -t "$0" -i /tmp/clip.in </dev/null >/dev/null 2>&1',
    target,
  ]);
  if (r.code !== 0) throw new Error(`xclip in ${session.instance} failed: ${r.stderr}`);
}
const insideCopyText = (session: RunningSession, text: string) =>
  insideCopy(session, new TextEncoder().encode(text), "UTF8_STRING");

/** The sha256 of what the instance's clipboard holds as `target`, read inside its container. */
async function insideHash(session: RunningSession, target: string): Promise<string> {
  const r = await sh([
    "docker",
    "exec",
    await containerId(session.instance),
    "sh",
    "-c",
    'xclip -selection clipboard -o -t "$0" 2>/dev/null | sha256sum',
    target,
  ]);
  return r.stdout.split(" ")[0]!;
}
const insideText = async (session: RunningSession) =>
  (
    await sh([
      "docker",
      "exec",
      await containerId(session.instance),
      "sh",
      "-c",
      "xclip -selection clipboard -o -t UTF8_STRING 2>/dev/null",
    ])
  ).stdout;
const EMPTY_SHA = sha(new Uint8Array());

const arrivesInside = (session: RunningSession, target: string, bytes: Uint8Array, what: string) =>
  waitFor(what, async () => (await insideHash(session, target)) === sha(bytes), 20_000);
const arrivesOnHost = (target: string, bytes: Uint8Array, what: string) =>
  waitFor(what, async () => sha(await hostPaste(target)) === sha(bytes), 20_000);

/**
 * Counts owner changes of the desktop's clipboard while `during` runs: a copy carried out of an
 * instance is one change, so a count shows what crossed even when a later copy replaced it.
 */
async function hostChangesDuring(during: () => Promise<void>): Promise<number> {
  let changes = 0;
  const close = await createClipboardSide({
    display: hostEnv.DISPLAY!,
    env: { ...process.env, ...hostEnv },
    cookieHex: "",
  }).watch(["CLIPBOARD"], () => void changes++);
  try {
    await during();
    return changes;
  } finally {
    close();
  }
}

describe("images", () => {
  test("an image copied on the desktop arrives in an instance byte for byte, offered as image/png", async () => {
    const png = await makePng(1);
    await hostCopy(png, "image/png");
    await arrivesInside(both, "image/png", png, "the desktop's image in the instance");
    const targets = (
      await sh([
        "docker",
        "exec",
        await containerId(both.instance),
        "xclip",
        "-selection",
        "clipboard",
        "-o",
        "-t",
        "TARGETS",
      ])
    ).stdout;
    expect(targets.split("\n")).toContain("image/png");
  });

  test("an image copied inside an instance arrives on the desktop byte for byte", async () => {
    const png = await makePng(2);
    await insideCopy(both, png, "image/png");
    await arrivesOnHost("image/png", png, "the instance's image on the desktop");
  });

  test("another image type (image/bmp, no png offered) is carried as that type", async () => {
    const bmp = await makePng(5, 8, false, "bmp");
    await hostCopy(bmp, "image/bmp");
    await arrivesInside(both, "image/bmp", bmp, "the bmp in the instance");
  });

  test("an app's SVG, offered as image/png or as image/svg+xml, never reaches the desktop; a real PNG after it does", async () => {
    // A document that would make a desktop renderer fetch from the network, although the app has none.
    const svg = new TextEncoder().encode(
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="http://192.0.2.1/beacon.png"/></svg>',
    );
    const changes = await hostChangesDuring(async () => {
      await insideCopy(both, svg, "image/png");
      await waitFor(
        "the refusal in the log",
        () =>
          /clipboard: not carrying the app's image\/png to the host: its bytes are not an image of that type/.test(
            both.output(),
          ),
        20_000,
      );
      await insideCopy(both, svg, "image/svg+xml");
      // Control, copied after both: once it is on the desktop, either of them would have been.
      const png = await makePng(6);
      await insideCopy(both, png, "image/png");
      await arrivesOnHost("image/png", png, "the real PNG on the desktop");
    });
    expect(changes).toBe(1);
    // (xclip serves its bytes for whatever target is asked: the PNG's, not the SVG's.)
    for (const target of ["image/png", "image/svg+xml"]) expect(sha(await hostPaste(target))).not.toBe(sha(svg));
    // Nor by command.
    await insideCopy(both, svg, "image/png");
    const pull = await box.run(["clip", "pull", both.instance]);
    expect([pull.code, pull.stderr]).toEqual([
      1,
      expect.stringContaining("holds image/png data that is not an image of that type"),
    ]);
  });

  test("an instance cannot push an image over its cap to the desktop; one under the cap passes", async () => {
    const big = await makePng(3, 200, true);
    expect(big.length).toBeGreaterThan(64 * 1024);
    await insideCopy(capped, big, "image/png");
    await waitFor(
      "the refusal in the log",
      () => /clipboard: not carrying more than 65536 bytes from the app/.test(capped.output()),
      20_000,
    );
    expect(sha(await hostPaste("image/png"))).not.toBe(sha(big));
    // Nor by command: pull follows the same cap.
    const pull = await box.run(["clip", "pull", capped.instance]);
    expect([pull.code, pull.stderr]).toEqual([
      1,
      expect.stringContaining(`holds more than 64 KiB, the clipboard limit of ${capped.instance}`),
    ]);
    expect(sha(await hostPaste("image/png"))).not.toBe(sha(big));
    // Control: the same path carries an image under the cap.
    const small = await makePng(4);
    await insideCopy(capped, small, "image/png");
    await arrivesOnHost("image/png", small, "the small image on the desktop");
  });
});

describe("explicit", () => {
  test("a copy on the desktop reaches a `both` instance and not the explicit one, until clip push", async () => {
    const png = await makePng(5);
    await hostCopy(png, "image/png");
    await arrivesInside(both, "image/png", png, "the control copy in the both instance");
    expect(await insideHash(explicit, "image/png")).not.toBe(sha(png));
    const push = await box.run(["clip", "push", explicit.instance]);
    expect([push.code, push.stderr]).toEqual([
      0,
      expect.stringContaining(`pushed image/png (${png.length} bytes) into ${explicit.instance}`),
    ]);
    expect(await insideHash(explicit, "image/png")).toBe(sha(png));
  });

  test("text pushed arrives as text", async () => {
    await hostCopyText("pushed text");
    await waitFor(
      "the control text in the both instance",
      async () => (await insideText(both)) === "pushed text",
      20_000,
    );
    expect(await insideText(explicit)).not.toBe("pushed text");
    expect((await box.run(["clip", "push", explicit.instance])).code).toBe(0);
    expect(await insideText(explicit)).toBe("pushed text");
  });

  test("a copy inside does not reach the desktop by itself, until clip pull", async () => {
    const png = await makePng(6);
    const control = "copied in the both instance";
    const changes = await hostChangesDuring(async () => {
      await insideCopy(explicit, png, "image/png");
      // Control, copied after it: once this is on the desktop, the explicit one would be too.
      await insideCopyText(both, control);
      await waitFor(
        "the control copy on the desktop",
        async () => new TextDecoder().decode(await hostPaste("UTF8_STRING")) === control,
        20_000,
      );
    });
    expect(changes).toBe(1);
    expect(sha(await hostPaste("image/png"))).not.toBe(sha(png));
    const pull = await box.run(["clip", "pull", explicit.instance]);
    expect([pull.code, pull.stderr]).toEqual([
      0,
      expect.stringContaining(`pulled image/png (${png.length} bytes) out of ${explicit.instance}`),
    ]);
    expect(sha(await hostPaste("image/png"))).toBe(sha(png));
  });

  test("push --clear-after 1 clears the instance's clipboard after it arrived", async () => {
    const png = await makePng(7);
    await hostCopy(png, "image/png");
    await arrivesInside(both, "image/png", png, "the control copy in the both instance");
    const pushing = box.run(["clip", "push", explicit.instance, "--clear-after", "1"]);
    // Read on its display from here, not by docker exec: quick enough to see it before the second is up.
    await waitFor(
      "the pushed image in the explicit instance",
      async () => sha(await pasteOn(explicit.xenv, "image/png")) === sha(png),
      20_000,
    );
    const push = await pushing;
    expect([push.code, push.stderr]).toEqual([
      0,
      expect.stringContaining(`cleared the clipboard of ${explicit.instance}`),
    ]);
    expect(await insideHash(explicit, "image/png")).toBe(EMPTY_SHA);
    expect(await insideText(explicit)).toBe("");
    // The desktop keeps its own copy.
    expect(sha(await hostPaste("image/png"))).toBe(sha(png));
  });

  test("pull --clear-after 1 clears the desktop's clipboard after it arrived", async () => {
    await insideCopyText(explicit, "pulled, then cleared");
    const pulling = box.run(["clip", "pull", explicit.instance, "--clear-after", "1"]);
    await waitFor(
      "the pulled text on the desktop",
      async () => new TextDecoder().decode(await hostPaste("UTF8_STRING")) === "pulled, then cleared",
      20_000,
    );
    const pull = await pulling;
    expect([pull.code, pull.stderr]).toEqual([0, expect.stringContaining("cleared the desktop's clipboard")]);
    expect(await hostPaste("UTF8_STRING")).toEqual(new Uint8Array());
  });

  test("--clear-after leaves a newer copy alone", async () => {
    await hostCopyText("pushed, then replaced");
    // Three seconds: room to copy something else there before the clear comes.
    const pushing = box.run(["clip", "push", explicit.instance, "--clear-after", "3"]);
    const onItsDisplay = async () => new TextDecoder().decode(await pasteOn(explicit.xenv, "UTF8_STRING"));
    await waitFor("the pushed text inside", async () => (await onItsDisplay()) === "pushed, then replaced", 20_000);
    await copyOn(explicit.xenv, new TextEncoder().encode("the user's own copy"), "UTF8_STRING");
    const push = await pushing;
    expect([push.code, push.stderr]).toEqual([0, expect.stringContaining("holds something else now: left as it is")]);
    expect(await insideText(explicit)).toBe("the user's own copy");
  });

  test.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const)("push --clear-after 30 cut short by %s clears at once, says so and exits %p", async (signal, code) => {
    const text = `pushed, then ${signal}`;
    await hostCopyText(text);
    const pushing = Bun.spawn([BIN, "clip", "push", explicit.instance, "--clear-after", "30"], {
      env: box.env,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const started = Date.now();
    let stderr = "";
    const reader = (pushing.stderr as ReadableStream<Uint8Array>).getReader();
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        stderr += new TextDecoder().decode(value);
      }
    })();
    await waitFor(
      "the push line",
      () => stderr.includes(`clearing the clipboard of ${explicit.instance} in 30 s`) || undefined,
      20_000,
    );
    // The control: a second later, well inside the 30, the value is still there.
    await Bun.sleep(1000);
    expect(await insideText(explicit)).toBe(text);
    pushing.kill(signal);
    const exited = await pushing.exited;
    await reading;
    expect(exited).toBe(code);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(stderr).toContain(`interrupted by ${signal}: cleared the clipboard of ${explicit.instance} at once`);
    expectNoStackTrace(stderr);
    expect(await insideText(explicit)).toBe("");
    expect(await insideHash(explicit, "UTF8_STRING")).toBe(EMPTY_SHA);
  });

  test.each([
    [
      ["clip", "push", "attacker#img-explicit", "--clear-after", "0"],
      2,
      '--clear-after takes whole seconds from 1 to 86400, not "0"',
    ],
    [
      ["clip", "push", "attacker#img-explicit", "--clear-after", "soon"],
      2,
      '--clear-after takes whole seconds from 1 to 86400, not "soon"',
    ],
    [["clip", "pull", "attacker#img-never"], 1, 'Start it with "dockercask run attacker#img-never"'],
    [["clip", "push", "not a name"], 2, "not a name"],
  ])("%p: exit %p with a clear message", async (args, code, message) => {
    const r = await box.run(args);
    expect([r.code, r.stderr]).toEqual([code, expect.stringContaining(message)]);
    expect(r.stderr).toContain("hint:");
    expectNoStackTrace(r.stderr);
  });
});

describe("off", () => {
  test("neither text nor an image reaches the instance", async () => {
    const png = await makePng(8);
    await hostCopy(png, "image/png");
    await arrivesInside(both, "image/png", png, "the control image in the both instance");
    expect(await insideHash(off, "image/png")).not.toBe(sha(png));
    await hostCopyText("not for off");
    await waitFor(
      "the control text in the both instance",
      async () => (await insideText(both)) === "not for off",
      20_000,
    );
    expect(await insideText(off)).not.toBe("not for off");
  });

  test("neither text nor an image leaves the instance", async () => {
    const png = await makePng(9);
    const control = "the control, from the both instance";
    const changes = await hostChangesDuring(async () => {
      await insideCopy(off, png, "image/png");
      await insideCopyText(off, "text from off");
      await insideCopyText(both, control);
      await waitFor(
        "the control copy on the desktop",
        async () => new TextDecoder().decode(await hostPaste("UTF8_STRING")) === control,
        20_000,
      );
    });
    expect(changes).toBe(1);
  });

  test.each(["push", "pull"])("clip %s is refused with the reason and what to do", async (direction) => {
    await hostCopyText("for the refusal");
    await insideCopyText(off, "inside off");
    const r = await box.run(["clip", direction, off.instance]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `the clipboard of ${off.instance} is off: nothing is ${direction === "push" ? "pushed into" : "pulled out of"} it`,
    );
    expect(r.stderr).toContain("--clipboard explicit");
    expectNoStackTrace(r.stderr);
    expect(await insideText(off)).toBe("inside off");
    expect(new TextDecoder().decode(await hostPaste("UTF8_STRING"))).toBe("for the refusal");
  });
});

/** fixtures/hostile-owner.pl, piped into perl inside the instance: nothing is added to the image. */
const HOSTILE_OWNER = readFileSync(join(import.meta.dir, "fixtures/hostile-owner.pl"), "utf8");

describe("a hostile owner", () => {
  test.each(["never", "huge", "wrongtype", "destroy"])(
    "answering TARGETS %s, and forging SelectionNotify to every window: no hang, no loop, an honest copy still crosses, an image too",
    async (mode) => {
      const id = await containerId(both.instance);
      const put = Bun.spawn(["docker", "exec", "-i", id, "sh", "-c", "cat > /tmp/hostile-owner.pl"], {
        stdin: new Blob([HOSTILE_OWNER]),
        stdout: "ignore",
        stderr: "ignore",
      });
      expect(await put.exited).toBe(0);
      const control = `honest copy after ${mode}`;
      const said = both.output().length;
      const changes = await hostChangesDuring(async () => {
        const r = await sh([
          "docker",
          "exec",
          "-d",
          id,
          "sh",
          "-c",
          `perl /tmp/hostile-owner.pl ${mode} >/tmp/hostile.log 2>&1`,
        ]);
        expect(r.code).toBe(0);
        // The bridge asked it over its own connection (not through xclip), and was spammed meanwhile.
        const log = async () => (await sh(["docker", "exec", id, "cat", "/tmp/hostile.log"])).stdout;
        await waitFor(
          "dockercask's TARGETS request at the hostile owner",
          async () => (await log()).includes("TARGETS via dockercask"),
          20_000,
        );
        await waitFor("the forged events sent", async () => (await log()).split("spammed").length > 2, 20_000);
        // Control: the owner gives up the selection to an honest copy, which reaches the desktop.
        await insideCopyText(both, control);
        await waitFor(
          "the honest copy on the desktop",
          async () => new TextDecoder().decode(await hostPaste("UTF8_STRING")) === control,
          20_000,
        );
        await waitFor("the hostile owner gone", async () => (await log()).includes("selection taken over"), 20_000);
      });
      // The honest copy and nothing else: the garbage was not carried, and the forged events made
      // no reads that carried anything. Once or twice: a read begun for the hostile owner's own
      // change can already get the honest copy, which its own change then carries again.
      const carried = both
        .output()
        .slice(said)
        .split("\n")
        .filter((line) => line.includes("app -> host"));
      expect([changes === 1 || changes === 2, carried.length === changes]).toEqual([true, true]);
      for (const line of carried) expect(line).toEndWith(`app -> host: text (${control.length} bytes)`);
      expect(both.output()).not.toMatch(/TypeError|RangeError|at .*\.ts:\d+/);
      // An X error the owner caused (destroy: our window gone under a GetProperty) failed that one
      // question only: the next image's TARGETS still goes over the same connection.
      const png = await makePng(100 + mode.length);
      await insideCopy(both, png, "image/png");
      await arrivesOnHost("image/png", png, `an image after the hostile owner (${mode}) on the desktop`);
    },
  );
});
