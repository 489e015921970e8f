import { BUILD_LABEL } from "./policy.ts";

export type ImageState =
  | { state: "missing" }
  | { state: "built"; createdAt: Date; hash: string }
  | { state: "stale"; createdAt: Date; hash: string; reason: string };

export interface ImageFacts {
  labels: Record<string, string>;
  createdAt: Date;
}

/** Compares a built image with the recipe it should have been built from. */
export function imageState(image: ImageFacts | undefined, expectedHash: string): ImageState {
  if (!image) return { state: "missing" };
  const hash = image.labels[BUILD_LABEL.hash] ?? "";
  if (hash !== expectedHash) {
    const reason = hash ? "its recipe changed since it was built" : "it was not built by dockercask";
    return { state: "stale", createdAt: image.createdAt, hash, reason };
  }
  return { state: "built", createdAt: image.createdAt, hash };
}

/** "just now", "5 minutes ago", "3 days ago". */
export function formatAge(from: Date, now: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - from.getTime()) / 1000));
  const units: [number, string][] = [
    [86400 * 365, "year"],
    [86400 * 30, "month"],
    [86400, "day"],
    [3600, "hour"],
    [60, "minute"],
  ];
  for (const [size, unit] of units) {
    const n = Math.floor(seconds / size);
    if (n >= 1) return `${n} ${unit}${n === 1 ? "" : "s"} ago`;
  }
  return "just now";
}

export function describeImageState(state: ImageState, now: Date): string {
  switch (state.state) {
    case "missing":
      return "missing";
    case "built":
      return `built ${formatAge(state.createdAt, now)}`;
    case "stale":
      return `stale (${state.reason})`;
  }
}
