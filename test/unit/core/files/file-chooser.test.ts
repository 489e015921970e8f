import { describe, expect, test } from "bun:test";
import {
  type ChooserRequest,
  dialogTitle,
  fileUri,
  MAX_OPEN_FILES,
  parseChooserRequest,
  parseDialogAnswer,
  responseResults,
  safeFileName,
  startFolder,
  xdgDownloadDir,
  zenityArgv,
} from "../../../../src/core/files/file-chooser.ts";

const v = (signature: string, value: unknown) => ({ signature, value });

describe("safeFileName: a name the app suggests, as a plain file name", () => {
  test.each([
    ["report.pdf", "report.pdf"],
    ["../../etc/passwd", "passwd"],
    ["/etc/shadow", "shadow"],
    ["dir/", "untitled"],
    ["..", "untitled"],
    [".", "untitled"],
    ["...", "untitled"],
    ["", "untitled"],
    [undefined, "untitled"],
    [42, "untitled"],
    // Bidirectional overrides and isolates: "gpj.exe" must not read as "exe.jpg".
    ["\u202egpj.exe", "gpj.exe"],
    ["a\u2066b\u2069.txt", "ab.txt"],
    // Control characters, a line break among them, and zero-width ones.
    ["line\nbreak\r.txt", "linebreak.txt"],
    ["esc\u001b[31mred.txt", "esc[31mred.txt"],
    ["zero\u200bwidth.txt", "zerowidth.txt"],
    ["bell\u0007\u009b.txt", "bell.txt"],
    ["  spaced   out .txt  ", "spaced out .txt"],
    ["tab\tname.txt", "tabname.txt"],
    [".bashrc", ".bashrc"],
    [".dockercask-marker", "marker"],
    ["invalid\ufffd.txt", "invalid.txt"],
  ])("%p becomes %p", (raw, expected) => {
    expect(safeFileName(raw)).toBe(expected);
  });

  test("a name over 120 characters is cut, its extension kept", () => {
    const name = safeFileName(`${"a".repeat(300)}.tar.gz`);
    expect([...name].length).toBe(120);
    expect(name.endsWith(".gz")).toBe(true);
  });

  test("characters, not UTF-16 units: an emoji is never cut in half", () => {
    const name = safeFileName("😀".repeat(200));
    expect([...name].length).toBe(120);
    expect(name).toBe("😀".repeat(120));
  });
});

describe("parseChooserRequest", () => {
  test.each<[string, "open" | "save", unknown, ChooserRequest]>([
    ["an empty open", "open", {}, { kind: "open", multiple: false, suggestedName: "" }],
    [
      "several files",
      "open",
      { multiple: v("b", true), handle_token: v("s", "t1") },
      { kind: "open", multiple: true, suggestedName: "" },
    ],
    [
      "a save with a name",
      "save",
      { current_name: v("s", "report.pdf") },
      { kind: "save", multiple: false, suggestedName: "report.pdf" },
    ],
    [
      "multiple means nothing to a save",
      "save",
      { multiple: v("b", true) },
      { kind: "save", multiple: false, suggestedName: "untitled" },
    ],
    [
      "the app's folder hints are ignored",
      "save",
      {
        current_folder: v("ay", [...Buffer.from("/root/.ssh\0")]),
        current_file: v("ay", [...Buffer.from("/etc/passwd\0")]),
      },
      { kind: "save", multiple: false, suggestedName: "untitled" },
    ],
    [
      "a wrongly typed option is no option",
      "open",
      { multiple: v("s", "true"), current_name: v("u", 7) },
      { kind: "open", multiple: false, suggestedName: "" },
    ],
    ["options that are not a dict", "open", "nonsense", { kind: "open", multiple: false, suggestedName: "" }],
  ])("%s", (_what, kind, options, expected) => {
    expect(parseChooserRequest(kind, options)).toEqual({ ok: true, request: expected });
  });

  test("choosing a folder is refused: only files cross", () => {
    const parsed = parseChooserRequest("open", { directory: v("b", true) });
    expect(parsed).toEqual({ ok: false, problem: "choosing a folder is not offered: only files cross" });
  });
});

describe("the dialog", () => {
  const open: ChooserRequest = { kind: "open", multiple: false, suggestedName: "" };
  const many: ChooserRequest = { ...open, multiple: true };
  const save: ChooserRequest = { kind: "save", multiple: false, suggestedName: "report.pdf" };

  test.each([
    [open, "firefox#work wants to open a file"],
    [many, "firefox#work wants to open files"],
    [save, "firefox#work wants to save report.pdf"],
  ])("its title names the instance and what it asks: %#", (request, title) => {
    expect(dialogTitle("firefox#work", request)).toBe(title);
  });

  test.each<[ChooserRequest, string[]]>([
    [open, ["zenity", "--file-selection", "--title", "i#x wants to open a file", "--filename=/home/u/Downloads/"]],
    [
      many,
      [
        "zenity",
        "--file-selection",
        "--title",
        "i#x wants to open files",
        "--filename=/home/u/Downloads/",
        "--multiple",
        "--separator=\n",
      ],
    ],
    [
      save,
      [
        "zenity",
        "--file-selection",
        "--title",
        "i#x wants to save report.pdf",
        "--save",
        "--confirm-overwrite",
        "--filename=/home/u/Downloads/report.pdf",
      ],
    ],
  ])("zenity's argv: %#", (request, argv) => {
    expect(zenityArgv("zenity", "i#x", request, "/home/u/Downloads")).toEqual(argv);
  });

  test("an option-like name stays a value: --filename=..., never an option of its own", () => {
    const argv = zenityArgv("zenity", "i#x", { ...save, suggestedName: "--help" }, "/home/u");
    expect(argv).toContain("--filename=/home/u/--help");
    expect(argv).not.toContain("--help");
  });

  test.each<[string, ChooserRequest, string[]]>([
    ["", open, []],
    ["/home/u/a.txt\n", open, ["/home/u/a.txt"]],
    ["/home/u/a.txt\n/home/u/b.txt\n", open, ["/home/u/a.txt"]],
    ["/home/u/a.txt\n/home/u/b.txt\n", many, ["/home/u/a.txt", "/home/u/b.txt"]],
    ["relative.txt\n/ok.txt\n", many, ["/ok.txt"]],
    ["/home/u/report.pdf\n", save, ["/home/u/report.pdf"]],
  ])("its answer %p", (stdout, request, paths) => {
    expect(parseDialogAnswer(stdout, request)).toEqual(paths);
  });

  test(`at most ${MAX_OPEN_FILES} files from one Open`, () => {
    const stdout = Array.from({ length: 100 }, (_, i) => `/f/${i}`).join("\n");
    expect(parseDialogAnswer(stdout, many)).toHaveLength(MAX_OPEN_FILES);
  });
});

describe("the answer to the app", () => {
  test.each([
    ["/run/dockercask/files/report.pdf", "file:///run/dockercask/files/report.pdf"],
    ["/run/dockercask/files/a b#c?.txt", "file:///run/dockercask/files/a%20b%23c%3F.txt"],
    ["/run/dockercask/files/é.txt", "file:///run/dockercask/files/%C3%A9.txt"],
    ["/run/dockercask/files/100%.txt", "file:///run/dockercask/files/100%25.txt"],
  ])("%p as a URI", (path, uri) => {
    expect(fileUri(path)).toBe(uri);
    expect(decodeURIComponent(new URL(uri).pathname)).toBe(path);
  });

  test("the results carry the URIs as `as`", () => {
    expect(responseResults(["/run/dockercask/files/a"])).toEqual({
      uris: { signature: "as", value: ["file:///run/dockercask/files/a"] },
    });
  });
});

describe("where the dialog opens", () => {
  const folders = new Set(["/home/u", "/home/u/Downloads", "/home/u/Docs", "/home/u/Téléchargements"]);
  const isFolder = (path: string) => folders.has(path);
  test.each([
    ["the last folder used", { last: "/home/u/Docs" }, "/home/u/Docs"],
    [
      "a last folder that is gone: XDG's",
      { last: "/gone", userDirs: 'XDG_DOWNLOAD_DIR="$HOME/Téléchargements"\n' },
      "/home/u/Téléchargements",
    ],
    ["no last folder: XDG's download folder", { userDirs: 'XDG_DOWNLOAD_DIR="$HOME/Docs"' }, "/home/u/Docs"],
    ["no user-dirs: ~/Downloads", {}, "/home/u/Downloads"],
    ["a relative last folder is no folder", { last: "Docs" }, "/home/u/Downloads"],
  ])("%s", (_what, given, expected) => {
    expect(startFolder({ home: "/home/u", isFolder, ...given })).toBe(expected);
  });

  test("home when there is nothing else", () => {
    expect(startFolder({ home: "/home/u", isFolder: () => false })).toBe("/home/u");
  });

  test.each([
    ['XDG_DOWNLOAD_DIR="$HOME/Downloads"', "/home/u/Downloads"],
    ['XDG_DOWNLOAD_DIR="/srv/dl/"', "/srv/dl"],
    ['# XDG_DOWNLOAD_DIR="$HOME/x"', undefined],
    ['XDG_DOWNLOAD_DIR="relative"', undefined],
    ['XDG_DESKTOP_DIR="$HOME/Desktop"', undefined],
    ['XDG_DOWNLOAD_DIR="$HOMEx/y"', undefined],
  ])("user-dirs.dirs %p", (text, expected) => {
    expect(xdgDownloadDir(text, "/home/u")).toBe(expected);
  });
});
