import type { ConsolaInstance } from "consola";
import { sanitizeTerminalText } from "../core/text/terminal-text.ts";

/**
 * The one logger. Everything it prints goes to stderr, so stdout carries only results
 * (tables, --json) and stays safe to pipe.
 *
 * consola is loaded at the first message, not at start-up: `run` prints nothing before its
 * window opens, and evaluating consola took ~2 ms on that path.
 */
let instance: ConsolaInstance | undefined;
let verbose = false;

/** The level, whether consola is loaded yet or not: 4 shows debug lines, 1 only warnings. */
const level = () => instance?.level ?? (verbose ? 4 : process.env.DOCKERCASK_QUIET ? 1 : 3);

function consola(): ConsolaInstance {
  if (!instance) {
    // Not on a terminal (a menu entry's supervisor, a pipe) the plain reporter: the fancy one's
    // code stays in a long-lived supervisor's memory, about 10 MB (docs/benchmarks.md).
    const { createConsola } = (
      isInteractive() ? require("consola") : require("consola/basic")
    ) as typeof import("consola");
    instance = createConsola({
      stdout: process.stderr,
      stderr: process.stderr,
      level: level(),
      formatOptions: { date: false },
    });
  }
  return instance;
}

const quiet = () => {};

/** consola's methods that print their arguments. */
const PRINTING = new Set<PropertyKey>([
  "log",
  "info",
  "success",
  "ready",
  "start",
  "warn",
  "error",
  "fail",
  "fatal",
  "debug",
  "trace",
  "box",
]);

/**
 * A log line can quote what an app or a recipe controls (a build step, a label, an error from
 * inside). On a terminal its text goes through the one sanitizer before consola adds its own
 * colors, so no escape in it reaches the terminal live; a pipe gets the exact text.
 */
const visible = (args: unknown[]) =>
  process.stderr.isTTY ? args.map((a) => (typeof a === "string" ? sanitizeTerminalText(a) : a)) : args;

export const log = new Proxy({} as ConsolaInstance, {
  get: (_, key) => {
    // Debug lines are dropped unless --verbose, so they need not load consola (run logs one
    // right after its Xephyr is ready, still before the container starts).
    if ((key === "debug" || key === "trace") && level() < 4) return quiet;
    const value = Reflect.get(consola(), key);
    if (typeof value !== "function") return value;
    const bound = value.bind(instance);
    return PRINTING.has(key) ? (...args: unknown[]) => bound(...visible(args)) : bound;
  },
  set: (_, key, value) => Reflect.set(consola(), key, value),
  has: (_, key) => Reflect.has(consola(), key),
});

export function setVerbose(on: boolean): void {
  verbose ||= on;
  if (on && instance) instance.level = 4;
}

/** Whether stderr is a terminal a human watches, where spinners and rewritten lines make sense. */
export function isInteractive(stream: { isTTY?: boolean } = process.stderr): boolean {
  return Boolean(stream.isTTY) && !process.env.CI && process.env.TERM !== "dumb";
}
