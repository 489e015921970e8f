import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSharedFolders, realPathOf } from "../../../src/adapters/shared-folders.ts";
import { SharedFolderError } from "../../../src/core/errors.ts";
import { type RefusalRules, refusalRules, type SharedFolder } from "../../../src/core/files/shared-folders.ts";

// A real tree: a home with secrets and the places the host runs, and dockercask's own folders
// where XDG puts them (outside the home, as in the e2e sandbox).
let base: string;
let home: string;
let rules: RefusalRules;
beforeEach(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), "dockercask-shared-")));
  home = join(base, "home");
  for (const dir of [
    "home/Docs",
    "home/.ssh",
    "home/.config/autostart",
    "home/.local/share/applications",
    "home/dotfiles",
    "config/dockercask",
    "data/dockercask",
    "run/dockercask",
  ]) {
    mkdirSync(join(base, dir), { recursive: true });
  }
  writeFileSync(join(home, "Docs/marker"), "docs");
  writeFileSync(join(home, ".ssh/id_ed25519"), "secret");
  writeFileSync(join(home, "dotfiles/bashrc"), "echo hi");
  writeFileSync(join(home, "notes.txt"), "a file");
  rules = refusalRules({
    home,
    config: join(base, "config/dockercask"),
    data: join(base, "data/dockercask"),
    runtime: join(base, "run/dockercask"),
  });
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

const folder = (path: string, readOnly = false): SharedFolder => ({
  host: path,
  target: `/home/app/${path.split("/").pop()}`,
  readOnly,
});
const openFds = () => readdirSync("/proc/self/fd").length;

describe("openSharedFolders", () => {
  test("a plain folder: mounted from this process's descriptor of it, which lists its files", () => {
    const opened = openSharedFolders([folder(join(home, "Docs"), true)], rules);
    try {
      const [mount] = opened.mounts;
      expect(mount!.source).toMatch(new RegExp(`^/proc/${process.pid}/fd/\\d+$`));
      expect(mount).toMatchObject({ realPath: join(home, "Docs"), target: "/home/app/Docs", readOnly: true });
      expect(readdirSync(mount!.source)).toEqual(["marker"]);
    } finally {
      opened.close();
    }
  });

  test("a link to a plain folder is mounted where it leads", () => {
    symlinkSync(join(home, "Docs"), join(home, "Papers"));
    const opened = openSharedFolders([folder(join(home, "Papers"))], rules);
    expect(opened.mounts[0]?.realPath).toBe(join(home, "Docs"));
    opened.close();
  });

  // [what, set up links (from, to) relative to base, shared path relative to base, refusal]
  test.each<[string, [string, string][], string, RegExp]>([
    [
      "~/Downloads -> ~/.ssh",
      [["home/Downloads", "home/.ssh"]],
      "home/Downloads",
      /home\/Downloads \(it leads to .*\/home\/.ssh\) is refused: .*\/home\/.ssh holds your SSH keys/,
    ],
    [
      "a link to ~/.config/autostart",
      [["home/Start", "home/.config/autostart"]],
      "home/Start",
      /leads to .*autostart\) is refused: .* holds programs your desktop starts at login/,
    ],
    [
      "a refused folder through a linked parent",
      [["home/share", "home/.local/share"]],
      "home/share/applications",
      /is refused: .*\/home\/.local\/share\/applications holds menu entries/,
    ],
    [
      "a link to ~/.local/share",
      [["home/stuff", "home/.local/share"]],
      "home/stuff",
      /is refused: it contains .*applications, which holds menu entries/,
    ],
    [
      "a link to dockercask's data",
      [["home/data", "data"]],
      "home/data",
      /is refused: it contains .*\/data\/dockercask, which holds dockercask's instance homes/,
    ],
    [
      "a link into the runtime root",
      [["home/rt", "run/dockercask"]],
      "home/rt",
      /is refused: .*\/run\/dockercask holds dockercask's runtime files/,
    ],
    [
      "~/.bashrc kept in ~/dotfiles",
      [["home/.bashrc", "home/dotfiles/bashrc"]],
      "home/dotfiles",
      /it contains .*\/dotfiles\/bashrc \(where .*\/home\/.bashrc leads\), which is a shell start-up file/,
    ],
    [
      "~/.ssh itself kept elsewhere, through its real place",
      [
        ["home/.ssh-real", "home/.ssh"],
        ["home/vault", "home/.ssh"],
      ],
      "home/vault",
      /SSH keys/,
    ],
  ])("refuses %s, and holds nothing open", (_, links, shared, reason) => {
    for (const [from, to] of links) symlinkSync(join(base, to), join(base, from));
    const before = openFds();
    let error: unknown;
    try {
      openSharedFolders([folder(join(home, "Docs")), folder(join(base, shared))], rules);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SharedFolderError);
    expect((error as Error).message).toMatch(reason);
    expect(openFds()).toBe(before);
  });

  test.each<[string, string, RegExp, RegExp]>([
    ["a file", "home/notes.txt", /is not a folder: only folders can be shared/, /Share the folder that holds the file/],
    ["a missing folder", "home/nope", /does not exist/, /Create it/],
    ["a folder below a file", "home/notes.txt/x", /is not a folder/, /Share the folder/],
  ])("refuses %s with a hint", (_, shared, message, hint) => {
    const error = (() => {
      try {
        openSharedFolders([folder(join(base, shared))], rules);
      } catch (e) {
        return e as SharedFolderError;
      }
    })();
    expect(error?.message).toMatch(message);
    expect(error?.hint).toMatch(hint);
    expect(error?.code).toBe("E_SHARED");
  });

  test("a path swapped for a link to ~/.ssh after the check still names the folder that was checked", () => {
    const docs = join(home, "Docs");
    const opened = openSharedFolders([folder(docs)], rules);
    try {
      renameSync(docs, join(home, "Docs.orig"));
      symlinkSync(join(home, ".ssh"), docs);
      // The control: the path now leads to the keys.
      expect(readdirSync(docs)).toEqual(["id_ed25519"]);
      expect(readdirSync(opened.mounts[0]!.source)).toEqual(["marker"]);
    } finally {
      opened.close();
    }
  });

  test("close lets every folder go", () => {
    const before = openFds();
    const opened = openSharedFolders([folder(join(home, "Docs")), folder(join(home, "dotfiles"))], rules);
    expect(openFds()).toBe(before + 2);
    opened.close();
    expect(openFds()).toBe(before);
  });
});

describe("realPathOf", () => {
  test.each<[string, [string, string][], string, string]>([
    ["an existing folder through a link", [["home/ln", "home/Docs"]], "home/ln", "home/Docs"],
    [
      "a path that does not exist yet, below a link",
      [["home/ln", "home/.config"]],
      "home/ln/systemd/user",
      "home/.config/systemd/user",
    ],
    ["a link to a place not made yet", [["home/later", "home/not-yet"]], "home/later", "home/not-yet"],
    ["a plain path", [], "home/.ssh", "home/.ssh"],
  ])("%s", (_, links, path, expected) => {
    for (const [from, to] of links) symlinkSync(join(base, to), join(base, from));
    expect(realPathOf(join(base, path))).toBe(join(base, expected));
  });
});
