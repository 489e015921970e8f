/**
 * dockercask(1), written in roff from the command tree that also drives `--help` and
 * completion: every command, argument and flag, with the same words. Only the sections
 * around them (files, environment, exit status) are prose kept here.
 */
import {
  type ArgInfo,
  type CommandInfo,
  flags,
  hasNegativeForm,
  isRequiredPositional,
  positionals,
  usageLine,
  walkCommands,
} from "./command-tree.ts";

export interface ManPageOptions {
  version: string;
  /** The date in the page footer, YYYY-MM-DD: the release commit's, so rebuilds are identical. */
  date: string;
}

export function renderManPage(root: CommandInfo, options: ManPageOptions): string {
  const commands = walkCommands(root).filter((c) => c.subcommands.length === 0 || c.args.length > 0);
  const lines: string[] = [
    `.\\" Generated from dockercask's command definitions (src/core/man-page.ts). Do not edit by hand.`,
    `.TH DOCKERCASK 1 ${quote(options.date)} ${quote(`dockercask ${options.version}`)} "User Commands"`,
    // No hyphenation, ragged right: commands and names must stay copyable as printed.
    ".nh",
    ".ad l",
    ".SH NAME",
    `dockercask \\- ${text(lowerFirst(root.description))}`,
    ".SH SYNOPSIS",
    `.B dockercask`,
    `[\\fB\\-\\-verbose\\fR] \\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGUMENTS\\fR]`,
    ".br",
    ".B dockercask \\-\\-version",
    ".br",
    ".B dockercask",
    "[\\fICOMMAND\\fR] \\fB\\-\\-help\\fR",
    ".SH DESCRIPTION",
    `${text(root.description)}.`,
    ".PP",
    text(
      "Each instance of an app (app or app#id) gets a nested Xephyr window with its own X cookie, a container with every capability dropped, an unprivileged user and no network unless the app needs one, and a persistent home of its own. The container never sees the host display, your home directory, ~/.Xauthority or the Docker socket.",
    ),
    ".PP",
    text("Instance names are lower-case ASCII: an app name, optionally followed by # and an id, such as firefox#work."),
    ".SH OPTIONS",
    ...flags(root).flatMap((arg) => renderFlag(arg)),
    ".TP",
    `${bold("--help")}, ${bold("-h")}`,
    text("Show the usage of dockercask or of a command."),
    ".TP",
    `${bold("--version")}, ${bold("-v")}`,
    text("Show the version and the commit it was built from."),
    ".SH COMMANDS",
  ];
  for (const command of commands) lines.push(...renderCommand(command));
  lines.push(
    ".SH FILES",
    ".TP",
    italic("$XDG_CONFIG_HOME/dockercask/config.toml"),
    text('Defaults for every instance, per app ([apps.<app>]) and per instance ([instances."<instance>"]).'),
    ".TP",
    italic("$XDG_CONFIG_HOME/dockercask/apps/<app>/Dockerfile"),
    text(
      "Your own apps; a folder named like a built-in app overrides it. An icon.svg beside the Dockerfile is its menu icon.",
    ),
    ".TP",
    italic("$XDG_DATA_HOME/dockercask/homes/<instance>/"),
    text("Each instance's persistent home, mounted as /home/app in its container."),
    ".TP",
    italic("$XDG_DATA_HOME/applications/dockercask-<instance>.desktop"),
    text("Menu entries written by desktop install and add --desktop (# in the instance name becomes a dot)."),
    ".TP",
    italic("$XDG_RUNTIME_DIR/dockercask/<instance>/"),
    text("A running instance's cookie files and sound socket; removed when it ends."),
    ".SH ENVIRONMENT",
    ".TP",
    bold("DISPLAY"),
    text("The desktop the instance windows open on."),
    ".TP",
    bold("DOCKER_HOST"),
    text("The Docker engine to use, as for the docker CLI; the local socket when unset."),
    ".TP",
    `${bold("XDG_CONFIG_HOME")}, ${bold("XDG_DATA_HOME")}, ${bold("XDG_RUNTIME_DIR")}`,
    text(
      "Where configuration, homes and menu entries, and runtime files go (~/.config, ~/.local/share and ~/.cache/dockercask/runtime when unset).",
    ),
    ".TP",
    bold("NO_COLOR"),
    text("Turns colours off. They are also off when the output is not a terminal."),
    ".SH EXIT STATUS",
    ".TP",
    bold("0"),
    text("Success. For run: the window was closed, or the app exited with 0."),
    ".TP",
    bold("1"),
    text("Failure, or doctor found a required tool missing."),
    ".TP",
    bold("2"),
    text("Bad usage: an invalid name, an unknown app or command, a bad config file."),
    ".TP",
    bold("128+n"),
    text("run was stopped by signal n (130 for Ctrl+C). Otherwise run exits with the app's own exit code."),
    ".SH EXAMPLES",
    ".nf",
    text("dockercask doctor"),
    text("dockercask run xeyes"),
    text("dockercask add firefox#work --desktop"),
    text("dockercask run firefox#work -- https://example.org"),
    text("source <(dockercask completion bash)"),
    ".fi",
    ".SH SEE ALSO",
    `${bold("docker")}(1), ${bold("Xephyr")}(1), ${bold("xauth")}(1), ${bold("xclip")}(1), ${bold("pactl")}(1)`,
  );
  return `${lines.join("\n")}\n`;
}

function renderCommand(command: CommandInfo): string[] {
  const lines = [`.SS ${quote(usageLine(command).replace(/-/g, "\\-"))}`, text(command.description)];
  for (const arg of positionals(command)) {
    lines.push(".TP", italic(arg.name.toUpperCase()), text(withRequired(arg.description, isRequiredPositional(arg))));
  }
  for (const arg of flags(command)) lines.push(...renderFlag(arg));
  return lines;
}

function renderFlag(arg: ArgInfo): string[] {
  const names = [...arg.aliases.map((a) => `-${a}`), `--${arg.name}`].map(bold).join(", ");
  const value =
    arg.kind === "enum" && arg.options?.length
      ? arg.options.join("|")
      : arg.kind === "string"
        ? (arg.valueHint ?? arg.name)
        : "";
  const lines = [".TP", value ? `${names}=${italic(value)}` : names, text(withRequired(arg.description, arg.required))];
  if (hasNegativeForm(arg)) lines.push(".TP", bold(`--no-${arg.name}`), text(arg.negativeDescription ?? ""));
  return lines;
}

function withRequired(description: string, required: boolean): string {
  return required ? `${description} (required)` : description;
}

/** Plain text for roff: backslashes and dashes escaped, and no line that starts like a request. */
export function text(value: string): string {
  const escaped = value.replace(/\\/g, "\\e").replace(/-/g, "\\-");
  return /^[.']/.test(escaped) ? `\\&${escaped}` : escaped;
}

function bold(value: string): string {
  return `\\fB${text(value)}\\fR`;
}

function italic(value: string): string {
  return `\\fI${text(value)}\\fR`;
}

function quote(value: string): string {
  return `"${value.replace(/"/g, "\\(dq")}"`;
}

function lowerFirst(value: string): string {
  return value.charAt(0).toLowerCase() + value.slice(1);
}
