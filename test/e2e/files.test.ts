/**
 * Files through the host's own dialog (`files = "ask"`): an app asks the file chooser portal on
 * its bus, as GTK does, with gdbus from inside its container; a real zenity shows on this
 * suite's own desktop (a private Xvfb) and is answered with the keyboard, as a user would. What
 * the user picks is copied in, what the app saves arrives where the user chose; and each thing
 * a hostile app would try (a name that is a path, a link, a FIFO, a file past the cap, a second
 * dialog, a flood of them) fails beside the same step that passes.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DIALOG_RATE, MAX_SAVE_BYTES } from "../../src/core/files/file-chooser.ts";
import { pathWithout } from "./bridge-helpers.ts";
import { fileDialogsOn } from "./file-dialogs.ts";
import { ARTIFACTS, type Sandbox, sh } from "./helpers.ts";
import {
  createAppSandbox,
  execIn,
  type RunningSession,
  startPrivateDesktop,
  startRun,
  waitFor,
  waitUntilClean,
} from "./session.ts";

const USER = "filer#fc-user";
const HOSTILE = "filer#fc-hostile";
const FLOOD = "filer#fc-flood";
const ENDING = "filer#fc-end";
const OFF = "filer#fc-off";
const KILLED = "filer#fc-killed";
const NO_ZENITY = "filer#fc-nozen";
let box: Sandbox;
let xvfb: Awaited<ReturnType<typeof startPrivateDesktop>>;
let desktop: Record<string, string>;
let dialogs: ReturnType<typeof fileDialogsOn>;
let downloads: string;
const sessions = new Map<string, RunningSession>();

beforeAll(async () => {
  for (const tool of ["zenity", "xdotool"])
    if ((await sh(["which", tool])).code !== 0) throw new Error(`${tool} is missing: run scripts/testbed.sh`);
  box = await createAppSandbox("files", ["filer"]);
  downloads = join(box.env.HOME!, "Downloads");
  mkdirSync(downloads, { recursive: true });
  xvfb = await startPrivateDesktop();
  desktop = xvfb.env;
  dialogs = fileDialogsOn(desktop);
  const path = pathWithout(join(box.dir, "path-without-zenity"), ["zenity"]);
  const starts: [string, string[], Record<string, string>][] = [
    [USER, [], desktop],
    [HOSTILE, [], desktop],
    [FLOOD, [], desktop],
    [ENDING, [], desktop],
    [KILLED, [], desktop],
    [OFF, ["--files", "off"], desktop],
    [NO_ZENITY, [], { ...desktop, PATH: path }],
  ];
  for (const [instance, args, env] of starts) sessions.set(instance, await startRun(box, instance, args, env));
}, 600_000);

afterAll(async () => {
  for (const s of sessions.values()) s.proc.kill("SIGTERM");
  await Promise.all([...sessions.values()].map((s) => s.exited));
  // What each session said, for a failure to be read after the run.
  mkdirSync(ARTIFACTS, { recursive: true });
  for (const [instance, s] of sessions)
    writeFileSync(join(ARTIFACTS, `files-${instance.replace("#", "-")}.log`), s.output());
  xvfb?.stop();
  box?.cleanup();
}, 120_000);

interface Answer {
  /** The gdbus call's exit code: 0 when the portal took the request. */
  code: number;
  /** The call's error, when it failed. */
  error: string;
  /** The Response's code (0 done, 1 cancelled, 2 other), when one came. */
  response?: number;
  uris: string[];
  raw: string;
}

/**
 * OpenFile or SaveFile from inside the instance, as GTK sends it: gdbus calls, and a gdbus
 * monitor, started first, waits for the Response (up to 60 s).
 */
async function ask(instance: string, method: "OpenFile" | "SaveFile", options: string): Promise<Answer> {
  const script = `
    gdbus monitor --session --dest org.freedesktop.portal.Desktop > /tmp/mon.$$ 2>&1 & M=$!
    i=0; until grep -q 'is owned by' /tmp/mon.$$ || [ $i -ge 100 ]; do sleep 0.05; i=$((i+1)); done
    if ! gdbus call --session --dest org.freedesktop.portal.Desktop --object-path /org/freedesktop/portal/desktop \\
      --method org.freedesktop.portal.FileChooser.${method} "" "A title the app chose" "$1" > /tmp/call.$$ 2>&1; then
      kill $M; cat /tmp/call.$$ >&2; exit 3
    fi
    i=0; until grep -q 'Request.Response' /tmp/mon.$$ || [ $i -ge 1200 ]; do sleep 0.05; i=$((i+1)); done
    kill $M; grep 'Request.Response' /tmp/mon.$$`;
  const result = await execIn(instance, ["sh", "-c", script, "ask", options]);
  const response = /Response \(uint32 (\d+),/.exec(result.stdout);
  return {
    code: result.code,
    error: result.stderr,
    response: response ? Number(response[1]) : undefined,
    uris: [...result.stdout.matchAll(/'(file:\/\/[^']*)'/g)].map((m) => m[1]!),
    raw: result.stdout + result.stderr,
  };
}

const inside = (uri: string) => decodeURIComponent(uri.replace(/^file:\/\//, ""));
const hostFile = (path: string) => (existsSync(path) ? readFileSync(path, "utf8") : undefined);
const output = (instance: string) => sessions.get(instance)!.output();
/** Writes `text` into a file of the instance, as its app would. */
const writeInside = async (instance: string, path: string, text: string, append = false) =>
  expect(
    (await execIn(instance, ["sh", "-c", `printf %s "$1" ${append ? ">>" : ">"} "$2"`, "w", text, path])).code,
  ).toBe(0);

describe("files through the host's dialog", () => {
  test("Save: the dialog names the instance and the file and opens in ~/Downloads; what the app writes arrives there, and again when it changes", async () => {
    const asked = ask(USER, "SaveFile", "{'handle_token': <'save1'>, 'current_name': <'report.txt'>}");
    const window = await dialogs.first(USER);
    expect(await dialogs.title(window)).toBe(`${USER} wants to save report.txt`);
    await dialogs.answer(window);
    const got = await asked;
    expect(got.response).toBe(0);
    expect(got.uris).toEqual(["file:///run/dockercask/files/report.txt"]);
    // No host path reaches the app.
    expect(got.raw).not.toContain(box.dir);
    const destination = join(downloads, "report.txt");
    await writeInside(USER, inside(got.uris[0]!), "first draft\n");
    await waitFor("the saved file on the host", () => hostFile(destination) === "first draft\n" || undefined);
    await writeInside(USER, inside(got.uris[0]!), "second draft\n", true);
    await waitFor(
      "the changed file on the host",
      () => hostFile(destination) === "first draft\nsecond draft\n" || undefined,
    );
    expect(output(USER)).toContain(`files: ${USER} saved ${destination}`);
  }, 120_000);

  test("Open: the picked file is copied in, and the app gets only its path inside the box", async () => {
    const documents = join(box.env.HOME!, "Documents");
    mkdirSync(documents, { recursive: true });
    writeFileSync(join(documents, "notes 1.txt"), "notes from the host\n");
    const asked = ask(USER, "OpenFile", "{'handle_token': <'open1'>}");
    const window = await dialogs.first(USER);
    expect(await dialogs.title(window)).toBe(`${USER} wants to open a file`);
    await dialogs.answer(window, join(documents, "notes 1.txt"));
    const got = await asked;
    expect(got.response).toBe(0);
    expect(got.uris).toEqual(["file:///run/dockercask/files/notes%201.txt"]);
    expect(got.raw).not.toContain(box.dir);
    const read = await execIn(USER, ["cat", inside(got.uris[0]!)]);
    expect(read.stdout).toBe("notes from the host\n");
    // The next dialog opens where the user was last.
    const next = ask(USER, "OpenFile", "{'handle_token': <'open2'>}");
    await dialogs.cancel(await dialogs.first(USER));
    expect((await next).response).toBe(1);
    expect(readFileSync(join(box.env.XDG_DATA_HOME!, "dockercask/files", USER, "last-folder"), "utf8").trim()).toBe(
      documents,
    );
  }, 120_000);

  test("cancelled, nothing crosses: the app hears 1", async () => {
    const asked = ask(USER, "SaveFile", "{'handle_token': <'cancel1'>, 'current_name': <'never.txt'>}");
    await dialogs.cancel(await dialogs.first(USER));
    const got = await asked;
    expect(got.response).toBe(1);
    expect(got.uris).toEqual([]);
    expect(existsSync(join(downloads, "never.txt"))).toBe(false);
  }, 120_000);

  test("ps shows the policy of each instance", async () => {
    const ps = await box.run(["ps", "--json"]);
    const rows = JSON.parse(ps.stdout) as { instance: string; files?: string }[];
    expect(rows.find((r) => r.instance === USER)?.files).toBe("ask");
    expect(rows.find((r) => r.instance === OFF)?.files).toBe("off");
  }, 120_000);
});

describe("a hostile app and the file dialog", () => {
  test("a suggested name that is a path, with a bidirectional override, reaches the dialog as a plain name", async () => {
    const asked = ask(HOSTILE, "SaveFile", "{'current_name': <'../../.config/autostart/\u202Egpj.exe'>}");
    const window = await dialogs.first(HOSTILE);
    expect(await dialogs.title(window)).toBe(`${HOSTILE} wants to save gpj.exe`);
    await dialogs.cancel(window);
    expect((await asked).response).toBe(1);
  }, 120_000);

  test("a save the user points at a shell start-up file is refused, and the file is not made", async () => {
    const bashrc = join(box.env.HOME!, ".bashrc");
    const asked = ask(HOSTILE, "SaveFile", "{'current_name': <'innocent.txt'>}");
    await dialogs.answer(await dialogs.first(HOSTILE), bashrc);
    const got = await asked;
    expect(got.response).toBe(2);
    expect(got.uris).toEqual([]);
    expect(output(HOSTILE)).toContain(`may not save to ${bashrc}: ${bashrc} is a shell start-up file`);
    expect(existsSync(bashrc)).toBe(false);
  }, 120_000);

  test("a saved file swapped for a symbolic link to a host file is not followed; the real file after it is copied", async () => {
    const asked = ask(HOSTILE, "SaveFile", "{'current_name': <'leak.txt'>}");
    await dialogs.answer(await dialogs.first(HOSTILE));
    const got = await asked;
    expect(got.response).toBe(0);
    const path = inside(got.uris[0]!);
    // The host's /etc/hostname, should the supervisor follow the link on the host.
    expect((await execIn(HOSTILE, ["ln", "-s", "/etc/hostname", path])).code).toBe(0);
    await waitFor("the refusal", () => output(HOSTILE).includes("the app left a symbolic link") || undefined);
    expect(existsSync(join(downloads, "leak.txt"))).toBe(false);
    // The control: the same save, now a regular file, arrives.
    expect((await execIn(HOSTILE, ["rm", path])).code).toBe(0);
    await writeInside(HOSTILE, path, "a real file\n");
    await waitFor(
      "the regular file on the host",
      () => hostFile(join(downloads, "leak.txt")) === "a real file\n" || undefined,
    );
  }, 120_000);

  test("a FIFO and a file past the cap are refused without hanging or reading them; a save after them arrives", async () => {
    const saves: string[] = [];
    for (const name of ["pipe.bin", "huge.bin", "after.txt"]) {
      const asked = ask(HOSTILE, "SaveFile", `{'current_name': <'${name}'>}`);
      await dialogs.answer(await dialogs.first(HOSTILE));
      const got = await asked;
      expect(got.response).toBe(0);
      saves.push(inside(got.uris[0]!));
    }
    expect((await execIn(HOSTILE, ["mkfifo", saves[0]!])).code).toBe(0);
    // Sparse: past the cap in size, nothing on disk.
    expect((await execIn(HOSTILE, ["truncate", "-s", String(MAX_SAVE_BYTES + 1), saves[1]!])).code).toBe(0);
    await waitFor(
      "both refusals",
      () =>
        (output(HOSTILE).includes(
          `could not save ${join(downloads, "huge.bin")}: it is 8 GiB (${MAX_SAVE_BYTES + 1} bytes), more than a save may be (8 GiB)`,
        ) &&
          output(HOSTILE).includes(
            `could not save ${join(downloads, "pipe.bin")}: the app left something that is not a regular file`,
          )) ||
        undefined,
    );
    await writeInside(HOSTILE, saves[2]!, "still saving\n");
    await waitFor(
      "the save after them",
      () => hostFile(join(downloads, "after.txt")) === "still saving\n" || undefined,
    );
    expect(existsSync(join(downloads, "pipe.bin"))).toBe(false);
    expect(existsSync(join(downloads, "huge.bin"))).toBe(false);
  }, 120_000);

  test("a second dialog while one is open is refused: one window on the desktop", async () => {
    const first = ask(HOSTILE, "OpenFile", "@a{sv} {}");
    const window = await dialogs.first(HOSTILE);
    const second = await ask(HOSTILE, "OpenFile", "@a{sv} {}");
    expect(second.code).not.toBe(0);
    expect(second.error).toContain(`a file dialog of ${HOSTILE} is already open`);
    expect(await dialogs.of(HOSTILE)).toEqual([window]);
    await dialogs.cancel(window);
    expect((await first).response).toBe(1);
  }, 120_000);

  test(`a flood of dialogs: at most ${DIALOG_RATE.max} a minute, the rest refused at once and said once`, async () => {
    let shown = 0;
    let refused: Answer | undefined;
    for (let i = 0; i < DIALOG_RATE.max + 2 && !refused; i++) {
      const asked = ask(FLOOD, "OpenFile", "@a{sv} {}");
      const window = await Promise.race([dialogs.first(FLOOD), asked.then(() => undefined)]);
      if (window) {
        shown++;
        await dialogs.cancel(window);
      }
      const got = await asked;
      if (got.code !== 0) refused = got;
    }
    expect(shown).toBe(DIALOG_RATE.max);
    expect(refused?.error).toContain(`more than ${DIALOG_RATE.max} file dialogs in 60 s`);
    expect(await dialogs.of(FLOOD)).toEqual([]);
    expect(output(FLOOD).match(/more than \d+ file dialogs/g)?.length).toBe(1);
  }, 180_000);

  test("stopped with a dialog open and a save not yet settled: the dialog closes, the save is copied, the folder goes, nothing is left", async () => {
    const asked = ask(ENDING, "SaveFile", "{'current_name': <'last-words.txt'>}");
    await dialogs.answer(await dialogs.first(ENDING));
    const path = inside((await asked).uris[0]!);
    // Written and stopped at once, before it could settle: the last copy is the teardown's.
    const pending = ask(ENDING, "OpenFile", "@a{sv} {}");
    await dialogs.first(ENDING);
    await writeInside(ENDING, path, "written just before the end\n");
    const stopped = await box.run(["stop", ENDING]);
    expect(stopped.code).toBe(0);
    await pending.catch(() => undefined);
    expect(hostFile(join(downloads, "last-words.txt"))).toBe("written just before the end\n");
    expect(await dialogs.of(ENDING)).toEqual([]);
    expect((await sh(["pgrep", "-f", `zenity .*${ENDING} wants`])).stdout.trim()).toBe("");
    expect(existsSync(join(box.env.XDG_DATA_HOME!, "dockercask/files", ENDING, "exchange"))).toBe(false);
    expect(await waitUntilClean(box, ENDING)).toEqual([]);
  }, 120_000);

  test("a supervisor killed with SIGKILL, which cannot tear down, still takes its open dialog with it; the reaper ends the rest", async () => {
    const pending = ask(KILLED, "OpenFile", "@a{sv} {}");
    const window = await dialogs.first(KILLED);
    expect(await dialogs.of(KILLED)).toEqual([window]);
    const session = sessions.get(KILLED)!;
    session.proc.kill("SIGKILL");
    await session.exited;
    await waitFor(
      "the dialog to go with its supervisor",
      async () => (await dialogs.of(KILLED)).length === 0 || undefined,
      30_000,
    );
    expect((await sh(["pgrep", "-f", `zenity .*${KILLED} wants`])).stdout.trim()).toBe("");
    // The next command reaps the container, the window and the bus; the call inside ends with them.
    expect((await box.run(["ps"])).code).toBe(0);
    expect(await waitUntilClean(box, KILLED)).toEqual([]);
    await pending.catch(() => undefined);
  }, 120_000);

  test('under files = "off" the portal has no file chooser, and no dialog shows', async () => {
    const got = await ask(OFF, "OpenFile", "@a{sv} {}");
    expect(got.code).not.toBe(0);
    expect(got.error).toContain("UnknownMethod");
    expect(await dialogs.of(OFF)).toEqual([]);
    // Nor is the app pointed at it.
    expect((await execIn(OFF, ["printenv", "GTK_USE_PORTAL"])).stdout.trim()).toBe("");
  }, 120_000);

  test("a desktop without zenity refuses, with the hint, said once", async () => {
    const first = await ask(NO_ZENITY, "OpenFile", "@a{sv} {}");
    const second = await ask(NO_ZENITY, "SaveFile", "{'current_name': <'x.txt'>}");
    for (const got of [first, second]) {
      expect(got.code).not.toBe(0);
      expect(got.error).toContain("install zenity");
    }
    expect(output(NO_ZENITY).match(/install zenity/g)?.length).toBe(1);
  }, 120_000);
});
