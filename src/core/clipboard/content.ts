/**
 * What the clipboard carries: one value, as the bytes of one X selection target (UTF8_STRING for
 * text, a MIME type such as image/png for an image). An image's bytes pass untouched once they
 * are seen to be of their type; text is carried as valid UTF-8.
 */
export interface ClipboardContent {
  /** The target it was read as and is offered as on the other side. */
  target: string;
  data: Uint8Array;
}

/** The target text is carried as, whatever text target its owner offered. */
export const TEXT_TARGET = "UTF8_STRING";

/**
 * Text targets, in the order they are asked for: UTF-8 first; STRING is Latin-1 (ICCCM), so it
 * is converted; TEXT (the owner's choice of encoding) last.
 */
const TEXT_TARGETS = [TEXT_TARGET, "text/plain;charset=utf-8", "STRING", "text/plain", "TEXT"];

/**
 * The image types carried, in the order they are preferred, each with the bytes its files begin
 * with. Only these: the type an image is offered as picks the desktop's decoder (and a clipboard
 * manager decodes every new image at once), so an app must not choose among every image/*
 * decoder the desktop has, and SVG, which is a document (scripts, external references), is not
 * an image here. Bytes that do not begin as their type says are not carried at all.
 */
const IMAGE_SIGNATURES: [target: string, matches: (data: Uint8Array) => boolean][] = [
  ["image/png", (d) => startsWith(d, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])],
  ["image/jpeg", (d) => startsWith(d, [0xff, 0xd8, 0xff])],
  ["image/gif", (d) => startsWith(d, [...ascii("GIF87a")]) || startsWith(d, [...ascii("GIF89a")])],
  ["image/bmp", (d) => startsWith(d, [...ascii("BM")]) && d.length >= 26],
  ["image/webp", (d) => startsWith(d, [...ascii("RIFF")]) && startsWith(d.subarray(8), [...ascii("WEBP")])],
];
const IMAGE_TARGETS = IMAGE_SIGNATURES.map(([target]) => target);

/** Every target name the bridge ever reads: an owner's other names are never even looked up. */
export const CARRIED_TARGETS: readonly string[] = [...TEXT_TARGETS, ...IMAGE_TARGETS];

function ascii(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function startsWith(data: Uint8Array, prefix: ArrayLike<number>): boolean {
  if (data.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (data[i] !== prefix[i]) return false;
  return true;
}

/** Whether the owner's target is text, which is read and carried as UTF8_STRING. */
export function isTextTarget(target: string): boolean {
  return TEXT_TARGETS.includes(target);
}

/**
 * What the bytes an owner gave for `target` are carried as: text as UTF-8 (STRING converted from
 * Latin-1; bytes that are not UTF-8 replaced by U+FFFD, so the other side never gets invalid
 * text), an image as it is when its bytes begin as its type says. `{ malformed }` names an image
 * whose bytes are something else (or a target we do not carry): it is not carried.
 */
export function contentOf(target: string, data: Uint8Array): ClipboardContent | { malformed: string } {
  if (isTextTarget(target)) {
    const text = target === "STRING" ? latin1(data) : new TextDecoder().decode(data);
    return textContent(text);
  }
  const signature = IMAGE_SIGNATURES.find(([type]) => type === target);
  return signature?.[1](data) ? { target, data } : { malformed: target };
}

function latin1(data: Uint8Array): string {
  let text = "";
  for (let i = 0; i < data.length; i += 8192) text += String.fromCharCode(...data.subarray(i, i + 8192));
  return text;
}

export function textContent(text: string): ClipboardContent {
  return { target: TEXT_TARGET, data: new TextEncoder().encode(text) };
}

function isImage(content: ClipboardContent): boolean {
  return content.target.startsWith("image/");
}

/** Text as UTF-8, an image by its type and size: for logs and messages, never the content itself. */
export function describeContent(content: ClipboardContent): string {
  return `${isImage(content) ? content.target : "text"} (${content.data.length} bytes)`;
}

export function sameContent(a: ClipboardContent | undefined, b: ClipboardContent | undefined): boolean {
  if (!a || !b || a.target !== b.target || a.data.length !== b.data.length) return false;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

/**
 * Which of the targets a selection's owner offers (its TARGETS) is read and carried, or
 * undefined when it offers nothing we carry (a file manager's file list, say).
 *
 * Plain text wins when it is offered; otherwise an image of a type we carry: image/png first
 * (every toolkit reads it), then the first other one in the owner's order. Why text first: apps
 * that render text also offer it as a picture (LibreOffice offers cells and shapes as image/png
 * beside their text), and whoever copies cells wants to paste text. An app copying an image
 * offers no plain text: a browser's "Copy Image" offers image/png plus text/html (an <img> tag),
 * which is not plain text, so the image is carried, as its user expects.
 */
export function chooseTarget(offered: string[]): string | undefined {
  const text = TEXT_TARGETS.find((t) => offered.includes(t));
  if (text) return text;
  if (offered.includes("image/png")) return "image/png";
  return offered.find((t) => IMAGE_TARGETS.includes(t));
}

/** `xclip -t TARGETS -o` prints one atom name per line. */
export function parseTargets(output: string): string[] {
  return output
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
}
