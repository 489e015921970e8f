import { describe, expect, test } from "bun:test";
import { describeCommandTree } from "../../../../src/cli/_command-tree.ts";
import { main } from "../../../../src/cli/index.ts";
import { type CompletionNames, complete, formatCandidates } from "../../../../src/core/commands/completion.ts";

// The real command tree: these tests break when a command or flag changes, as completion does.
const tree = await describeCommandTree(main);

const names: CompletionNames = {
  apps: () => [
    { value: "firefox", description: "A browser" },
    { value: "xeyes", description: "The smoke test" },
  ],
  instances: () => [
    { value: "firefox#work", description: "added" },
    { value: "xeyes", description: "added" },
  ],
};

const values = (words: string[]) => complete(tree, words, names).map((c) => c.value);

describe("complete", () => {
  test.each([
    [
      "commands, as --help lists them, hidden ones left out",
      [""],
      [
        "run",
        "add",
        "remove",
        "list",
        "build",
        "build-all",
        "update",
        "ps",
        "stop",
        "open",
        "clip",
        "logs",
        "net",
        "shell",
        "doctor",
        "desktop",
        "completion",
      ],
    ],
    ["commands by prefix", ["b"], ["build", "build-all"]],
    ["a subcommand group", ["desktop", ""], ["install", "remove"]],
    ["clip: push and pull", ["clip", ""], ["push", "pull"]],
    ["clip push takes only added instances", ["clip", "push", ""], ["firefox#work", "xeyes"]],
    ["clip pull: its flag", ["clip", "pull", "xeyes", "--c"], ["--clear-after"]],
    ["root flags", ["--"], ["--verbose", "--engine", "--help", "--version"]],
    ["run: added instances, then apps not yet added", ["run", ""], ["firefox#work", "xeyes", "firefox"]],
    ["run: by prefix, an instance with an id", ["run", "firefox#"], ["firefox#work"]],
    ["add and desktop install may name a new instance too", ["desktop", "install", "f"], ["firefox#work", "firefox"]],
    ["remove takes only added instances", ["remove", ""], ["firefox#work", "xeyes"]],
    ["desktop remove takes only added instances", ["desktop", "remove", ""], ["firefox#work", "xeyes"]],
    ["logs takes only added instances", ["logs", ""], ["firefox#work", "xeyes"]],
    ["net takes only added instances", ["net", ""], ["firefox#work", "xeyes"]],
    ["build: apps", ["build", ""], ["firefox", "xeyes"]],
    ["build takes more than one app", ["build", "firefox", "x"], ["xeyes"]],
    ["run takes one instance", ["run", "xeyes", ""], []],
    ["completion: the shells", ["completion", ""], ["bash", "zsh", "fish"]],
    [
      "run's flags, then the global ones",
      ["run", "--"],
      [
        "--size",
        "--dpi",
        "--network",
        "--clipboard",
        "--files",
        "--mit-shm",
        "--build",
        "--no-build",
        "--links",
        "--audio",
        "--no-audio",
        "--microphone",
        "--no-microphone",
        "--disposable",
        "--verbose",
        "--engine",
        "--help",
      ],
    ],
    ["a flag by prefix", ["run", "--cl"], ["--clipboard"]],
    ["an alias counts as the flag", ["logs", "-f", "x"], ["xeyes"]],
    ["add --desktop", ["add", "--d"], ["--desktop"]],
    ["an enum flag's values", ["run", "--network", ""], ["none", "internet", "bridge"]],
    ["an enum flag's values by prefix", ["run", "--clipboard", "f"], ["from-app"]],
    ["an enum flag's values after =", ["run", "--clipboard=t"], ["--clipboard=to-app"]],
    ["readline's split at = is put back together", ["run", "--network", "=", "b"], ["--network=bridge"]],
    [
      "... also right after the =",
      ["run", "--network", "="],
      ["--network=none", "--network=internet", "--network=bridge"],
    ],
    ["a string flag's value is free text", ["run", "--size", ""], []],
    [
      "a flag's value is not taken for the instance",
      ["run", "--network", "none", ""],
      ["firefox#work", "xeyes", "firefox"],
    ],
    ["a boolean flag takes no value", ["run", "--audio", "x"], ["xeyes"]],
    ["--verbose before the command", ["--verbose", "ru"], ["run"]],
    ["after -- the words are the app's", ["run", "xeyes", "--", ""], []],
    ["an unknown command completes nothing", ["frobnicate", ""], []],
  ])("%s", (_, words, expected) => {
    expect(values(words)).toEqual(expected);
  });

  test("names are read only when a word needs them", () => {
    let reads = 0;
    const read = () => {
      reads++;
      return [];
    };
    const counting: CompletionNames = { apps: read, instances: read };
    complete(tree, ["run", "--"], counting);
    complete(tree, [""], counting);
    expect(reads).toBe(0);
  });
});

describe("formatCandidates", () => {
  test.each([
    ["value and description, tab separated", [{ value: "run", description: "Run it" }], "run\tRun it"],
    ["no description, no tab", [{ value: "bash", description: "" }], "bash"],
    ["a description stays on one line", [{ value: "x", description: "two\nlines\tand tab" }], "x\ttwo lines and tab"],
  ])("%s", (_, candidates, expected) => {
    expect(formatCandidates(candidates)).toBe(expected);
  });
});
