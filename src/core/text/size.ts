/** `64m`, `2g`, `512k`, `1048576` (bytes). Binary units, as Docker uses them. */
export function parseSize(value: string): number | undefined {
  const match = /^(\d+)([kmg]?)b?$/i.exec(value.trim());
  if (!match) return undefined;
  const unit = (match[2] ?? "").toLowerCase();
  const scale = unit === "k" ? 1024 : unit === "m" ? 1024 ** 2 : unit === "g" ? 1024 ** 3 : 1;
  return Number(match[1]) * scale;
}
