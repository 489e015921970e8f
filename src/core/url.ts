/**
 * The one rule for a URL that crosses the box, whichever way: a link an app opens
 * (services/link-router.ts) and a URL `dockercask open` hands an app (core/files/open-items.ts).
 * One copy, so a fix lands in both.
 */
import { isOneOf } from "./one-of.ts";

/** The largest URL carried: far past any real link, well short of a way to move data in bulk. */
export const MAX_URL_BYTES = 64 * 1024;
/** The schemes carried; anything else (file:, javascript:, data:, a custom handler) is refused. */
export const CARRIED_SCHEMES = ["http", "https", "mailto"] as const;

export type UrlCheck =
  | { ok: true; url: string; scheme: (typeof CARRIED_SCHEMES)[number] }
  | { ok: false; reason: string /** Refused for its scheme alone. */; scheme?: true };

/** Whether a URL may be carried at all, whatever the policy. The reason is safe to log (it never quotes the URL). */
export function checkUrl(url: string): UrlCheck {
  if (new TextEncoder().encode(url).length > MAX_URL_BYTES)
    return { ok: false, reason: `it is longer than ${MAX_URL_BYTES / 1024} KiB` };
  // C0, DEL and C1 controls: a newline or an escape in a URL is an attack on whatever shows or parses it.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  if (/[\u0000-\u001f\u007f-\u009f]/.test(url)) return { ok: false, reason: "it holds control characters" };
  // Format characters (bidi overrides and isolates, zero-width spaces, soft hyphens) are invisible,
  // and the first ones reorder what the dialog shows: a host could read as another.
  if (/\p{Cf}/u.test(url))
    return {
      ok: false,
      reason: "it holds invisible Unicode format characters (such as a right-to-left override or a zero-width space)",
    };
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url);
  if (!match) return { ok: false, reason: "it has no scheme" };
  const scheme = match[1]!.toLowerCase();
  if (!isOneOf(CARRIED_SCHEMES, scheme)) {
    const why = scheme === "file" ? "file: URLs would name host paths" : `${scheme}: URLs are not carried`;
    return {
      ok: false,
      reason: `the ${scheme}: scheme is not carried (only ${CARRIED_SCHEMES.join(", ")}): ${why}`,
      scheme: true,
    };
  }
  // A URL with a space is what a shell or a parser splits; real links encode it.
  if (/\s/.test(url)) return { ok: false, reason: "it holds white space" };
  if (scheme !== "mailto") {
    if (!/^[a-z]+:\/\/[^/?#]/i.test(url)) return { ok: false, reason: `an ${scheme} URL needs a host` };
    const parsed = URL.parse(url);
    if (!parsed?.hostname) return { ok: false, reason: `it is not a valid ${scheme} URL` };
    // user@host or user:pass@host: what reads as the host before the @ is not where it goes.
    const authority = /^[a-z]+:\/\/([^/?#]*)/i.exec(url)![1]!;
    if (authority.includes("@") || parsed.username || parsed.password)
      return {
        ok: false,
        reason:
          "it holds a user name or password before its host (user@host), the classic way to make a link read as another site's",
      };
  }
  return { ok: true, url, scheme: scheme as "http" | "https" | "mailto" };
}
