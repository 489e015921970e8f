import { describe, expect, test } from "bun:test";
import {
  alternateAppName,
  debAppName,
  instanceOf,
  isDebSource,
  isDebTarget,
  parseDebTarget,
} from "../../../../src/core/deb/target.ts";
import { DockercaskError } from "../../../../src/core/errors.ts";

describe("parseDebTarget: deb:<package>[/<entry>][#id]", () => {
  test.each([
    ["deb:inkscape", { package: "inkscape", entry: undefined, id: "", source: "deb:inkscape" }],
    ["deb:inkscape#work", { package: "inkscape", entry: undefined, id: "work", source: "deb:inkscape" }],
    [
      "deb:xterm/debian-uxterm",
      { package: "xterm", entry: "debian-uxterm", id: "", source: "deb:xterm/debian-uxterm" },
    ],
    [
      "deb:gnome-calculator/org.gnome.Calculator#a-1",
      {
        package: "gnome-calculator",
        entry: "org.gnome.Calculator",
        id: "a-1",
        source: "deb:gnome-calculator/org.gnome.Calculator",
      },
    ],
    ["deb:libreoffice-calc", { package: "libreoffice-calc", entry: undefined, id: "", source: "deb:libreoffice-calc" }],
    ["deb:g++", { package: "g++", entry: undefined, id: "", source: "deb:g++" }],
    ["deb:0ad", { package: "0ad", entry: undefined, id: "", source: "deb:0ad" }],
  ])("%s", (input, expected) => {
    expect(parseDebTarget(input)).toEqual(expected);
  });

  test.each([
    ["deb:", "is empty"],
    ["deb:a", "a Debian package name"],
    ["deb:Inkscape", "a Debian package name"],
    ["deb:ink scape", "a Debian package name"],
    ["deb:../etc", "a Debian package name"],
    ["deb:-x", "a Debian package name"],
    ["deb:ink;rm", "a Debian package name"],
    ["deb:inkscape/", "desktop entry"],
    ["deb:inkscape/../x", "desktop entry"],
    ["deb:inkscape/a b", "desktop entry"],
    ["deb:inkscape/a/b", "desktop entry"],
    ["deb:inkscape#", "empty"],
    ["deb:inkscape#Work", "lower case"],
    ["deb:inkscape#a#b", "more than one"],
    [`deb:${"a".repeat(101)}`, "a Debian package name"],
  ])("%s is refused: %s", (input, reason) => {
    let error: unknown;
    try {
      parseDebTarget(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DockercaskError);
    expect((error as DockercaskError).exitCode).toBe(2);
    expect((error as DockercaskError).message).toContain(reason);
    expect((error as DockercaskError).hint).toBeTruthy();
  });

  test("only a name that starts with deb: is one", () => {
    expect(isDebTarget("deb:x")).toBe(true);
    expect(isDebTarget("firefox#deb")).toBe(false);
    expect(isDebTarget("debian")).toBe(false);
  });
});

describe("debAppName: the app a package runs as", () => {
  test.each([
    [{ package: "inkscape", entry: undefined }, "inkscape"],
    [{ package: "gnome-calculator", entry: undefined }, "gnome-calculator"],
    [{ package: "gnome-calculator", entry: "org.gnome.Calculator" }, "calculator"],
    [{ package: "xterm", entry: "debian-uxterm" }, "debian-uxterm"],
    [{ package: "g++", entry: undefined }, "gplusplus"],
    [{ package: "0ad", entry: undefined }, "deb-0ad"],
    [{ package: "python3.11", entry: undefined }, "python3-11"],
    [{ package: "a".repeat(40), entry: undefined }, "a".repeat(32)],
    [{ package: "x", entry: "Foo_Bar" }, "foo-bar"],
    [{ package: "x", entry: "org.example.-" }, undefined],
  ])("%j is %s", (target, expected) => {
    expect(debAppName(target)).toBe(expected);
  });

  test("another app's name gets -deb, within the length limit", () => {
    expect(alternateAppName("xterm")).toBe("xterm-deb");
    expect(alternateAppName("a".repeat(32))).toBe(`${"a".repeat(28)}-deb`);
  });

  test("the instance keeps the id written", () => {
    expect(instanceOf("inkscape", { id: "" })).toBe("inkscape");
    expect(instanceOf("inkscape", { id: "work" })).toBe("inkscape#work");
  });
});

describe("isDebSource: what a recipe's source label may say", () => {
  test.each([
    ["deb:inkscape", true],
    ["deb:xterm/debian-uxterm", true],
    ["deb:gnome-calculator/org.gnome.Calculator", true],
    ["deb:g++", true],
    ["deb:", false],
    ["deb:a", false],
    ["deb:Inkscape", false],
    ["deb:xterm/", false],
    ["deb:xterm/a/b", false],
    ["deb:xterm/a b", false],
    ["deb:xterm#work", false],
    ["inkscape", false],
  ])("%s: %p", (value, ok) => {
    expect(isDebSource(value)).toBe(ok);
  });
});
