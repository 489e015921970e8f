import { describe, expect, test } from "bun:test";
import {
  appCategories,
  buildExec,
  desktopFileId,
  entryIcon,
  entryInstance,
  escapeString,
  quoteExecArg,
  renderDesktopEntry,
  unescapeString,
  windowClassName,
} from "../../../../src/core/catalog/desktop-entry.ts";
import { parseInstanceName } from "../../../../src/core/instance/name.ts";
import { entryValue as key, parseExec } from "../../../support/desktop-exec.ts";

describe("quoteExecArg", () => {
  test.each([
    ["a plain word stays bare", "dockercask", "dockercask"],
    ["an instance with # is quoted (# is reserved)", "firefox#work", '"firefox#work"'],
    ["a path without reserved characters stays bare", "/usr/local/bin/dockercask", "/usr/local/bin/dockercask"],
    ["a space forces quotes", "/opt/my apps/dockercask", '"/opt/my apps/dockercask"'],
    ["a double quote is escaped inside quotes", 'say "hi"', '"say \\"hi\\""'],
    ["dollar and backtick are escaped", "$HOME`x`", '"\\$HOME\\`x\\`"'],
    ["a backslash is escaped inside quotes", "a\\b", '"a\\\\b"'],
    ["percent is doubled so it is no field code", "100%", "100%%"],
    ["the empty argument is an empty quoted string", "", '""'],
  ])("%s", (_, arg, expected) => {
    expect(quoteExecArg(arg)).toBe(expected);
  });
});

describe("buildExec", () => {
  test.each([
    ["the default instance", ["dockercask", "run", "xeyes"], "dockercask run xeyes"],
    ["an instance with an id", ["dockercask", "run", "firefox#work"], 'dockercask run "firefox#work"'],
    // Quoting first, then the string escapes: one backslash in the argument becomes four.
    [
      "a backslash in a quoted argument is written as four",
      ["/opt/a b\\c/dockercask"],
      '"/opt/a b\\\\\\\\c/dockercask"',
    ],
  ])("%s", (_, argv, expected) => {
    expect(buildExec(argv)).toBe(expected);
  });

  test.each([
    [["dockercask", "run", "firefox#work"]],
    [["/home/ann/My Apps/dockercask", "run", "xeyes#1"]],
    [['/tmp/we"ird $dir`/\\x%y', "run", "a#b"]],
    [["/tmp/tab\there/dockercask", "run", "x"]],
  ])("a launcher reading the spec gets the argv back: %j", (argv) => {
    expect(parseExec(buildExec(argv))).toEqual(argv);
  });
});

describe("escapeString", () => {
  test.each([
    ["plain", "firefox#work", "firefox#work"],
    ["backslash", "a\\b", "a\\\\b"],
    ["newline and tab", "a\nb\tc", "a\\nb\\tc"],
    ["a leading space survives the reader's trimming", " x", "\\sx"],
  ])("%s", (_, value, expected) => {
    expect(escapeString(value)).toBe(expected);
    expect(unescapeString(escapeString(value))).toBe(value);
  });
});

describe("names", () => {
  test.each([
    ["xeyes", "dockercask-xeyes"],
    ["firefox#work", "dockercask-firefox.work"],
    ["firefox#1", "dockercask-firefox.1"],
  ])("%s -> file id and window class %s (no # in either)", (input, expected) => {
    const name = parseInstanceName(input);
    expect(desktopFileId(name)).toBe(expected);
    expect(windowClassName(name)).toBe(expected);
  });

  test.each([
    ["firefox", ["Network", "WebBrowser"]],
    ["xeyes", ["Utility"]],
    ["some-user-app", ["Utility"]],
  ])("categories of %s", (app, expected) => {
    expect(appCategories(app)).toEqual(expected);
  });
});

describe("renderDesktopEntry", () => {
  const render = (instance: string, program = "dockercask", description = "A browser") =>
    renderDesktopEntry({ name: parseInstanceName(instance), description, program, icon: "dockercask-firefox" });

  test("has every key a menu and a taskbar need", () => {
    const text = render("firefox#work");
    expect(text.startsWith("[Desktop Entry]\n")).toBe(true);
    expect(key(text, "Type")).toBe("Application");
    expect(key(text, "Name")).toBe("firefox#work");
    expect(key(text, "Icon")).toBe("dockercask-firefox");
    expect(key(text, "Exec")).toBe('dockercask run "firefox#work"');
    expect(key(text, "TryExec")).toBe("dockercask");
    expect(key(text, "Categories")).toBe("Network;WebBrowser;");
    expect(key(text, "StartupWMClass")).toBe("dockercask-firefox.work");
    expect(key(text, "Comment")).toBe("A browser (dockercask)");
  });

  test("an app without a description still gets a comment", () => {
    expect(key(render("xeyes", "dockercask", ""), "Comment")).toBe("xeyes in a hardened dockercask container");
  });

  test("a binary off PATH is named by its absolute path, quoted when it must be", () => {
    const text = render("xeyes", "/home/ann/my apps/dockercask");
    expect(key(text, "Exec")).toBe('"/home/ann/my apps/dockercask" run xeyes');
    expect(key(text, "TryExec")).toBe("/home/ann/my apps/dockercask");
  });

  test("an app that opens files is offered for their types, and is given them through open", () => {
    const text = renderDesktopEntry({
      name: parseInstanceName("xpdf#work"),
      description: "",
      program: "/opt/100% sure/dockercask",
      icon: "dockercask-xpdf",
      mimeTypes: ["application/pdf", "application/x-pdf"],
    });
    expect(key(text, "Exec")).toBe('"/opt/100%% sure/dockercask" open "xpdf#work" %F');
    expect(key(text, "MimeType")).toBe("application/pdf;application/x-pdf;");
    expect(key(render("firefox#work"), "MimeType")).toBeUndefined();
  });

  test("is recognised as ours, with its instance and icon", () => {
    const text = render("firefox#work");
    expect(entryInstance(text)).toBe("firefox#work");
    expect(entryIcon(text)).toBe("dockercask-firefox");
    expect(entryInstance("[Desktop Entry]\nName=Something else\n")).toBeUndefined();
  });
});
