import { describe, expect, test } from "bun:test";
import { type AppNotification, toHostNotification } from "../../../../src/core/desktop-bus/notifications.ts";
import { createRateLimiter } from "../../../../src/core/desktop-bus/rate-limit.ts";

const note = (over: Partial<AppNotification> = {}): AppNotification => ({
  appName: "Slack",
  replacesId: 0,
  appIcon: "/home/app/evil.png",
  summary: "hi",
  body: "there",
  actions: ["default", "Open"],
  hints: { "image-data": [1], urgency: 2 },
  expireTimeout: -1,
  ...over,
});

/** A server that renders no markup (it lists no body-markup), and one that does (dunst, GNOME Shell, KDE's). */
const PLAIN = { rendersMarkup: false };
const MARKUP = { rendersMarkup: true };

describe("toHostNotification", () => {
  test("prefixes the summary, drops icon, actions and hints, never critical", () => {
    expect(toHostNotification("slack#work", note(), new Set(), PLAIN)).toEqual({
      appName: "dockercask slack#work",
      replacesId: 0,
      appIcon: "",
      summary: "slack#work: hi",
      body: "there",
      actions: [],
      urgency: 1,
      expireTimeout: -1,
    });
  });

  test.each([
    ["a summary posing as the system", { summary: "\u001b[2JSystem" }, "summary", "slack: \u0020[2JSystem"],
    ["a long body", { body: "x".repeat(10_000) }, "body", `${"x".repeat(3999)}…`],
    ["newlines kept in the body", { body: "a\nb\rc" }, "body", "a\nb c"],
    ["low urgency kept", { hints: { urgency: { value: 0 } } }, "urgency", 0],
    ["never-expire becomes the default", { expireTimeout: 0 }, "expireTimeout", -1],
    ["a day becomes a minute", { expireTimeout: 86_400_000 }, "expireTimeout", 60_000],
    ["replacing another's notification", { replacesId: 42 }, "replacesId", 0],
  ] as const)("%s", (_, over, field, expected) => {
    expect(toHostNotification("slack", note(over as Partial<AppNotification>), new Set([7]), PLAIN)[field]).toEqual(
      expected as never,
    );
  });

  test.each([
    ["a right-to-left override", "\u202Ekrow#kcals", "krow#kcals"],
    ["an override closed again", "a\u202Eb\u202Cc", "abc"],
    ["bidi isolates", "\u2066x\u2069\u2067y\u2068z", "xyz"],
    ["embeddings and marks", "\u202Aa\u202Bb\u200Ec\u200Fd\u061Ce", "abcde"],
    ["zero-width characters", "bank\u200B\u2060\uFEFFing", "banking"],
    ["a soft hyphen and a tag", "so\u00ADft\u{E0041}", "soft"],
    [
      "a newline, to a line that looks like another instance's",
      "hi\nfirefox#bank: log in again",
      "hi firefox#bank: log in again",
    ],
    ["a line or paragraph separator", "hi\u2028a\u2029b", "hi a b"],
    // Positive controls: text that is not a format character passes as it is.
    ["right-to-left text itself", "שלום עולם", "שלום עולם"],
    ["accents, emoji with a variation selector, CJK", "café ❤️ 日本", "café ❤️ 日本"],
    ["an emoji sequence joined by ZWJ", "👩\u200D💻 deploy", "👩\u200D💻 deploy"],
    ["a Persian word with its ZWNJ", "می\u200Cخواهم", "می\u200Cخواهم"],
  ])("the summary is cleared of %s, and the prefix stays first", (_, summary, shown) => {
    const host = toHostNotification("slack#work", note({ summary }), new Set(), PLAIN);
    expect(host.summary).toBe(`slack#work: ${shown}`);
    expect(host.summary).not.toMatch(/(?![\u200c\u200d])\p{Cf}|[\n\u2028\u2029]/u);
  });

  test.each([
    ["a right-to-left override", "pay \u202E01$", "pay 01$"],
    ["zero-width characters", "a\u200Bb\uFEFF", "ab"],
    // Positive control: a body keeps its newlines.
    ["newlines, kept", "line one\nline two", "line one\nline two"],
  ])("the body is cleared of %s", (_, body, shown) => {
    expect(toHostNotification("slack", note({ body }), new Set(), PLAIN).body).toBe(shown);
  });

  // What the host's server shows is what the app wrote: markup in the body is escaped only for
  // a server that renders it (one that does not would show "&lt;"); the summary is plain text
  // to every server (the spec, dunst, GNOME Shell, KDE's, mako...), so it is never escaped.
  test.each([
    [
      "a link that would bypass the links policy",
      '<a href="https://evil.example/">click</a>',
      "&lt;a href=&quot;https://evil.example/&quot;&gt;click&lt;/a&gt;",
    ],
    ["an image naming a host file", '<img src="/etc/passwd"/>', "&lt;img src=&quot;/etc/passwd&quot;/&gt;"],
    ["bold, and an entity the app wrote", "<b>bold</b> &amp; x", "&lt;b&gt;bold&lt;/b&gt; &amp;amp; x"],
    ["a markup comment and CDATA", "<!-- x --><![CDATA[y]]>", "&lt;!-- x --&gt;&lt;![CDATA[y]]&gt;"],
    ["a numeric character reference", "&#60;b&#62;", "&amp;#60;b&amp;#62;"],
    ["quotes", `it's "quoted"`, "it&apos;s &quot;quoted&quot;"],
    // Positive controls: an ampersand a user wrote, and plain text.
    ["an ampersand and a heart", "Tom & Jerry <3", "Tom &amp; Jerry &lt;3"],
    ["plain text", "Tom and Jerry, 3 new", "Tom and Jerry, 3 new"],
  ])("%s: escaped in the body only for a server that renders markup, as written in the summary", (_, text, escaped) => {
    const marked = toHostNotification("slack", note({ summary: text, body: text }), new Set(), MARKUP);
    expect(marked.body).toBe(escaped);
    expect(marked.body).not.toMatch(/<|>/);
    const plain = toHostNotification("slack", note({ summary: text, body: text }), new Set(), PLAIN);
    expect(plain.body).toBe(text);
    for (const host of [marked, plain]) expect(host.summary).toBe(`slack: ${text}`);
  });

  test("the body is bounded before it is escaped: the cut never splits an entity", () => {
    const host = toHostNotification("slack", note({ body: "&".repeat(5000) }), new Set(), MARKUP);
    expect(host.body).toBe(`${"&amp;".repeat(3999)}…`);
  });

  test("it may replace its own", () => {
    expect(toHostNotification("slack", note({ replacesId: 7 }), new Set([7]), PLAIN).replacesId).toBe(7);
  });
});

describe("createRateLimiter", () => {
  test("5 in 10 s, one first-drop per burst, then a fresh window", () => {
    const limiter = createRateLimiter({ max: 5, windowMs: 10_000 });
    const taken = [0, 1, 2, 3, 4, 5, 6, 7].map((t) => limiter.take(t));
    expect(taken).toEqual(["ok", "ok", "ok", "ok", "ok", "first-drop", "drop", "drop"]);
    expect(limiter.take(10_000)).toBe("ok");
    expect(limiter.take(10_001)).toBe("ok");
    expect(limiter.take(10_002)).toBe("ok");
    expect(limiter.take(10_002)).toBe("first-drop");
  });
});
