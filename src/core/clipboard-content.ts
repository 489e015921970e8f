/**
 * What the clipboard carries: one value, as the bytes of one X selection target (UTF8_STRING for
 * text, a MIME type such as image/png for an image). The bytes pass untouched, whatever they are.
 */
export interface ClipboardContent {
  /** The target it was read as and is offered as on the other side. */
  target: string;
  data: Uint8Array;
}

/** The target text is carried as, whatever text target its owner offered. */
export const TEXT_TARGET = "UTF8_STRING";

/** Text targets, in the order they are asked for: UTF-8 first, the rest only when it is all there is. */
const TEXT_TARGETS = [TEXT_TARGET, "text/plain;charset=utf-8", "STRING", "TEXT", "text/plain"];

/** Whether the owner's target is text, which is read and carried as UTF8_STRING. */
export function isTextTarget(target: string): boolean {
  return TEXT_TARGETS.includes(target);
}

export function textContent(text: string): ClipboardContent {
  return { target: TEXT_TARGET, data: new TextEncoder().encode(text) };
}

export function isImage(content: ClipboardContent): boolean {
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
 * Plain text wins when it is offered; otherwise an image: image/png first (every toolkit reads
 * it), then the first other image/* in the owner's order. Why text first: apps that render text
 * also offer it as a picture (LibreOffice offers cells and shapes as image/png beside their
 * text), and whoever copies cells wants to paste text. An app copying an image offers no plain
 * text: a browser's "Copy Image" offers image/png plus text/html (an <img> tag), which is not
 * plain text, so the image is carried, as its user expects.
 */
export function chooseTarget(offered: string[]): string | undefined {
  const text = TEXT_TARGETS.find((t) => offered.includes(t));
  if (text) return text;
  if (offered.includes("image/png")) return "image/png";
  return offered.find((t) => /^image\/[a-z0-9.+-]+$/i.test(t));
}

/** `xclip -t TARGETS -o` prints one atom name per line. */
export function parseTargets(output: string): string[] {
  return output
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
}
