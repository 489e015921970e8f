import { sanitizeTerminalText } from "../core/text/terminal-text.ts";
import type { BuildReporter } from "../ports/build-reporter.ts";
import { isInteractive, log } from "./log.ts";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/**
 * Shows a build's progress: on a terminal one rewritten status line with a spinner that
 * turns as output arrives (no timers to clean up); in a pipe or CI, one plain line per step.
 */
export function createBuildReporter(app: string, stream: NodeJS.WriteStream = process.stderr): BuildReporter {
  const tty = isInteractive(stream);
  let frame = 0;
  let status = "";
  const columns = () => Math.max(20, (stream.columns ?? 80) - 1);
  const draw = () => stream.write(`\r\x1b[K${`${FRAMES[frame++ % FRAMES.length]} ${status}`.slice(0, columns())}`);
  const clear = () => tty && stream.write("\r\x1b[K");
  return {
    update(update) {
      if (update.kind === "step") {
        // The instruction is the recipe's text: on the status line it is shown, never interpreted.
        status = `${app} [${update.step}/${update.total}] ${tty ? sanitizeTerminalText(update.instruction, { singleLine: true }) : update.instruction}`;
        if (tty) draw();
        else log.info(`${app}: step ${update.step}/${update.total}: ${update.instruction}`);
      } else if (tty) {
        draw();
      } else {
        log.debug(`${app}: ${update.line}`);
      }
    },
    done(message) {
      clear();
      log.success(message);
    },
    fail() {
      clear();
    },
  };
}
