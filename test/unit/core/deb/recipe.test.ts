import { describe, expect, test } from "bun:test";
import { parseDockerfile } from "../../../../src/core/catalog/dockerfile.ts";
import { parsePolicy } from "../../../../src/core/catalog/policy.ts";
import type { ProbedPackage } from "../../../../src/core/deb/probe.ts";
import { chooseEntry, entryIcon, generatedPolicy, plain, renderRecipe } from "../../../../src/core/deb/recipe.ts";
import { DockercaskError } from "../../../../src/core/errors.ts";

const APPS = "/usr/share/applications";

function pkg(name: string, entries: Record<string, string>, more: Partial<ProbedPackage> = {}): ProbedPackage {
  return {
    package: name,
    version: "1.0-1",
    section: "x11",
    summary: `${name} summary`,
    depends: [],
    files: [],
    entries: Object.entries(entries).map(([id, text]) => ({ path: `${APPS}/${id}.desktop`, text })),
    icons: [],
    ...more,
  };
}

const app = (exec: string, more = "") => `[Desktop Entry]\n${more}Type=Application\nName=App\nExec=${exec}\n`;

/**
 * The main entry's categories and the package's dependencies, as Debian 12's packages have
 * them (read with the probe from the mirror), and the policy each gets.
 */
const REAL: [string, string[], string[], string, boolean][] = [
  ["galculator", ["Utility"], ["libc6", "libglib2.0-0", "libgtk-3-0", "libpango-1.0-0", "libquadmath0"], "none", false],
  [
    "gnome-calculator",
    ["GNOME", "GTK", "Utility", "Calculator"],
    ["libadwaita-1-0", "libgtk-4-1", "libgtksourceview-5-0", "libmpfr6", "libsoup-3.0-0", "libxml2"],
    "internet",
    false,
  ],
  [
    "featherpad",
    ["Qt", "Utility", "TextEditor"],
    ["libhunspell-1.7-0", "libqt5core5a", "libqt5widgets5"],
    "none",
    false,
  ],
  [
    "hexchat",
    ["GTK", "Network", "IRCClient"],
    ["hexchat-common", "libcanberra0", "libgtk2.0-0", "libssl3"],
    "internet",
    false,
  ],
  ["jedit", ["Development", "TextEditor"], ["java-wrappers", "default-jre", "java7-runtime", "dpkg"], "none", false],
  ["xfig", ["Graphics"], ["fig2dev", "xdg-utils", "libgs10", "libxt6", "xaw3dg"], "none", false],
  ["xpdf", ["Viewer", "Graphics"], ["libpaper1", "libpoppler126", "libxm4", "libxt6"], "none", false],
  ["scid", ["Game", "BoardGame"], ["libtcl8.6", "scid-data", "python3", "tcl", "tk"], "none", false],
  ["xosview", ["System", "Monitor"], ["libc6", "libx11-6", "libxpm4"], "none", false],
  ["vlc", ["AudioVideo", "Player", "Recorder"], ["vlc-bin", "vlc-plugin-base", "vlc-plugin-qt"], "none", true],
  ["audacious", ["AudioVideo", "Audio", "Player", "GTK"], ["audacious-plugins", "libaudcore5"], "none", true],
  ["thunderbird", ["Network", "Email", "News", "GTK"], ["libgtk-3-0", "libnspr4", "libvpx7"], "internet", false],
  ["firefox-esr", ["Network", "WebBrowser"], ["libgtk-3-0", "libnspr4", "libasound2"], "internet", false],
  [
    "evince",
    ["GNOME", "GTK", "Office", "Viewer", "Graphics"],
    ["libevview3-3", "libgtk-3-0", "libsecret-1-0"],
    "none",
    false,
  ],
  [
    "gimp",
    ["Graphics", "2DGraphics", "RasterGraphics", "GTK"],
    ["libgegl-0.4-0", "libgtk2.0-0", "librsvg2-2"],
    "none",
    false,
  ],
  // Dependencies that say it: an HTTP client, a web engine.
  ["a-curl-app", ["Utility"], ["libcurl3-gnutls"], "internet", false],
  ["a-webkit-app", ["Office"], ["libwebkit2gtk-4.1-0"], "internet", false],
  ["a-webengine-app", ["Office"], ["libqt5webenginecore5"], "internet", false],
  // A video player plays sound; a network library's look-alike name says nothing.
  ["a-video-app", ["Video"], ["libsoupx"], "none", true],
];

describe("generatedPolicy: strict, but for what the metadata says it needs", () => {
  test.each(REAL)("%s", (name, categories, depends, network, audio) => {
    const p = pkg(name, { [name]: app(name, `Categories=${categories.join(";")};\n`) }, { depends });
    const entry = chooseEntry(p, { entry: undefined, source: `deb:${name}` }).chosen.entry;
    const labels = Object.fromEntries(generatedPolicy(p, entry).map((l) => [l.key, l.value]));
    expect(labels).toEqual({
      network,
      audio: String(audio),
      microphone: "false",
      clipboard: "both",
      links: "ask",
      files: "off",
      notifications: "true",
    });
    for (const label of generatedPolicy(p, entry)) expect(label.why.length).toBeGreaterThan(10);
  });

  test("the reason names what decided: the category, or the dependency", () => {
    const byCategory = pkg("h", { h: app("h", "Categories=GTK;IRCClient;\n") });
    const byLibrary = pkg("g", { g: app("g", "Categories=Utility;\n") }, { depends: ["libc6", "libsoup-3.0-0"] });
    const why = (p: ProbedPackage) =>
      generatedPolicy(p, chooseEntry(p, { entry: undefined, source: "" }).chosen.entry)[0]!.why;
    expect(why(byCategory)).toContain("IRCClient");
    expect(why(byLibrary)).toContain("libsoup-3.0-0");
  });
});

describe("chooseEntry: which entry of the package runs", () => {
  // xterm's two entries, as Debian 12 ships them.
  const xterm = pkg("xterm", {
    "debian-uxterm": app("uxterm", "Name=UXTerm\nCategories=System;TerminalEmulator;\n"),
    "debian-xterm": app("xterm", "Name=XTerm\nCategories=System;TerminalEmulator;\n"),
  });

  test("the package's own: by its program's name, the others named", () => {
    const choice = chooseEntry(xterm, { entry: undefined, source: "deb:xterm" });
    expect(choice.chosen.entry.id).toBe("debian-xterm");
    expect(choice.others.map((o) => o.entry.id)).toEqual(["debian-uxterm"]);
  });

  test("the package's own: by the entry's name (org.gnome.Calculator is gnome-calculator's? no: calculator)", () => {
    const p = pkg("calculator", {
      "org.gnome.Calculator": app("gnome-calculator"),
      "a-first": app("first"),
    });
    expect(chooseEntry(p, { entry: undefined, source: "" }).chosen.entry.id).toBe("org.gnome.Calculator");
  });

  test("else the first by name", () => {
    const p = pkg("suite", { writer: app("w"), calc: app("c") });
    expect(chooseEntry(p, { entry: undefined, source: "" }).chosen.entry.id).toBe("calc");
  });

  test("the one asked for, in any case", () => {
    expect(chooseEntry(xterm, { entry: "Debian-UXTerm", source: "" }).chosen.argv).toEqual(["uxterm"]);
  });

  test.each([
    ["none at all", pkg("x11-apps", {}), undefined, "has no desktop entry"],
    [
      "only a terminal program",
      pkg("htop", { htop: app("htop", "Terminal=true\n") }),
      undefined,
      "it runs in a terminal",
    ],
    [
      "only hidden ones",
      pkg("h", { a: app("a", "NoDisplay=true\n"), b: app("b", "Hidden=true\n") }),
      undefined,
      "NoDisplay",
    ],
    ["a link, not an application", pkg("l", { l: "[Desktop Entry]\nType=Link\nURL=https://x\n" }), undefined, "Link"],
    ["an Exec that needs a shell", pkg("s", { s: app("sh -c 'x; y'") }), undefined, "no shell runs it"],
    ["one asked for that is not there", xterm, "nope", "no runnable desktop entry nope"],
  ])("refused: %s", (_, p, entry, message) => {
    let error: unknown;
    try {
      chooseEntry(p, { entry, source: "" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DockercaskError);
    expect((error as DockercaskError).message).toContain(message);
    expect((error as DockercaskError).hint).toBeTruthy();
  });

  test("an entry outside /usr/share/applications is not one", () => {
    const p = pkg("p", {});
    p.entries.push({ path: "/usr/share/p/p.desktop", text: app("p") });
    expect(() => chooseEntry(p, { entry: undefined, source: "" })).toThrow("no desktop entry that opens a window");
  });
});

describe("renderRecipe: the Dockerfile, read back as any recipe is", () => {
  const render = (p: ProbedPackage, source = `deb:${p.package}`) =>
    renderRecipe({
      target: { source },
      app: p.package,
      pkg: p,
      choice: chooseEntry(p, { entry: undefined, source }),
      icon: false,
    });

  test("its labels are a valid policy that says what the metadata says", () => {
    const p = pkg(
      "inkscape",
      {
        "org.inkscape.Inkscape": app(
          "inkscape %F",
          "Name=Inkscape\nTryExec=inkscape\nCategories=Graphics;\nMimeType=image/svg+xml;image/png;\n",
        ),
      },
      { version: "1.2.2-2+b1" },
    );
    const text = render(p);
    const file = parseDockerfile(text);
    expect(file.from).toBe("dockercask/base");
    expect(file.problems).toEqual([]);
    const policy = parsePolicy(file.labels);
    if (!policy.ok) throw new Error(policy.problems.join("; "));
    expect(policy.policy).toMatchObject({
      source: "deb:inkscape",
      description: "Inkscape (Debian package inkscape)",
      command: ["inkscape"],
      network: "none",
      audio: false,
      files: "off",
      mimeTypes: ["image/svg+xml", "image/png"],
    });
    expect(text).toContain("RUN dockercask-install inkscape\n");
    expect(text).toContain("RUN command -v 'inkscape' >/dev/null && command -v 'inkscape' >/dev/null\n");
    expect(text).toContain("inkscape 1.2.2-2+b1 (deb:inkscape)");
  });

  test("what the package says cannot add an instruction, a label or a variable", () => {
    const hostile = pkg(
      "evil",
      {
        evil: app(
          "evil",
          'Name=Evil\\nLABEL io.dockercask.devices="/dev/kvm"\u2028RUN id "$HOME" \\\\\nCategories=Utility;\n',
        ),
      },
      { version: "1\nRUN curl x", summary: "sum\rmary\u202e" },
    );
    const text = render(hostile);
    const file = parseDockerfile(text);
    expect(file.problems).toEqual([]);
    expect(file.instructions.map((i) => i.keyword)).toEqual(["FROM", "RUN", "RUN", ...Array(10).fill("LABEL")]);
    const policy = parsePolicy(file.labels);
    if (!policy.ok) throw new Error(policy.problems.join("; "));
    expect(policy.policy.devices).toEqual([]);
    expect(policy.policy.description).toBe(
      'Evil LABEL io.dockercask.devices="/dev/kvm" RUN id "$HOME" \\ (Debian package evil)',
    );
  });

  test("an icon is the package's SVG the entry names", () => {
    const p = pkg("g", { g: app("g", "Icon=g\n") });
    expect(entryIcon(p, chooseEntry(p, { entry: undefined, source: "" }).chosen.entry)).toBeUndefined();
    p.icons.push({ path: "/usr/share/pixmaps/g.svg", text: "<svg/>" });
    expect(entryIcon(p, chooseEntry(p, { entry: undefined, source: "" }).chosen.entry)).toBe("<svg/>");
    p.icons.unshift({ path: "/usr/share/icons/hicolor/scalable/apps/g.svg", text: "<svg id='hicolor'/>" });
    expect(entryIcon(p, chooseEntry(p, { entry: undefined, source: "" }).chosen.entry)).toBe("<svg id='hicolor'/>");
  });

  test.each([
    ["a\nb", 10, "a b"],
    ["x\u202ey\u200bz", 10, "x y z"],
    ["  lots   of   space ", 20, "lots of space"],
    ["abcdefghijk", 5, "abcd…"],
  ])("plain(%j, %i)", (text, max, expected) => {
    expect(plain(text, max)).toBe(expected);
  });
});

describe("a program the package installs off the PATH", () => {
  test.each([
    [["/usr/games/scid"], "/usr/games/scid"],
    [["/usr/games/scid", "/usr/bin/scid"], "scid"],
    [[], "scid"],
  ])("with %j installed, scid runs as %s", (files, program) => {
    const p = pkg("scid", { scid: app("scid %f") }, { files });
    expect(chooseEntry(p, { entry: undefined, source: "" }).chosen.argv).toEqual([program]);
  });
});

describe("a hostile package: what its metadata says never becomes an instruction or a label", () => {
  const renderOf = (p: ProbedPackage) =>
    renderRecipe({
      target: { source: `deb:${p.package}` },
      app: p.package,
      pkg: p,
      choice: chooseEntry(p, { entry: undefined, source: "" }),
      icon: false,
    });

  test("a category that is a line of Dockerfile (unescaped from \\n) is not a category", () => {
    const injected =
      "X\\nLABEL io.dockercask.network=bridge io.dockercask.devices=/dev/sda io.dockercask.ipc=shareable\\nRUN echo pwned\\n#";
    const p = pkg("evil", { evil: app("evil", `Categories=Network;${injected};AudioVideo\n`) });
    const text = renderOf(p);
    const file = parseDockerfile(text);
    expect(file.instructions.filter((i) => i.keyword !== "LABEL").map((i) => i.keyword)).toEqual([
      "FROM",
      "RUN",
      "RUN",
    ]);
    const policy = parsePolicy(file.labels);
    if (!policy.ok) throw new Error(policy.problems.join("; "));
    expect(policy.policy).toMatchObject({ network: "internet", devices: [], ipc: "private", audio: true });
    expect(text).not.toContain("pwned");
  });

  test("an entry whose file name holds a line break is no entry", () => {
    const p = pkg("evil", {});
    p.entries.push({
      path: "/usr/share/applications/evil\nLABEL io.dockercask.ipc=shareable\nRUN curl x|sh\n#.desktop",
      text: app("evil"),
    });
    expect(() => renderOf(p)).toThrow("not a desktop file ID");
  });

  test("MIME types a recipe cannot say are left out; the rest stay", () => {
    const p = pkg("viewer", { viewer: app("viewer", 'MimeType=Application/X-Foo;image/png;a"b/c;\n') });
    const policy = parsePolicy(parseDockerfile(renderOf(p)).labels);
    if (!policy.ok) throw new Error(policy.problems.join("; "));
    expect(policy.policy.mimeTypes).toEqual(["image/png"]);
  });

  test("%i with an icon name a command cannot carry refuses the entry", () => {
    const p = pkg("icons", { icons: app("icons %i", "Icon=my icon\n") });
    expect(() => chooseEntry(p, { entry: undefined, source: "" })).toThrow("my icon");
  });

  test("a TryExec only in /usr/games is checked where it is", () => {
    const p = pkg("tux", { tux: app("tux", "TryExec=tux\n") }, { files: ["/usr/games/tux"] });
    expect(renderOf(p)).toContain(
      "RUN command -v '/usr/games/tux' >/dev/null && command -v '/usr/games/tux' >/dev/null\n",
    );
  });
});
