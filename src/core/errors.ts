import { ENGINE_NAMES, engineFlags, listEngines, ROOTFUL_ENGINES } from "./container/engine-names.ts";
import { describeInstallCommands, type HostTool, installCommands } from "./host-tools.ts";

/**
 * Errors a user meets. Each carries a stable code and, where we know one, a hint that says
 * what to do next. Only src/main.ts turns them into a message and an exit code; the stack
 * is shown only with --verbose, because it points into a bundle the user cannot read.
 */
/** What an error says, whatever was thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Every code an error of ours carries, named in one place: scripts and tests match on them, so
 * each is stable, and a code that is not here does not type-check.
 */
const ERROR_CODES = [
  "E_ABORTED",
  "E_BUILD",
  "E_CLIP",
  "E_COMMAND",
  "E_CONFIG",
  "E_CONFIRM",
  "E_CYCLE",
  "E_DEB",
  "E_DISPOSABLE_FULL",
  "E_DOCKER",
  "E_DOCKER_DOWN",
  "E_DOCKER_PERMISSION",
  "E_ENGINE_WEAKER",
  "E_IMAGE",
  "E_INSTANCE_NAME",
  "E_MISSING_TOOL",
  "E_NO_NET_LOG",
  "E_NOT_OURS",
  "E_NOT_RUNNABLE",
  "E_NOT_RUNNING",
  "E_NO_DISPLAY",
  "E_OPEN_REFUSED",
  "E_OUT_OF_MEMORY",
  "E_POLICY",
  "E_RESERVED_NAME",
  "E_RUNNING",
  "E_RUNTIME_DIR",
  "E_SHARED",
  "E_STARTING",
  "E_STOP_TIMEOUT",
  "E_UNKNOWN_APP",
  "E_UNKNOWN_INSTANCE",
  "E_UNSAFE_PATH",
  "E_USAGE",
  "E_USER_APP",
  "E_XEPHYR",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class DockercaskError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly exitCode: number;

  constructor(message: string, options: { code: ErrorCode; hint?: string; exitCode?: number; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Wrong arguments or names: exit 2, like other CLI tools. */
export class UsageError extends DockercaskError {
  constructor(message: string, hint?: string) {
    super(message, { code: "E_USAGE", hint, exitCode: 2 });
  }
}

export class InvalidInstanceNameError extends DockercaskError {
  constructor(input: string, reason: string) {
    super(`invalid instance name ${JSON.stringify(input)}: ${reason}`, {
      code: "E_INSTANCE_NAME",
      hint: "An instance is <app> or <app>#<id>: lower-case ASCII letters, digits and '-', for example firefox or firefox#work.",
      exitCode: 2,
    });
  }
}

export class UnknownAppError extends DockercaskError {
  constructor(app: string, suggestion: string | undefined) {
    super(`unknown app "${app}"`, {
      code: "E_UNKNOWN_APP",
      hint: suggestion
        ? `Did you mean "${suggestion}"? "dockercask list" shows every app.`
        : `"dockercask list" shows every app; add your own under $XDG_CONFIG_HOME/dockercask/apps/<name>/Dockerfile.`,
      exitCode: 2,
    });
  }
}

export class UnknownInstanceError extends DockercaskError {
  constructor(instance: string) {
    super(`no instance named "${instance}"`, {
      code: "E_UNKNOWN_INSTANCE",
      hint: `"dockercask list" shows the instances you added; "dockercask add ${instance}" adds it.`,
    });
  }
}

export class InvalidPolicyError extends DockercaskError {
  constructor(app: string, problems: string[]) {
    super(`app "${app}" has an invalid run policy:\n  - ${problems.join("\n  - ")}`, {
      code: "E_POLICY",
      hint: "Fix the io.dockercask.* LABEL lines in its Dockerfile; docs/config.md lists the allowed values.",
    });
  }
}

/** One thing wrong in the config file; `line` is 1-based, when we could find it. */
export interface ConfigProblem {
  line?: number;
  problem: string;
}

/** Every problem found in the config file at once, each as `file:line: problem`, so one edit fixes them all. */
export class ConfigError extends DockercaskError {
  readonly file: string;
  readonly problems: ConfigProblem[];

  constructor(file: string, problems: ConfigProblem[], options: { hint?: string; cause?: unknown } = {}) {
    const lines = problems.map((p) => (p.line ? `${file}:${p.line}: ${p.problem}` : `${file}: ${p.problem}`));
    super(lines.join("\n"), {
      code: "E_CONFIG",
      hint: options.hint ?? "See docs/config.md for the keys each table takes.",
      exitCode: 2,
      cause: options.cause,
    });
    this.file = file;
    this.problems = problems;
  }
}

export class ImageBuildError extends DockercaskError {
  readonly step?: string;
  readonly lastLines: string[];

  constructor(app: string, message: string, step: string | undefined, lastLines: string[]) {
    const where = step ? `\n  failing step: ${step}` : "";
    const tail = lastLines.length ? `\n  last output:\n${lastLines.map((l) => `    | ${l}`).join("\n")}` : "";
    super(`building image for "${app}" failed: ${message}${where}${tail}`, {
      code: "E_BUILD",
      hint: "Fix the step above in the app's Dockerfile, then run the build again.",
    });
    this.step = step;
    this.lastLines = lastLines;
  }
}

export class DockerUnreachableError extends DockercaskError {
  constructor(socket: string, cause?: unknown) {
    super(`cannot reach the Docker daemon at ${socket}`, {
      code: "E_DOCKER_DOWN",
      hint: "Start it: sudo systemctl start docker (or run dockerd). Set DOCKER_HOST if it listens elsewhere.",
      cause,
    });
  }
}

export class DockerPermissionError extends DockercaskError {
  constructor(socket: string, cause?: unknown) {
    super(`permission denied on the Docker socket ${socket}`, {
      code: "E_DOCKER_PERMISSION",
      hint: 'Add yourself to the docker group: sudo usermod -aG docker "$USER", then log in again.',
      cause,
    });
  }
}

export class MissingToolError extends DockercaskError {
  readonly tool: string;

  constructor(tool: HostTool) {
    super(`"${tool.command}" was not found on PATH (${tool.purpose})`, {
      code: "E_MISSING_TOOL",
      hint: [
        "Install it with your distribution's package manager:",
        ...describeInstallCommands(installCommands([tool])),
      ].join("\n  "),
    });
    this.tool = tool.command;
  }
}

export class ConfirmationRequiredError extends DockercaskError {
  constructor(what: string) {
    super(`refusing to ${what} without confirmation`, {
      code: "E_CONFIRM",
      hint: "Standard input is not a terminal, so there is no one to ask: pass --yes to confirm.",
      exitCode: 2,
    });
  }
}

export class UnsafePathError extends DockercaskError {
  constructor(path: string, reason: string) {
    super(`refusing to touch ${path}: ${reason}`, {
      code: "E_UNSAFE_PATH",
      hint: "dockercask only ever deletes inside its own data folder, and never follows symbolic links.",
    });
  }
}

/** One of our own errors: main.ts shows its message and hint, and exits with its code. */
export function isDockercaskError(error: unknown): error is DockercaskError {
  return error instanceof DockercaskError;
}

export class AlreadyRunningError extends DockercaskError {
  constructor(instance: string, owner: { pid: number; display?: number }, raised: boolean) {
    const where = owner.display === undefined ? "" : ` on display :${owner.display}`;
    super(
      `${instance} is already running${where} (supervisor pid ${owner.pid})${raised ? "; its window was raised" : ""}`,
      {
        code: "E_RUNNING",
        hint: `One instance runs once. Run another with a new id (dockercask run ${instance.split("#")[0]}#2), or stop this one: dockercask stop ${instance}`,
      },
    );
  }
}

export class DisplayUnsetError extends DockercaskError {
  constructor() {
    super("DISPLAY is not set: there is no desktop to open the window on", {
      code: "E_NO_DISPLAY",
      hint: "Run dockercask from a terminal in your graphical session, or set DISPLAY (for example DISPLAY=:0).",
    });
  }
}

export class NotRunningError extends DockercaskError {
  constructor(instance: string, hint = '"dockercask ps" lists the running instances.') {
    super(`${instance} is not running`, { code: "E_NOT_RUNNING", hint });
  }
}

/** `clip push/pull` could not move the clipboard: the policy forbids it, or there is nothing to move. */
export class ClipError extends DockercaskError {
  constructor(message: string, hint?: string) {
    super(message, { code: "E_CLIP", hint });
  }
}

/** A `shared` folder that cannot be mounted: missing, not a folder, or refused where it really is. */
export class SharedFolderError extends DockercaskError {
  constructor(
    message: string,
    hint = 'Share a folder that holds only what the app needs, or remove it from "shared" in config.toml.',
  ) {
    super(message, { code: "E_SHARED", hint });
  }
}

/** The engine would run the app with less hardening than its spec: we refuse rather than run weaker. */
export class EngineCannotApplyError extends DockercaskError {
  readonly problems: { setting: string; wanted: string; got: string }[];
  constructor(
    engine: string,
    problems: { setting: string; wanted: string; got: string }[],
    options: { cgroupV1?: boolean } = {},
  ) {
    const list = problems.map((p) => `${p.setting} (wanted ${p.wanted}, got ${p.got})`).join("; ");
    super(
      `${engine} cannot apply ${problems.map((p) => p.setting).join(", ")}: refusing to run with less hardening than asked. ${list}`,
      {
        code: "E_ENGINE_WEAKER",
        hint: options.cgroupV1
          ? `Rootless engines need cgroup v2 to enforce limits: boot with systemd.unified_cgroup_hierarchy=1, or use a rootful engine (${engineFlags(ROOTFUL_ENGINES)}).`
          : `Use an engine that applies it (--engine ${listEngines(ENGINE_NAMES)}), or report the engine's version if it should.`,
      },
    );
    this.problems = problems;
  }
}
