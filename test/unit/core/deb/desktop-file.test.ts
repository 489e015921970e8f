import { describe, expect, test } from "bun:test";
import { parseDesktopFile, parseExec } from "../../../../src/core/deb/desktop-file.ts";

const PATH = "/usr/share/applications/org.inkscape.Inkscape.desktop";

describe("parseDesktopFile: the main group of a package's entry", () => {
  test("keys of [Desktop Entry] only, the first of each, localized ones left out, values unescaped", () => {
    const text = [
      "# a comment",
      "[Desktop Entry]",
      "Type=Application",
      "Name=Inkscape",
      "Name[de]=Inkscape (de)",
      "GenericName=Vector Graphics Editor",
      "Exec=inkscape %F",
      "TryExec = inkscape",
      "Icon=org.inkscape.Inkscape",
      "Categories=Graphics;VectorGraphics;GTK;",
      "MimeType=image/svg+xml;image/svg+xml-compressed;",
      "Terminal=false",
      "Name=Second Name",
      "Comment=line\\nbreak",
      "",
      "[Desktop Action new-window]",
      "Exec=inkscape --new",
      "Name=New Window",
      "[Desktop Entry]",
      "NoDisplay=true",
    ].join("\n");
    expect(parseDesktopFile(PATH, text)).toEqual({
      id: "org.inkscape.Inkscape",
      path: PATH,
      type: "Application",
      name: "Inkscape",
      comment: "line\nbreak",
      exec: "inkscape %F",
      tryExec: "inkscape",
      icon: "org.inkscape.Inkscape",
      categories: ["Graphics", "VectorGraphics", "GTK"],
      mimeTypes: ["image/svg+xml", "image/svg+xml-compressed"],
      noDisplay: false,
      hidden: false,
      terminal: false,
    });
  });

  test("the generic name stands in for a missing comment; CRLF lines read", () => {
    const entry = parseDesktopFile(
      PATH,
      "[Desktop Entry]\r\nType=Application\r\nGenericName=Viewer\r\nTerminal=true\r\n",
    );
    expect(entry?.comment).toBe("Viewer");
    expect(entry?.terminal).toBe(true);
  });

  test("a file with no [Desktop Entry] group is none", () => {
    expect(parseDesktopFile(PATH, "[KDE Desktop Entry]\nExec=x\n")).toBeUndefined();
    expect(parseDesktopFile(PATH, "")).toBeUndefined();
  });
});

const entry = (exec: string) => ({ exec, icon: "org.inkscape.Inkscape", name: "Inkscape", path: PATH });

describe("parseExec: the Exec key into a recipe's command", () => {
  test.each([
    ["inkscape %F", ["inkscape"]],
    ["galculator", ["galculator"]],
    ["/usr/bin/xpdf", ["/usr/bin/xpdf"]],
    ["featherpad %U", ["featherpad"]],
    ["hexchat --existing %U", ["hexchat", "--existing"]],
    ["jedit %F -reuseview", ["jedit", "-reuseview"]],
    ['"/usr/bin/quoted" -x', ["/usr/bin/quoted", "-x"]],
    ['prog "a\\\\b" "x\\$y" "\\"q\\""', ["prog", "a\\b", "x$y", '"q"']],
    ["prog %i", ["prog", "--icon", "org.inkscape.Inkscape"]],
    ["prog --name=%c", ["prog", "--name=Inkscape"]],
    ["prog %k", ["prog", PATH]],
    ["prog 100%%", ["prog", "100%"]],
    ["prog %d %D %n %N %v %m", ["prog"]],
    ["env GDK_BACKEND=x11 prog", ["env", "GDK_BACKEND=x11", "prog"]],
    ["  spaced   out  ", ["spaced", "out"]],
  ])("%s", (exec, argv) => {
    expect(parseExec(entry(exec))).toEqual({ ok: true, argv });
  });

  test.each([
    ["", "names no program"],
    ["%F", "names no program"],
    ["sh -c 'a; b'", "as a shell would"],
    ["prog > /tmp/log", "as a shell would"],
    ["prog | tee", "as a shell would"],
    ["prog $HOME", "as a shell would"],
    ["prog `id`", "as a shell would"],
    ["prog ~/x", "as a shell would"],
    ['prog "unclosed', "never closed"],
    ['prog "two words"', "cannot say"],
    ['prog ""', "cannot say"],
    ["prog %z", "field code %z"],
    ["prog --name=%c", "cannot say"],
  ])("%s is refused: %s", (exec, problem) => {
    const e = exec === "prog --name=%c" ? { ...entry(exec), name: "Two Words" } : entry(exec);
    const result = parseExec(e);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toContain(problem);
  });
});
