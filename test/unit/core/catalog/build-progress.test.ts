import { expect, test } from "bun:test";
import { type BuildEvent, createBuildProgress } from "../../../../src/core/catalog/build-progress.ts";

test("steps and output are reported, bookkeeping lines are not", () => {
  const p = createBuildProgress();
  const updates = [
    { stream: "Step 1/2 : FROM base\n" },
    { stream: " ---> abc123\n" },
    { stream: "Step 2/2 : RUN make\n" },
    { stream: " ---> Running in 1234\n" },
    { stream: "compiling\npartial " },
    { stream: "line\n" },
    { stream: "Removing intermediate container 1234\n" },
    { aux: { ID: "sha256:feed" } },
    { stream: "Successfully built feed\n" },
  ].flatMap((e) => p.feed(e));
  expect(updates).toEqual([
    { kind: "step", step: 1, total: 2, instruction: "FROM base" },
    { kind: "step", step: 2, total: 2, instruction: "RUN make" },
    { kind: "output", line: "compiling" },
    { kind: "output", line: "partial line" },
  ]);
  expect(p.result()).toEqual({ ok: true, imageId: "sha256:feed", lastLines: [] });
});

test.each<[string, BuildEvent[], RegExp, string | undefined]>([
  [
    "a failing RUN names its step and keeps its last lines",
    [
      { stream: "Step 1/3 : FROM base\n" },
      { stream: "Step 2/3 : RUN echo about-to-fail && exit 3\n" },
      { stream: " ---> Running in 99\n" },
      { stream: "about-to-fail\n" },
      {
        errorDetail: { message: "The command '/bin/sh -c echo about-to-fail && exit 3' returned a non-zero code: 3" },
        error: "x",
      },
    ],
    /returned a non-zero code: 3/,
    "Step 2/3 : RUN echo about-to-fail && exit 3",
  ],
  [
    "a bad FROM fails before any step output",
    [{ error: "pull access denied for nope" }],
    /pull access denied/,
    undefined,
  ],
  [
    "a stream that ends without an image is a failure",
    [{ stream: "Step 1/1 : FROM x\n" }],
    /without an image/,
    "Step 1/1 : FROM x",
  ],
])("%s", (_, events, error, step) => {
  const p = createBuildProgress();
  for (const e of events) p.feed(e);
  const outcome = p.result();
  expect(outcome.ok).toBe(false);
  expect(outcome.error).toMatch(error);
  expect(outcome.failedStep).toBe(step);
  if (step?.includes("about-to-fail")) expect(outcome.lastLines).toEqual(["about-to-fail"]);
});

test("keeps only the last 12 lines of a long failing step", () => {
  const p = createBuildProgress();
  p.feed({ stream: "Step 1/1 : RUN noisy\n" });
  for (let i = 0; i < 40; i++) p.feed({ stream: `line ${i}\n` });
  p.feed({ error: "boom" });
  expect(p.result().lastLines).toEqual(Array.from({ length: 12 }, (_, i) => `line ${i + 28}`));
});
