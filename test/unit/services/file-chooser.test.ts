import { describe, expect, test } from "bun:test";
import { DIALOG_RATE, MAX_FOLLOWED_SAVES } from "../../../src/core/files/file-chooser.ts";
import type { BridgeCall, BridgeReply, BridgeSignal } from "../../../src/ports/desktop-bus-calls.ts";
import type { FileMark, FilesExchange } from "../../../src/ports/files-exchange.ts";
import { createFileChooser } from "../../../src/services/file-chooser.ts";

const PORTAL = "/org/freedesktop/portal/desktop";
const IFACE = "org.freedesktop.portal.FileChooser";

const call = (member: string, body: unknown[], extra: Partial<BridgeCall> = {}): BridgeCall => ({
  sender: ":1.7",
  destination: "org.freedesktop.portal.Desktop",
  path: PORTAL,
  interface: IFACE,
  member,
  signature: "ssa{sv}",
  body,
  ...extra,
});
const v = (signature: string, value: unknown) => ({ signature, value });

/** The host side, faked: a dialog answered by the test, and a files folder in memory. */
function setup(options: { zenity?: string | undefined; refused?: (path: string) => string | undefined } = {}) {
  const shown: string[][] = [];
  let answerDialog: (out: string) => void = () => {};
  let closed = 0;
  const files = new Map<string, FileMark>();
  const copiedOut: { name: string; destination: string }[] = [];
  const remembered: string[] = [];
  let removed = false;
  let clock = 0;
  const logs: string[] = [];
  const exchange: FilesExchange = {
    async copyIn(path) {
      if (path.includes("fifo")) throw new Error("it is a FIFO (named pipe), not a regular file");
      const name = path.split("/").pop()!;
      files.set(name, { regular: true, size: 3, mtimeMs: 1, ino: files.size + 1 });
      return { name, bytes: 3 };
    },
    freeName: async (name) => (files.has(name) ? `x-${name}` : name),
    mark: (name) => files.get(name),
    async copyOut(name, destination) {
      copiedOut.push({ name, destination });
      return files.get(name)!.size;
    },
    refusedDestination: options.refused ?? (() => undefined),
    startFolder: () => "/home/u/Downloads",
    rememberFolder: (folder) => void remembered.push(folder),
    remove: () => {
      removed = true;
    },
  };
  const chooser = createFileChooser({
    instance: "app#x",
    dialogs: {
      zenity: "zenity" in options ? options.zenity : "/usr/bin/zenity",
      show(argv) {
        shown.push(argv);
        return new Promise((resolve) => {
          answerDialog = resolve;
        });
      },
      closeAll() {
        closed++;
        answerDialog("");
      },
    },
    exchange,
    openMaxBytes: 1024,
    now: () => clock,
    log: { info: (m) => logs.push(m), warn: (m) => logs.push(m), debug: () => {} },
  });
  const ask = (c: BridgeCall) => chooser.handle(c) as Promise<BridgeReply>;
  return {
    chooser,
    ask,
    shown,
    answer: (out: string) => answerDialog(out),
    closedCount: () => closed,
    files,
    copiedOut,
    remembered,
    removed: () => removed,
    logs,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

async function responseOf(reply: BridgeReply): Promise<BridgeSignal | undefined> {
  if (!reply.ok) throw new Error(`refused: ${reply.message}`);
  return reply.signal;
}

describe("the file chooser on the instance's bus", () => {
  test("its version, and nothing else of the portal is its own", async () => {
    const t = setup();
    expect(
      await t.ask(call("Get", [IFACE, "version"], { interface: "org.freedesktop.DBus.Properties", signature: "ss" })),
    ).toEqual({
      ok: true,
      signature: "v",
      body: [{ signature: "u", value: 2 }],
    });
    expect(
      t.chooser.handle(
        call("Get", ["org.freedesktop.portal.OpenURI", "version"], {
          interface: "org.freedesktop.DBus.Properties",
          signature: "ss",
        }),
      ),
    ).toBeUndefined();
    expect(
      t.chooser.handle(call("OpenURI", ["", "https://x", {}], { interface: "org.freedesktop.portal.OpenURI" })),
    ).toBeUndefined();
  });

  test("Open: the dialog asks in the instance's name; the picked file is copied in and answered as a path inside", async () => {
    const t = setup();
    const reply = await t.ask(call("OpenFile", ["", "Pick your key", { handle_token: v("s", "t1") }]));
    expect(reply).toMatchObject({ ok: true, signature: "o", body: [`${PORTAL}/request/1_7/t1`] });
    await Bun.sleep(0);
    expect(t.shown).toEqual([
      ["/usr/bin/zenity", "--file-selection", "--title", "app#x wants to open a file", "--filename=/home/u/Downloads/"],
    ]);
    t.answer("/home/u/Documents/notes.txt\n");
    const signal = await responseOf(reply);
    expect(signal).toEqual({
      path: `${PORTAL}/request/1_7/t1`,
      interface: "org.freedesktop.portal.Request",
      member: "Response",
      signature: "ua{sv}",
      body: [0, { uris: { signature: "as", value: ["file:///run/dockercask/files/notes.txt"] } }],
    });
    expect(t.remembered).toEqual(["/home/u/Documents"]);
  });

  test("Open: a pick that cannot be copied in is answered 2, and said", async () => {
    const t = setup();
    const reply = await t.ask(call("OpenFile", ["", "", {}]));
    await Bun.sleep(0);
    t.answer("/home/u/a-fifo\n");
    expect((await responseOf(reply))?.body).toEqual([2, {}]);
    expect(t.logs.join("\n")).toContain("/home/u/a-fifo was not given to app#x: it is a FIFO");
    expect(t.remembered).toEqual([]);
  });

  test("cancelled: 1, and nothing crosses", async () => {
    const t = setup();
    const reply = await t.ask(call("SaveFile", ["", "", { current_name: v("s", "a.txt") }]));
    await Bun.sleep(0);
    t.answer("");
    expect((await responseOf(reply))?.body).toEqual([1, {}]);
    expect(t.files.size).toBe(0);
  });

  test("Save: a path inside is answered; what is there is copied out at the end, once, and the folder removed", async () => {
    const t = setup();
    const reply = await t.ask(call("SaveFile", ["", "", { current_name: v("s", "../../.bashrc") }]));
    await Bun.sleep(0);
    expect(t.shown[0]).toContain("app#x wants to save .bashrc");
    t.answer("/home/u/Downloads/report.txt\n");
    expect((await responseOf(reply))?.body).toEqual([
      0,
      { uris: { signature: "as", value: ["file:///run/dockercask/files/report.txt"] } },
    ]);
    t.files.set("report.txt", { regular: true, size: 9, mtimeMs: 5, ino: 42 });
    await t.chooser.stop();
    expect(t.copiedOut).toEqual([{ name: "report.txt", destination: "/home/u/Downloads/report.txt" }]);
    expect(t.removed()).toBe(true);
  });

  test("Save to a refused place: 2, said, and nothing followed", async () => {
    const t = setup({ refused: (p) => (p.endsWith(".bashrc") ? "it is a shell start-up file" : undefined) });
    const reply = await t.ask(call("SaveFile", ["", "", {}]));
    await Bun.sleep(0);
    t.answer("/home/u/.bashrc\n");
    expect((await responseOf(reply))?.body).toEqual([2, {}]);
    expect(t.logs.join("\n")).toContain("app#x may not save to /home/u/.bashrc: it is a shell start-up file");
    t.files.set(".bashrc", { regular: true, size: 9, mtimeMs: 5, ino: 42 });
    await t.chooser.stop();
    expect(t.copiedOut).toEqual([]);
  });

  test("one dialog at a time: a second request is refused while the first is open", async () => {
    const t = setup();
    const first = await t.ask(call("OpenFile", ["", "", {}]));
    const second = await t.ask(call("OpenFile", ["", "", {}]));
    expect(second).toMatchObject({ ok: false, error: "org.freedesktop.DBus.Error.AccessDenied" });
    expect((second as { message: string }).message).toContain("a file dialog of app#x is already open");
    await Bun.sleep(0);
    t.answer("");
    await responseOf(first);
    const third = await t.ask(call("OpenFile", ["", "", {}]));
    expect(third.ok).toBe(true);
  });

  test(`at most ${DIALOG_RATE.max} dialogs a minute; the refusal is said once`, async () => {
    const t = setup();
    for (let i = 0; i < DIALOG_RATE.max; i++) {
      const reply = await t.ask(call("OpenFile", ["", "", {}]));
      await Bun.sleep(0);
      t.answer("");
      await responseOf(reply);
    }
    const over = [await t.ask(call("OpenFile", ["", "", {}])), await t.ask(call("OpenFile", ["", "", {}]))];
    for (const reply of over) expect(reply.ok).toBe(false);
    expect(t.shown).toHaveLength(DIALOG_RATE.max);
    expect(t.logs.filter((l) => l.includes("file dialogs in 60 s"))).toHaveLength(1);
  });

  test("Request.Close from the client that asked closes the dialog, and no Response follows; from another, nothing", async () => {
    const t = setup();
    const reply = await t.ask(call("OpenFile", ["", "", { handle_token: v("s", "mine") }]));
    await Bun.sleep(0);
    const close = (sender: string) =>
      t.ask(
        call("Close", [], {
          sender,
          path: `${PORTAL}/request/1_7/mine`,
          interface: "org.freedesktop.portal.Request",
          signature: "",
        }),
      );
    expect(await close(":1.9")).toEqual({ ok: true, signature: "", body: [] });
    expect(t.closedCount()).toBe(0);
    await close(":1.7");
    expect(t.closedCount()).toBe(1);
    expect(await responseOf(reply)).toBeUndefined();
  });

  test.each([
    ["a folder", call("OpenFile", ["", "", { directory: v("b", true) }]), "org.freedesktop.DBus.Error.NotSupported"],
    ["a wrong signature", call("OpenFile", ["", ""], { signature: "ss" }), "org.freedesktop.DBus.Error.InvalidArgs"],
    ["SaveFiles, which is not served", call("SaveFiles", ["", "", {}]), "org.freedesktop.DBus.Error.InvalidArgs"],
  ])("%s is refused", async (_what, c, error) => {
    const t = setup();
    expect(await t.ask(c)).toMatchObject({ ok: false, error });
    expect(t.shown).toEqual([]);
  });

  test("without zenity: refused with the hint", async () => {
    const t = setup({ zenity: undefined });
    const reply = await t.ask(call("OpenFile", ["", "", {}]));
    expect(reply).toMatchObject({ ok: false });
    expect((reply as { message: string }).message).toContain("install zenity");
  });

  test("stop closes the open dialog, answers nothing more, and refuses what comes after", async () => {
    const t = setup();
    const reply = await t.ask(call("OpenFile", ["", "", {}]));
    await Bun.sleep(0);
    await t.chooser.stop();
    expect(t.closedCount()).toBe(1);
    expect((await responseOf(reply))?.body).toEqual([1, {}]);
    expect((await t.ask(call("OpenFile", ["", "", {}]))).ok).toBe(false);
  });

  test(`at most ${MAX_FOLLOWED_SAVES} saves are followed in a session`, async () => {
    const t = setup();
    for (let i = 0; i <= MAX_FOLLOWED_SAVES; i++) {
      // A minute apart: a person saving, not a flood.
      t.advance(60_000);
      const reply = await t.ask(call("SaveFile", ["", "", {}]));
      await Bun.sleep(0);
      t.answer(`/home/u/f${i}\n`);
      const signal = await responseOf(reply);
      const code = (signal?.body as number[] | undefined)?.[0];
      expect(code).toBe(i < MAX_FOLLOWED_SAVES ? 0 : 2);
    }
    await t.chooser.stop();
  });
});
