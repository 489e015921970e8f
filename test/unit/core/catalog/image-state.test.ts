import { expect, test } from "bun:test";
import { describeImageState, formatAge, imageState } from "../../../../src/core/catalog/image-state.ts";

const created = new Date("2026-01-01T00:00:00Z");
test.each([
  [undefined, "missing"],
  [{ labels: { "io.dockercask.build.hash": "abc" }, createdAt: created }, "built"],
  [{ labels: { "io.dockercask.build.hash": "old" }, createdAt: created }, "stale"],
  [{ labels: {}, createdAt: created }, "stale"],
])("imageState(%p)", (image, state) => {
  expect(imageState(image, "abc").state).toBe(state as "missing");
});

test.each([
  [0, "just now"],
  [59, "just now"],
  [60, "1 minute ago"],
  [3 * 3600, "3 hours ago"],
  [86400, "1 day ago"],
  [40 * 86400, "1 month ago"],
])("formatAge(%p s)", (seconds, text) => {
  expect(formatAge(created, new Date(created.getTime() + seconds * 1000))).toBe(text);
});

test("describeImageState", () => {
  const now = new Date(created.getTime() + 2 * 86400 * 1000);
  expect(
    describeImageState(imageState({ labels: { "io.dockercask.build.hash": "abc" }, createdAt: created }, "abc"), now),
  ).toBe("built 2 days ago");
  expect(
    describeImageState(imageState({ labels: { "io.dockercask.build.hash": "x" }, createdAt: created }, "abc"), now),
  ).toBe("stale (its recipe changed since it was built)");
});
