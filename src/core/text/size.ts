/** `64m`, `2g`, `512k`, `1048576` (bytes). Binary units, as Docker uses them. */
export function parseSize(value: string): number | undefined {
  const match = /^(\d+)([kmg]?)b?$/i.exec(value.trim());
  if (!match) return undefined;
  const unit = (match[2] ?? "").toLowerCase();
  const scale = unit === "k" ? 1024 : unit === "m" ? 1024 ** 2 : unit === "g" ? 1024 ** 3 : 1;
  return Number(match[1]) * scale;
}

/** `4 GiB`, `1.5 GiB`, `64 MiB`, `512 KiB`, `100 B`. */
export function formatBytes(bytes: number): string {
  const units: [number, string][] = [
    [1024 ** 3, "GiB"],
    [1024 ** 2, "MiB"],
    [1024, "KiB"],
  ];
  for (const [size, unit] of units) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${unit}`;
  }
  return `${bytes} B`;
}
