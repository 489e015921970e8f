import { describe, expect, test } from "bun:test";
import { checkUrl } from "../../../src/core/url.ts";

describe("checkUrl", () => {
  test.each([
    ["https://example.org/a?b=c#d", "https"],
    ["HTTP://example.org", "http"],
    ["mailto:someone@example.org?subject=hi", "mailto"],
    ["https://example.org/$(id)`id`;rm", "https"],
    // Positive controls for the refusals below: an @ after the host, a long link, non-ASCII text.
    ["https://example.org/people/@someone?by=a@b.example", "https"],
    ["https://example.org:8443/a#@x", "https"],
    [`https://www.example.org/${"A".repeat(1500)}/${"b".repeat(800)}`, "https"],
    ["https://bücher.example/straße?q=日本", "https"],
    ["mailto:a@example.org,b@example.net?cc=c@example.com&body=@x", "mailto"],
  ])("carries %s", (url, scheme) => {
    expect(checkUrl(url)).toEqual({ ok: true, url, scheme: scheme as "http" });
  });

  test.each([
    ["file:///etc/passwd", "file: scheme"],
    ["javascript:alert(1)", "javascript: scheme"],
    ["data:text/html,x", "data: scheme"],
    ["x-scheme-handler:foo", "x-scheme-handler: scheme"],
    ["/etc/passwd", "no scheme"],
    ["https://example.org/\n", "control characters"],
    ["https://example.org/\u001b[2J", "control characters"],
    ["https://example.org/\u009b", "control characters"],
    ["https://example.org/a b", "white space"],
    ["https:/no-host", "needs a host"],
    ["https://exa%mple.org/", "not a valid https URL"],
    ["https://[::1/", "not a valid https URL"],
    // User info: what reads as the host is not where the link goes.
    ["https://www.mybank.com@evil.example/", "user name or password"],
    ["http://user:pass@evil.example/", "user name or password"],
    ["https://@evil.example/", "user name or password"],
    ["https://:@evil.example/", "user name or password"],
    [`https://www.mybank.com${"A".repeat(1500)}@evil.example/${"p".repeat(800)}`, "user name or password"],
    ["HTTPS://a@evil.example", "user name or password"],
    // Unicode format characters (\p{Cf}), which reorder or hide text on screen.
    ["https://evil.example/\u202Emoc.knabym//:sptth", "format characters"],
    ["https://example.org/\u2066a\u2069", "format characters"],
    ["https://example.org/\u2067a", "format characters"],
    ["https://example.org/\u2068a", "format characters"],
    ["https://www.mybank.com\u200B.evil.example/", "format characters"],
    ["https://example.org/\u200Fa\u200E", "format characters"],
    ["https://example.org/\uFEFF", "format characters"],
    ["https://example.org/so\u00ADft", "format characters"],
    ["https://example.org/\u{E0041}", "format characters"],
    ["mailto:a@\u202Eelpmaxe.org", "format characters"],
    [`https://example.org/${"a".repeat(64 * 1024)}`, "longer than 64 KiB"],
  ])("refuses %p", (url, reason) => {
    const checked = checkUrl(url);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.reason).toContain(reason);
  });
});
