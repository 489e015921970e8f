import { describe, expect, test } from "bun:test";
import {
  classifyItem,
  explainUnsafeFileName,
  OpenRefusedError,
  openableUrl,
  pickFreeName,
} from "../../../../src/core/files/open-items.ts";
import { MAX_URL_BYTES } from "../../../../src/core/url.ts";

describe("classifyItem", () => {
  test.each([
    ["https://example.org/", "url"],
    ["mailto:a@example.org", "url"],
    ["file:///etc/passwd", "url"],
    ["javascript:alert(1)", "url"],
    ["report.pdf", "file"],
    ["../notes:v2.txt", "file"],
    ["/tmp/a b.pdf", "file"],
    // One letter is no scheme: a file.
    ["a:b", "file"],
  ])("%p is a %s", (arg, kind) => {
    expect(classifyItem(arg).kind).toBe(kind as "url" | "file");
  });
});

describe("openableUrl", () => {
  test.each([
    "https://example.org/a?b=c#d",
    "http://localhost:8080/",
    "HTTPS://EXAMPLE.ORG/",
    "mailto:someone@example.org?subject=hi",
  ])("carries %p", (url) => {
    expect(openableUrl(url)).toBe(url);
  });

  test.each([
    ["file:///etc/passwd", /file: URLs would name host paths/],
    ["javascript:alert(1)", /javascript: URLs are not carried/],
    ["data:text/html,<script>", /data: URLs are not carried/],
    ["ftp://example.org/", /ftp: URLs are not carried/],
    ["https://example.org/\nX-Injected: 1", /control character/],
    ["https://example.org/\u0000", /control character/],
    ["https://example.org/\u009b31m", /control character/],
    ["https://exa mple.org/", /white space/],
    // The rules links follow, now the same for open: format characters and user@host.
    ["https://evil.example/\u202Emoc.knabym//:sptth", /format characters/],
    ["https://www.mybank.com@evil.example/", /user name or password/],
    [`https://example.org/${"a".repeat(MAX_URL_BYTES)}`, /64 KiB/],
  ])("refuses %p", (url, reason) => {
    expect(() => openableUrl(url)).toThrow(OpenRefusedError);
    expect(() => openableUrl(url)).toThrow(reason);
  });

  test("a refused URL is an error for the user with a hint, exit 2", () => {
    try {
      openableUrl("file:///etc/passwd");
    } catch (error) {
      expect(error).toMatchObject({ code: "E_OPEN_REFUSED", exitCode: 2 });
      expect((error as OpenRefusedError).hint).toContain("http, https, mailto");
    }
  });
});

describe("explainUnsafeFileName", () => {
  test.each(["report.pdf", "a b.txt", ".hidden", "été.odt", "-rf", "x".repeat(255)])("accepts %p", (name) => {
    expect(explainUnsafeFileName(name)).toBeUndefined();
  });

  test.each([
    ["", /no file name/],
    [".", /no file name/],
    ["..", /no file name/],
    ["a/b", /'\/'/],
    ["a\nb.pdf", /control character/],
    ["a\u001b[31m.pdf", /control character/],
    ["invoice\u202efdp.exe", /bidirectional/],
    ["\ufffd.pdf", /UTF-8/],
    [".dockercask-ready-1", /dockercask's own/],
    ["é".repeat(128), /255 bytes/],
  ])("refuses %p", (name, reason) => {
    expect(explainUnsafeFileName(name)).toMatch(reason);
  });
});

describe("pickFreeName", () => {
  test.each<[string, string[], string]>([
    ["report.pdf", [], "report.pdf"],
    ["report.pdf", ["report.pdf"], "report-1.pdf"],
    ["report.pdf", ["report.pdf", "report-1.pdf"], "report-2.pdf"],
    ["archive.tar.gz", ["archive.tar.gz"], "archive-1.tar.gz"],
    ["README", ["README"], "README-1"],
    [".bashrc", [".bashrc"], ".bashrc-1"],
  ])("%p beside %p is %p", async (name, taken, expected) => {
    expect(await pickFreeName(name, (n) => taken.includes(n))).toBe(expected);
  });

  test("an async check (the container asked) works the same", async () => {
    expect(await pickFreeName("a.txt", async (n) => n === "a.txt")).toBe("a-1.txt");
  });

  test("too many of one name: refused, not looped on", async () => {
    expect(pickFreeName("a.txt", () => true, 3)).rejects.toThrow(OpenRefusedError);
  });
});
