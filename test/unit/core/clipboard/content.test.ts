import { describe, expect, test } from "bun:test";
import {
  CARRIED_TARGETS,
  type ClipboardContent,
  chooseTarget,
  contentOf,
  describeContent,
  isTextTarget,
  parseTargets,
  sameContent,
  textContent,
} from "../../../../src/core/clipboard/content.ts";

describe("chooseTarget", () => {
  test.each<[string, string[], string | undefined]>([
    ["xclip serving text", ["TARGETS", "UTF8_STRING"], "UTF8_STRING"],
    [
      "xterm: text targets only, UTF-8 asked for",
      ["TIMESTAMP", "TARGETS", "UTF8_STRING", "COMPOUND_TEXT", "TEXT", "STRING"],
      "UTF8_STRING",
    ],
    [
      "a GTK app's text",
      [
        "TIMESTAMP",
        "TARGETS",
        "MULTIPLE",
        "SAVE_TARGETS",
        "UTF8_STRING",
        "COMPOUND_TEXT",
        "TEXT",
        "STRING",
        "text/plain;charset=utf-8",
        "text/plain",
      ],
      "UTF8_STRING",
    ],
    ["only text/plain;charset=utf-8", ["TARGETS", "text/plain;charset=utf-8"], "text/plain;charset=utf-8"],
    ["only STRING (an old client)", ["TARGETS", "STRING"], "STRING"],
    [
      "a browser's Copy Image: image/png plus text/html, no plain text: the image",
      ["TARGETS", "text/html", "text/_moz_htmlinfo", "image/jpeg", "image/png", "image/bmp"],
      "image/png",
    ],
    ["a screenshot tool: image/png only", ["TARGETS", "image/png"], "image/png"],
    ["no png: the first other image type the owner offers", ["TARGETS", "image/jpeg", "image/bmp"], "image/jpeg"],
    [
      "cells offered as text and as a picture: the text",
      ["TARGETS", "text/plain;charset=utf-8", "text/html", "image/png", "image/bmp"],
      "text/plain;charset=utf-8",
    ],
    [
      "a file manager's file list: nothing carried",
      ["TARGETS", "x-special/gnome-copied-files", "text/uri-list"],
      undefined,
    ],
    ["text/html alone is not plain text: nothing carried", ["TARGETS", "text/html"], undefined],
    ["an image/ target with odd characters is not taken", ["TARGETS", 'image/png;x="1"'], undefined],
    ["an SVG is a document, not an image we carry: nothing carried", ["TARGETS", "image/svg+xml"], undefined],
    [
      "a type whose decoder an app could pick (TGA, TIFF): not carried",
      ["TARGETS", "image/x-tga", "image/tiff"],
      undefined,
    ],
    [
      "an uncarried type first, a carried one after it: the carried one",
      ["TARGETS", "image/tiff", "image/gif"],
      "image/gif",
    ],
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

const bytes = (...values: (number | string)[]) =>
  new Uint8Array(values.flatMap((v) => (typeof v === "string" ? [...new TextEncoder().encode(v)] : [v])));
const PNG_START = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

describe("contentOf: an image is carried only when its bytes begin as its type says", () => {
  test.each<[string, string, Uint8Array, boolean]>([
    ["a PNG", "image/png", bytes(...PNG_START, 0, 0, 0, 13), true],
    [
      "PNG bytes with one byte of the signature wrong",
      "image/png",
      bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0b, 0),
      false,
    ],
    [
      "an SVG document offered as image/png",
      "image/png",
      bytes('<svg xmlns="http://www.w3.org/2000/svg"><image href="http://evil.example/"/></svg>'),
      false,
    ],
    ["a JPEG", "image/jpeg", bytes(0xff, 0xd8, 0xff, 0xe0, 0, 16), true],
    ["a PNG offered as image/jpeg", "image/jpeg", bytes(...PNG_START), false],
    ["a GIF89a", "image/gif", bytes("GIF89a", 1, 0, 1, 0), true],
    ["a GIF87a", "image/gif", bytes("GIF87a", 1, 0, 1, 0), true],
    ["a BMP with its header", "image/bmp", bytes("BM", ...new Array(24).fill(0)), true],
    ["two bytes of BMP and nothing else", "image/bmp", bytes("BM"), false],
    ["a WebP", "image/webp", bytes("RIFF", 0, 0, 0, 0, "WEBPVP8 "), true],
    ["a RIFF that is not WebP (a WAV)", "image/webp", bytes("RIFF", 0, 0, 0, 0, "WAVEfmt "), false],
    ["an empty image", "image/png", bytes(), false],
    ["a type we do not carry, whatever its bytes", "image/x-tga", bytes(...PNG_START), false],
  ])("%s", (_, target, data, carried) => {
    expect(contentOf(target, data)).toEqual(carried ? { target, data } : { malformed: target });
  });
});

describe("contentOf: text is carried as valid UTF-8", () => {
  test.each<[string, string, Uint8Array, string]>([
    ["UTF-8 as it is", "UTF8_STRING", bytes("naïve 😀"), "naïve 😀"],
    ["STRING is Latin-1, converted", "STRING", bytes("caf", 0xe9, " ", 0xa3, "5"), "café £5"],
    ["invalid UTF-8 becomes U+FFFD, never passed on", "UTF8_STRING", bytes("a", 0xff, 0xfe, "b"), "a\uFFFD\uFFFDb"],
    ["text/plain read as UTF-8", "text/plain", bytes("plain ü"), "plain ü"],
    ["TEXT read as UTF-8", "TEXT", bytes("x"), "x"],
  ])("%s", (_, target, data, text) => {
    expect(contentOf(target, data)).toEqual(textContent(text));
  });

  test("a large STRING converts whole (no argument-count limit)", () => {
    const data = new Uint8Array(300_000).fill(0xe9);
    expect(new TextDecoder().decode((contentOf("STRING", data) as ClipboardContent).data)).toBe("é".repeat(300_000));
  });
});

test("the carried targets: text first, then the five raster image types, and nothing else", () => {
  expect([...CARRIED_TARGETS]).toEqual([
    "UTF8_STRING",
    "text/plain;charset=utf-8",
    "STRING",
    "text/plain",
    "TEXT",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/bmp",
    "image/webp",
  ]);
});
