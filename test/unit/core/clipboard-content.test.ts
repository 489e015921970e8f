import { describe, expect, test } from "bun:test";
import { chooseTarget, describeContent, isTextTarget, parseTargets, sameContent, textContent, type ClipboardContent } from "../../../src/core/clipboard-content.ts";

describe("chooseTarget", () => {
  test.each<[string, string[], string | undefined]>([
    ["xclip serving text", ["TARGETS", "UTF8_STRING"], "UTF8_STRING"],
    ["xterm: text targets only, UTF-8 asked for", ["TIMESTAMP", "TARGETS", "UTF8_STRING", "COMPOUND_TEXT", "TEXT", "STRING"], "UTF8_STRING"],
    ["a GTK app's text", ["TIMESTAMP", "TARGETS", "MULTIPLE", "SAVE_TARGETS", "UTF8_STRING", "COMPOUND_TEXT", "TEXT", "STRING", "text/plain;charset=utf-8", "text/plain"], "UTF8_STRING"],
    ["only text/plain;charset=utf-8", ["TARGETS", "text/plain;charset=utf-8"], "text/plain;charset=utf-8"],
    ["only STRING (an old client)", ["TARGETS", "STRING"], "STRING"],
    ["a browser's Copy Image: image/png plus text/html, no plain text: the image", ["TARGETS", "text/html", "text/_moz_htmlinfo", "image/jpeg", "image/png", "image/bmp"], "image/png"],
    ["a screenshot tool: image/png only", ["TARGETS", "image/png"], "image/png"],
    ["no png: the first other image type the owner offers", ["TARGETS", "image/jpeg", "image/bmp"], "image/jpeg"],
    ["cells offered as text and as a picture: the text", ["TARGETS", "text/plain;charset=utf-8", "text/html", "image/png", "image/bmp"], "text/plain;charset=utf-8"],
    ["a file manager's file list: nothing carried", ["TARGETS", "x-special/gnome-copied-files", "text/uri-list"], undefined],
    ["text/html alone is not plain text: nothing carried", ["TARGETS", "text/html"], undefined],
    ["an image/ target with odd characters is not taken", ["TARGETS", 'image/png;x="1"'], undefined],
    ["nothing offered", [], undefined],
  ])("%s", (_, offered, expected) => {
    expect(chooseTarget(offered)).toBe(expected);
  });
});

test.each<[string, string[]]>([
  ["TARGETS\nUTF8_STRING\n", ["TARGETS", "UTF8_STRING"]],
  ["TARGETS\r\nimage/png\r\n\r\n", ["TARGETS", "image/png"]],
  ["", []],
])("parseTargets(%p)", (output, expected) => {
  expect(parseTargets(output)).toEqual(expected);
});

test.each<[string, boolean]>([
  ["UTF8_STRING", true],
  ["text/plain;charset=utf-8", true],
  ["STRING", true],
  ["text/html", false],
  ["image/png", false],
])("isTextTarget(%p) is %p", (target, expected) => {
  expect(isTextTarget(target)).toBe(expected);
});

const png = (...bytes: number[]): ClipboardContent => ({ target: "image/png", data: new Uint8Array(bytes) });

test.each<[string, ClipboardContent | undefined, ClipboardContent | undefined, boolean]>([
  ["the same bytes and type", png(0, 255, 10), png(0, 255, 10), true],
  ["one byte differs", png(0, 255, 10), png(0, 255, 11), false],
  ["one is longer", png(0, 255), png(0, 255, 0), false],
  ["the same bytes, another type", png(0x61), textContent("a"), false],
  ["text and text", textContent("é"), textContent("é"), true],
  ["nothing on one side", png(1), undefined, false],
  ["nothing on both", undefined, undefined, false],
])("sameContent: %s", (_, a, b, expected) => {
  expect(sameContent(a, b)).toBe(expected);
});

test.each<[ClipboardContent, string]>([
  [textContent("héllo"), "text (6 bytes)"],
  [png(1, 2, 3), "image/png (3 bytes)"],
])("describeContent names the kind and size, never the content", (content, expected) => {
  expect(describeContent(content)).toBe(expected);
});
