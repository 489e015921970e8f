import { describe, expect, test } from "bun:test";
import { parseX11perf } from "../../../scripts/bench/pixels.ts";
import { parseTimes } from "../../../scripts/bench/pixels-video.ts";

const BOTH = `x11perf - X11 performance program, version 1.6.1
Sync time adjustment is 0.0372 msecs.

      8000 reps @   0.5069 msec (  1970.0/sec): PutImage 500x500 square
      8000 reps @   0.6222 msec (  1610.0/sec): PutImage 500x500 square
     16000 trep @   0.5646 msec (  1770.0/sec): PutImage 500x500 square

    120000 reps @   0.0267 msec ( 37500.0/sec): ShmPutImage 500x500 square
    120000 reps @   0.0282 msec ( 35500.0/sec): ShmPutImage 500x500 square
    240000 trep @   0.0274 msec ( 36500.0/sec): ShmPutImage 500x500 square
`;

describe("x11perf's output, read by the pixels benchmark", () => {
  test.each([
    ["both tests, repeated: the summary (trep) line of each", BOTH, { shm: 36500, put: 1770 }],
    [
      "one repetition: its only line",
      "      8000 reps @   0.5515 msec (  1810.0/sec): PutImage 500x500 square\n",
      { shm: undefined, put: 1810 },
    ],
    [
      "a server without MIT-SHM: x11perf skips the test",
      BOTH.split("\n").slice(0, 6).join("\n"),
      { shm: undefined, put: 1770 },
    ],
    ["nothing measured", "Sync time adjustment is 0.0372 msecs.\n", { shm: undefined, put: undefined }],
  ])("%s", (_, output, expected) => {
    expect(parseX11perf(output)).toEqual(expected);
  });
});

describe("bash's times around the player: the children's user and system time, in seconds", () => {
  test.each([
    ["the second line", "dropped 0\n0m0.010s 0m0.004s\n0m12.340s 0m1.500s\n", 13.84],
    ["minutes count", "0m0.000s 0m0.000s\n2m1.000s 0m0.500s", 121.5],
    ["no times printed", "dropped 3\n", undefined],
  ])("%s", (_, output, expected) => {
    const seconds = parseTimes(output);
    if (expected === undefined) expect(seconds).toBeUndefined();
    else expect(seconds).toBeCloseTo(expected, 6);
  });
});
