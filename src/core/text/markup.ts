/**
 * The text as a markup parser (Pango's, which notification servers and zenity use, or a
 * browser's) shows it: its own characters, no element, no entity.
 */
export function escapeMarkup(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}
