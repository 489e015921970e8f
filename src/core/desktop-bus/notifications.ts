/**
 * What of an app's notification reaches the host's notification server. The summary names the
 * instance, so an app cannot pose as the system or as another app; actions (buttons that would
 * call back into the app) and icons (a path or an image from the app) are dropped; text is
 * bounded and cleared of control characters and of Unicode format characters (\p{Cf}: bidi
 * overrides and isolates, zero-width characters), and the summary is kept on one line: the
 * app's text can neither reorder the prefix on screen nor start a line that looks like another
 * instance's notification. The body reaches a server that renders markup escaped: it shows as
 * text, never as a link or an image.
 */
import { escapeMarkup } from "../text/markup.ts";
export interface AppNotification {
  appName: string;
  replacesId: number;
  appIcon: string;
  summary: string;
  body: string;
  actions: string[];
  hints: Record<string, unknown>;
  expireTimeout: number;
}

export interface HostNotification {
  appName: string;
  replacesId: number;
  appIcon: "";
  summary: string;
  body: string;
  actions: [];
  /** Only `urgency`, and never critical: a critical notification stays until dismissed. */
  urgency: 0 | 1;
  expireTimeout: number;
}

const MAX_SUMMARY_CHARS = 200;
const MAX_BODY_CHARS = 4000;
/** Longest a notification may ask to stay, in ms; 0 (never expire) becomes the server's default. */
const MAX_EXPIRE_MS = 60_000;

/** `replaced` holds the host ids this instance was given: it may replace only its own notifications. */
export function toHostNotification(
  instance: string,
  note: AppNotification,
  replaced: ReadonlySet<number>,
  server: { rendersMarkup: boolean },
): HostNotification {
  const urgency = urgencyOf(note.hints.urgency);
  // The body is text, never markup. A server that lists body-markup (dunst, GNOME Shell, KDE's,
  // mako) renders it: an <a href> would be a link that never passed the links policy, an
  // <img src> would name a host file (KDE shows a local one; dunst offers its path to open).
  // Escaped, it shows the characters the app wrote. A server that lists no body-markup shows
  // the body as it comes (the spec says so, and dunst with `markup = no` quotes it itself), so
  // escaping there would show "&lt;": it gets the text as written.
  // The summary is plain text in the spec, and every server read shows it as such: dunst since
  // 1.4 quotes it itself (1.9.0 checked here), GNOME Shell escapes it, KDE's is PlainText,
  // xfce4-notifyd and swaync set it as text, mako escapes it. Escaped, "R&D" would show as
  // "R&amp;D" on all of them, so it goes as written (cleaned). dunst before 1.4 (2018)
  // rendered it: that one would see the app's markup there.
  const body = clean(note.body, MAX_BODY_CHARS);
  return {
    appName: `dockercask ${instance}`,
    replacesId: replaced.has(note.replacesId) ? note.replacesId : 0,
    appIcon: "",
    summary: `${instance}: ${clean(note.summary.replace(/[\n\u2028\u2029]/g, " "), MAX_SUMMARY_CHARS)}`,
    body: server.rendersMarkup ? escapeMarkup(body) : body,
    actions: [],
    urgency,
    expireTimeout: note.expireTimeout <= 0 ? -1 : Math.min(note.expireTimeout, MAX_EXPIRE_MS),
  };
}

function urgencyOf(value: unknown): 0 | 1 {
  // A hint arrives as a variant; dbus-next hands its value over unwrapped or as { value }.
  const raw =
    typeof value === "object" && value !== null && "value" in value ? (value as { value: unknown }).value : value;
  return raw === 0 ? 0 : 1;
}

function clean(text: string, max: number): string {
  // Newlines are how a body is laid out; other controls (an ESC, a CR) have no business there.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: replacing control characters is the point
  const controls = text.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, " ");
  // Format characters are invisible: dropped, not shown as a space (a right-to-left override
  // reverses what follows it, up to the prefix of the next line a server may join it to). The
  // two joiners stay: they only join or part the letters beside them (emoji sequences, Persian
  // and Indic words need them), and move nothing.
  const cleaned = controls.replace(/(?![\u200c\u200d])\p{Cf}/gu, "");
  return cleaned.length > max ? `${cleaned.slice(0, max - 1)}…` : cleaned;
}

/** What GetServerInformation answers: dockercask, not the host's server (its name and version stay home). */
export const SERVER_INFORMATION = ["dockercask", "dockercask", "1", "1.2"] as const;
/** What GetCapabilities answers: plain text with line breaks; no actions, icons or sounds. */
export const CAPABILITIES = ["body"] as const;
