/**
 * The host-screen query (adapters/host-display.ts) against a real X server that wants a cookie:
 * a private Xephyr on the test desktop, with Xauthority files written by xauth itself, so our
 * reading of the file format and of libXau's matching rule is checked against the real tools.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { localCookieHex, queryHostScreen } from "../../src/adapters/host-display.ts";
import { wildcardAuthEntry } from "../../src/core/x11/xauth.ts";
import { sh } from "./helpers.ts";

const COOKIE = "00112233445566778899aabbccddeeff";
const WRONG = "ffeeddccbbaa99887766554433221100";
let dir: string;
let xephyr: ReturnType<typeof Bun.spawn>;
let display: string;

/** A private Xephyr on the test desktop that wants COOKIE; TCP too, for the ssh -X case (loopback only in practice). */
async function startXephyr(): Promise<{ proc: ReturnType<typeof Bun.spawn>; display: string }> {
  const proc = Bun.spawn(
    [
      "Xephyr",
      "-displayfd",
      "1",
      "-auth",
      join(dir, "server"),
      "-listen",
      "tcp",
      "-screen",
      "800x600",
      "-dpi",
      "96",
      "-noreset",
    ],
    {
      stdout: "pipe",
      stderr: "ignore",
    },
  );
  const { value } = await (proc.stdout as ReadableStream<Uint8Array>).getReader().read();
  const display = new TextDecoder().decode(value).trim();
  expect(display).toMatch(/^\d+$/);
  return { proc, display };
}

async function stop(proc: ReturnType<typeof Bun.spawn>) {
  proc.kill();
  await proc.exited;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "dockercask-e2e-host-display-"));
  await xauth(join(dir, "server"), ["add", ":0", "MIT-MAGIC-COOKIE-1", COOKIE]);
  ({ proc: xephyr, display } = await startXephyr());
});

afterAll(async () => {
  if (xephyr) await stop(xephyr);
  rmSync(dir, { recursive: true, force: true });
});

async function xauth(file: string, args: string[]) {
  const result = await sh(["xauth", "-q", "-f", file, ...args]);
  expect(result.code).toBe(0);
}

/** An entry as `xauth add` writes it (FamilyLocal for "host/unix:N"), or the wild one dockercask writes. */
type Entry = { add: string; cookie: string } | { wild: string };

/** An Xauthority file made by xauth itself, entries in order. */
async function authFile(entries: Entry[]): Promise<string> {
  const file = join(dir, `xauth-${++files}`);
  writeFileSync(file, "", { mode: 0o600 });
  for (const entry of entries) {
    if ("add" in entry) await xauth(file, ["add", entry.add, "MIT-MAGIC-COOKIE-1", entry.cookie]);
    else
      expect(
        await Bun.spawn(["xauth", "-q", "-f", file, "nmerge", "-"], {
          stdin: new Blob([wildcardAuthEntry(entry.wild)]),
        }).exited,
      ).toBe(0);
  }
  return file;
}
let files = 0;

/** An entry for display `n` of this host, as xauth writes the local ones. */
const ours = (n: string, cookie: string) => ({ add: `${hostname()}/unix:${n}`, cookie });

// 800x600 at 96 dpi: 211.67 x 158.75 mm, which the server rounds.
const SCREEN = { width: 800, height: 600, widthMm: 212, heightMm: 159 };

describe("queryHostScreen", () => {
  test.each<[string, (n: string) => string, (n: string) => Entry[], typeof SCREEN | undefined]>([
    ["the cookie for our host and this display", (n) => `:${n}`, (n) => [ours(n, COOKIE)], SCREEN],
    ["the same, as unix:N", (n) => `unix:${n}`, (n) => [ours(n, COOKIE)], SCREEN],
    ["a wild cookie, as dockercask writes for its apps", (n) => `:${n}`, () => [{ wild: COOKIE }], SCREEN],
    ["a wrong cookie: refused", (n) => `:${n}`, (n) => [ours(n, WRONG)], undefined],
    ["a cookie for another display only: none sent, refused", (n) => `:${n}`, () => [ours("999", COOKIE)], undefined],
    [
      "the first match wins, as in Xlib, even when wrong",
      (n) => `:${n}`,
      (n) => [ours(n, WRONG), { wild: COOKIE }],
      undefined,
    ],
    [
      "a later match when the first is for another display",
      (n) => `:${n}`,
      (n) => [ours("999", WRONG), ours(n, COOKIE)],
      SCREEN,
    ],
    [
      "over TCP to localhost (ssh -X): our host's local entry",
      (n) => `localhost:${n}`,
      (n) => [ours(n, COOKIE)],
      SCREEN,
    ],
  ])("%s", async (_, displayName, entries, expected) => {
    const file = await authFile(entries(display));
    expect(await queryHostScreen(displayName(display), 2000, { XAUTHORITY: file })).toEqual(expected as never);
  });

  test.each([
    ["no Xauthority file at all", join("/nonexistent", "xauth")],
    ["an Xauthority that is a directory", "/"],
  ])("%s: nothing to send, refused, undefined", async (_, file) => {
    expect(await queryHostScreen(`:${display}`, 2000, { XAUTHORITY: file })).toBeUndefined();
  });

  test("a display nobody serves: undefined at once", async () => {
    expect(await queryHostScreen(":4242", 2000, {})).toBeUndefined();
  });

  test("a display whose socket file is gone: its abstract socket, as Xlib would", async () => {
    const own = await startXephyr();
    try {
      rmSync(`/tmp/.X11-unix/X${own.display}`);
      const file = await authFile([{ wild: COOKIE }]);
      expect(await queryHostScreen(`:${own.display}`, 2000, { XAUTHORITY: file })).toEqual(SCREEN);
    } finally {
      await stop(own.proc);
    }
  });

  test("the test desktop itself (no cookie wanted)", async () => {
    expect(await queryHostScreen(process.env.DISPLAY!, 2000, { XAUTHORITY: "/nonexistent" })).toMatchObject({
      width: 1280,
      height: 800,
    });
  });
});

describe("localCookieHex: the desktop's cookie for the clipboard's own X connection", () => {
  test.each<[string, string, Entry[] | string, string | undefined]>([
    ["our entry for :5", ":5", [ours("5", COOKIE)], COOKIE],
    ["ssh -X: localhost:10 takes our local entry for 10", "localhost:10.0", [ours("10", COOKIE)], COOKIE],
    ["a wild entry", ":5", [{ wild: WRONG }], WRONG],
    ["no entry for this display: none", ":5", [ours("6", COOKIE)], ""],
    ["no Xauthority: none", ":5", "/nonexistent/xauth", ""],
    ["an unreadable one (a directory): none, and no throw", ":5", "/", ""],
    ["a display on another machine: left to the X library", "far.example:0", [ours("0", COOKIE)], undefined],
    ["a display on another machine, the Xauthority unreadable: none, so nobody reads it", "far.example:0", "/", ""],
  ])("%s", async (_, displayName, entries, expected) => {
    const file = typeof entries === "string" ? entries : await authFile(entries);
    expect(localCookieHex(displayName, { XAUTHORITY: file })).toBe(expected as never);
  });
});
