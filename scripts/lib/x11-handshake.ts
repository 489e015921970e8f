/**
 * A build-time fix for the `x11` package (4.2.2): its connection handshake counts the visuals
 * read so far with `Object.keys(visuals).length` after each one, which is quadratic in their
 * number. An X server with GLX offers hundreds (Xvfb and Xephyr here: 390), so every connection
 * spent about 5 ms in Object.keys alone, and a supervisor makes two (the desktop's display and
 * its own Xephyr's): ten instances started at once paid it twenty times on the window's path.
 *
 * The patch counts down the visuals still to read instead, which is what the recursion already
 * passes along. The text it replaces must be there exactly once: a new version of the package
 * fails the build here, loudly, rather than ship unpatched or mispatched.
 */
import type { BunPlugin } from "bun";

const QUADRATIC = "if (Object.keys(visuals).length == n_visuals)";
const LINEAR = "if (--n_visuals == 0)";

export function lineariseVisualCount(source: string): string {
  const at = source.indexOf(QUADRATIC);
  if (at < 0 || source.indexOf(QUADRATIC, at + 1) >= 0) {
    throw new Error(
      `x11's lib/handshake.js does not hold "${QUADRATIC}" exactly once: check scripts/lib/x11-handshake.ts against the new version`,
    );
  }
  return source.replace(QUADRATIC, LINEAR);
}

/** Bun.build plugin: serves x11's handshake.js with the visual count made linear. */
export function x11HandshakePatch(): BunPlugin {
  return {
    name: "x11-handshake-linear",
    setup(build) {
      build.onLoad({ filter: /[\\/]x11[\\/]lib[\\/]handshake\.js$/ }, async (args) => ({
        contents: lineariseVisualCount(await Bun.file(args.path).text()),
        loader: "js",
      }));
    },
  };
}
