import { describe, expect, test } from "bun:test";
import {
  explainRefusedFolder,
  parseSharedFolder,
  refusalRules,
  withRealPaths,
} from "../../../../src/core/files/shared-folders.ts";

const HOME = "/home/u";

describe("parseSharedFolder maps host folders into the instance's home", () => {
  test.each<[string, string, { host: string; target: string; readOnly: boolean }]>([
    ["~/Music:ro", HOME, { host: "/home/u/Music", target: "/home/app/Music", readOnly: true }],
    ["~/Downloads:rw", HOME, { host: "/home/u/Downloads", target: "/home/app/Downloads", readOnly: false }],
    ["~/work/src/", `${HOME}/`, { host: "/home/u/work/src", target: "/home/app/work/src", readOnly: false }],
    ["~/.config/foo", HOME, { host: "/home/u/.config/foo", target: "/home/app/.config/foo", readOnly: false }],
    ["/home/u/Pictures", HOME, { host: "/home/u/Pictures", target: "/home/app/Pictures", readOnly: false }],
    ["/srv/photos:ro", HOME, { host: "/srv/photos", target: "/home/app/photos", readOnly: true }],
    ["/mnt//disk/./data", HOME, { host: "/mnt/disk/data", target: "/home/app/data", readOnly: false }],
    // A sibling whose name starts like the home is outside it.
    ["/home/u2/share", HOME, { host: "/home/u2/share", target: "/home/app/share", readOnly: false }],
    ["/etc-backup", HOME, { host: "/etc-backup", target: "/home/app/etc-backup", readOnly: false }],
    [
      "/home/u/.sshkeys-public",
      HOME,
      { host: "/home/u/.sshkeys-public", target: "/home/app/.sshkeys-public", readOnly: false },
    ],
  ])("%p (home %p)", (entry, home, expected) => {
    expect(parseSharedFolder(entry, home)).toEqual({ ok: true, folder: expected });
  });
});

describe("parseSharedFolder refuses", () => {
  test.each<[string, RegExp]>([
    ["", /empty/],
    [":ro", /empty/],
    ["Downloads", /absolute path or start with ~\//],
    ["~root/x", /not ~user/],
    ["/mnt/a:b", /":" may only start the :ro or :rw suffix/],
    ["/mnt/a:ro:rw", /":" may only start/],
    ["/mnt/a\nb", /control character/],
    ["~/..", /".." is not allowed/],
    ["/srv/../etc", /".." is not allowed/],
    ["/", /whole file system/],
    ["~", /whole home folder/],
    ["~/", /whole home folder/],
    ["/home/u/.", /whole home folder/],
    ["/home", /contains your home folder/],
    ["/etc", /\/etc holds the host's configuration/],
    ["/etc/ssh:ro", /\/etc holds/],
    ["/proc", /\/proc exposes/],
    ["/proc/1/root", /\/proc exposes/],
    ["/sys", /\/sys exposes/],
    ["/dev/dri", /\/dev holds the host's devices/],
    ["/run", /\/run holds the host's runtime sockets/],
    ["/run/user/1000", /\/run holds/],
    ["/var/run", /\/var\/run holds/],
    ["/var/run/docker.sock", /\/var\/run\/docker.sock is the Docker socket/],
    ["/run/docker.sock:ro", /\/run\/docker.sock is the Docker socket/],
    ["/var", /contains \/var\/run\/docker.sock/],
    ["~/.Xauthority", /cookies of your real X display/],
    ["~/.ssh", /SSH keys/],
    ["~/.ssh/id_ed25519:ro", /SSH keys/],
    ["~/.gnupg/private-keys-v1.d", /GnuPG keys/],
    ["/tmp/.X11-unix", /sockets of your real X displays/],
    ["/tmp", /contains \/tmp\/.X11-unix/],
    // dockercask's own folders, and what contains them.
    ["~/.local/share/dockercask", /\/home\/u\/.local\/share\/dockercask holds dockercask's instance homes/],
    [
      "~/.local/share/dockercask/homes/firefox",
      /holds dockercask's instance homes: an app could read every other instance's files/,
    ],
    ["~/.local/share", /it contains \/home\/u\/.local\/share\/dockercask, which holds dockercask's instance homes/],
    ["~/.local", /it contains \/home\/u\/.local\/share\/dockercask/],
    ["~/.config/dockercask:ro", /holds dockercask's config and recipes: an app could widen its own policy/],
    ["~/.config", /it contains \/home\/u\/.config\/dockercask, which holds dockercask's config/],
    // Folders whose contents the host runs.
    ["~/.config/autostart", /\/home\/u\/.config\/autostart holds programs your desktop starts at login/],
    ["~/.config/autostart/x", /starts at login/],
    ["~/.config/systemd/user", /\/home\/u\/.config\/systemd holds systemd user units/],
    ["~/.config/environment.d", /environment of every program of your session/],
    ["~/.config/fish", /fish's start-up files/],
    ["~/.local/share/applications", /holds menu entries, whose commands the host runs/],
    ["~/.local/bin", /\/home\/u\/.local\/bin holds programs on your PATH/],
    ["~/bin", /\/home\/u\/bin holds programs on your PATH/],
    // Shell start-up files are not folders (the adapter refuses files), but they are refused by name too.
    ["~/.bashrc", /\/home\/u\/.bashrc is a shell start-up file/],
    ["~/.profile", /is a shell start-up file/],
    ["~/.zshrc", /is a shell start-up file/],
  ])("%p", (entry, reason) => {
    const result = parseSharedFolder(entry, HOME);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toMatch(reason);
  });
});

describe("refusalRules follows XDG", () => {
  const rules = refusalRules({
    home: HOME,
    config: "/cfg/dockercask",
    data: "/dat/dockercask",
    runtime: "/run/user/1000/dockercask",
  });
  test.each<[string, RegExp | undefined]>([
    ["/cfg", /it contains \/cfg\/dockercask, which holds dockercask's config/],
    ["/cfg/autostart", /\/cfg\/autostart holds programs your desktop starts at login/],
    ["/dat/applications", /holds menu entries/],
    ["/dat", /it contains \/dat\/dockercask, which holds dockercask's instance homes/],
    // The usual places stay refused when XDG moves the homes elsewhere.
    ["/home/u/.config/autostart", /starts at login/],
    ["/home/u/.local/share/applications", /menu entries/],
    ["/run/user/1000/dockercask/firefox", /\/run\/user\/1000\/dockercask holds dockercask's runtime files/],
    ["/cfg2", undefined],
    ["/home/u/.config/foo", undefined],
  ])("%p", (path, reason) => {
    const problem = explainRefusedFolder(path, rules);
    if (reason) expect(problem).toMatch(reason);
    else expect(problem).toBeUndefined();
  });
});

/** A fake file system's symbolic links, as real path lookups would see them: longest prefix first. */
function resolverOf(links: Record<string, string>) {
  return (path: string): string => {
    let current = path;
    for (let hops = 0; hops < 10; hops++) {
      const link = Object.keys(links)
        .sort((a, b) => b.length - a.length)
        .find((from) => current === from || current.startsWith(`${from}/`));
      if (!link) return current;
      current = links[link]! + current.slice(link.length);
    }
    return current;
  };
}

describe("explainRefusedFolder judges real paths against rules resolved withRealPaths", () => {
  test.each<[string, Record<string, string>, string, RegExp | undefined]>([
    // The caller hands over where the folder really is: ~/Downloads -> ~/.ssh arrives as ~/.ssh.
    ["a link into ~/.ssh", {}, "/home/u/.ssh", /\/home\/u\/.ssh holds your SSH keys/],
    ["a link into ~/.config/autostart", {}, "/home/u/.config/autostart", /starts at login/],
    ["a folder reached through a linked parent", {}, "/home/u/.local/share/applications/sub", /menu entries/],
    [
      "~/.bashrc kept in ~/dotfiles makes ~/dotfiles refused",
      { "/home/u/.bashrc": "/home/u/dotfiles/bashrc" },
      "/home/u/dotfiles",
      /it contains \/home\/u\/dotfiles\/bashrc \(where \/home\/u\/.bashrc leads\), which is a shell start-up file/,
    ],
    ["~/dotfiles without such a link is fine", {}, "/home/u/dotfiles", undefined],
    [
      "~/.config moved by a link: its real place is refused",
      { "/home/u/.config": "/data/cfg" },
      "/data/cfg",
      /it contains \/data\/cfg\/dockercask \(where \/home\/u\/.config\/dockercask leads\), which holds dockercask's config/,
    ],
    [
      "and what lies inside it",
      { "/home/u/.config": "/data/cfg" },
      "/data/cfg/autostart",
      /\/data\/cfg\/autostart \(where \/home\/u\/.config\/autostart leads\) holds programs/,
    ],
    [
      "~/.ssh kept elsewhere",
      { "/home/u/.ssh": "/vault/ssh" },
      "/vault",
      /it contains \/vault\/ssh \(where \/home\/u\/.ssh leads\), which holds your SSH keys/,
    ],
    ["a home reached through /home -> /usr/home", { "/home": "/usr/home" }, "/usr/home/u", /whole home folder/],
    ["what contains that home", { "/home": "/usr/home" }, "/usr/home", /it contains your home folder \/usr\/home\/u/],
    ["its ~/.ssh", { "/home": "/usr/home" }, "/usr/home/u/.ssh", /SSH keys/],
    ["a plain folder in that home", { "/home": "/usr/home" }, "/usr/home/u/Music", undefined],
    ["/var/run -> /run: the socket's real place", { "/var/run": "/run" }, "/run/docker.sock", /Docker socket/],
  ])("%s", (_, links, realPath, reason) => {
    const rules = withRealPaths(refusalRules({ home: HOME }), resolverOf(links));
    const problem = explainRefusedFolder(realPath, rules);
    if (reason) expect(problem).toMatch(reason);
    else expect(problem).toBeUndefined();
  });

  test("a place whose real path is unknown keeps only its written one", () => {
    const rules = withRealPaths(refusalRules({ home: HOME }), () => undefined);
    expect(rules).toEqual(refusalRules({ home: HOME }));
  });
});
