/** The window an instance's Xephyr opens: its size and DPI, as config.toml and `run`'s flags give them. */
export interface SizeSpec {
  width: number;
  height: number;
}

const MIN_WINDOW_SIDE = 200;
const MAX_WINDOW_SIDE = 16384;
export const MIN_DPI = 24;
export const MAX_DPI = 960;

/** `1280x800` (or `1280X800`); undefined when it is not two positive integers. Range is checked apart. */
export function parseSizeSpec(text: string): SizeSpec | undefined {
  const match = /^([1-9]\d{0,8})[xX]([1-9]\d{0,8})$/.exec(text.trim());
  if (!match) return undefined;
  return { width: Number(match[1]), height: Number(match[2]) };
}

/** Why a window size is unusable, or undefined when it is fine. */
export function explainInvalidSize(size: SizeSpec): string | undefined {
  const bad = [size.width, size.height].some((side) => side < MIN_WINDOW_SIDE || side > MAX_WINDOW_SIDE);
  return bad ? `each side must be between ${MIN_WINDOW_SIDE} and ${MAX_WINDOW_SIDE} pixels` : undefined;
}
