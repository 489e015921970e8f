import { defineCommand } from "citty";
import { SHELLS } from "../core/commands/completion.ts";
import { renderCompletionScript } from "../core/commands/completion-scripts.ts";
import { UsageError } from "../core/errors.ts";
import { isOneOf } from "../core/one-of.ts";

export default defineCommand({
  meta: { name: "completion", description: "Print the shell completion script for bash, zsh or fish" },
  args: {
    shell: {
      type: "positional",
      description: "bash, zsh or fish; load it with: source <(dockercask completion bash)",
      required: true,
    },
  },
  run({ args }) {
    if (!isOneOf(SHELLS, args.shell)) {
      throw new UsageError(`no completion for shell "${args.shell}"`, `Choose one of: ${SHELLS.join(", ")}.`);
    }
    process.stdout.write(renderCompletionScript(args.shell));
  },
});
